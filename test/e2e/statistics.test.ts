// A person opens a dataset, reads its row count on the CodeLens, opens the statistics panel
// from it, and looks at the extension's log, in a real browser on a real VS Code (code-server)
// with the packaged .vsix installed.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { E2E, WAIT, Workbench } from './workbench';

/** Non-blank lines that parse as JSON: the row count a person expects for a clean file. */
function rowCount(file: string): number {
  return fs
    .readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '')
    .filter((line) => {
      try {
        JSON.parse(line);
        return true;
      } catch {
        return false;
      }
    }).length;
}

describe('dataset statistics in the browser', function () {
  let workbench: Workbench;
  const expectedRows = () => rowCount(path.join(E2E.workspace, 'sample.jsonl'));

  before(async function () {
    this.timeout(WAIT.workbench * 2);
    workbench = await Workbench.open('statistics');
    await workbench.shot('workbench-ready');
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && workbench) {
      await workbench.shot(`FAILED-${this.currentTest.title}`);
    }
  });

  after(async () => {
    await workbench?.close();
  });

  it('opens sample.jsonl with Quick Open', async () => {
    await workbench.quickOpen('sample.jsonl');
    await workbench.page.locator('.editor-instance .view-lines', { hasText: 'boiling point' }).waitFor();
    await workbench.shot('sample-open');
  });

  it('shows the row count on a CodeLens on the first line', async () => {
    const lens = workbench.codeLens('Distillery:');
    await lens.first().waitFor();
    const text = (await lens.first().textContent()) ?? '';
    await workbench.shot('codelens');
    assert.match(text, /rows/, `CodeLens text: ${text}`);
    assert.match(text, new RegExp(`\\b${expectedRows()} rows\\b`), `CodeLens text: ${text}`);
  });

  it('opens the statistics panel from the CodeLens, with the row count', async () => {
    await workbench.clickCodeLens('Distillery:', 0, () => Workbench.showing(workbench.editorTab('Statistics: sample.jsonl')));
    const panel = await workbench.webview();
    const rows = panel.locator('#stats td[data-stat="rows"]');
    await rows.waitFor();
    await workbench.shot('statistics-panel');
    const text = ((await rows.textContent()) ?? '').replace(/[,\s]/g, '');
    assert.equal(Number(text), expectedRows(), `rows cell: ${text}`);
    for (const stat of ['blank', 'malformed']) {
      const cell = panel.locator(`#stats td[data-stat="${stat}"]`);
      const value = ((await cell.textContent()) ?? '').replace(/[,\s]/g, '');
      assert.equal(Number(value), 0, `${stat} cell of a clean file: ${value}`);
    }
  });

  it('shows the Distillery log from the command palette', async () => {
    await workbench.runCommand('Distillery: Show Log');
    const panel = workbench.page.locator('.part.panel');
    await panel.waitFor({ state: 'visible' });
    // The Output view is active, its channel picker shows Distillery, and the log has lines.
    // (A string, evaluated in the page: this project's TypeScript has no DOM types.)
    await workbench.page.waitForFunction(
      `document.querySelector('.part.panel select.monaco-select-box')?.selectedOptions[0]?.text === 'Distillery'`,
    );
    await workbench.page.locator('.part.panel .monaco-editor .view-lines', { hasText: '[info]' }).waitFor();
    await workbench.shot('show-log');
  });

  it('runs Dataset Statistics from the palette on a file with a blank and a malformed line', async () => {
    // test/fixtures/workspace/messy.jsonl: 2 rows, 1 blank line, 1 malformed line.
    await workbench.quickOpen('messy.jsonl');
    await workbench.runCommand('Distillery: Dataset Statistics');
    await workbench.editorTab('Statistics: messy.jsonl').waitFor();
    const panel = await workbench.webview();
    await panel.getByText('messy.jsonl').first().waitFor();
    await workbench.shot('statistics-messy');
    const values: Record<string, number> = {};
    for (const stat of ['rows', 'blank', 'malformed']) {
      const text = (await panel.locator(`#stats td[data-stat="${stat}"]`).textContent()) ?? '';
      values[stat] = Number(text.replace(/[,\s]/g, ''));
    }
    assert.deepEqual(values, { rows: 2, blank: 1, malformed: 1 });
  });

  it('shows rows by kind, duplicates, tokens and length charts for the same file', async () => {
    const panel = await workbench.webview();
    // messy.jsonl: its 2 rows are preference rows.
    const kind = panel.locator('#kinds tr[data-kind="preference"]');
    await kind.waitFor();
    assert.equal(await kind.getAttribute('data-value'), '2');
    assert.equal(await panel.locator('#stats td[data-stat="duplicates"]').getAttribute('data-value'), '0');
    assert.match((await panel.locator('#token-encoding').getAttribute('data-encoding')) ?? '', /^(o200k_base|cl100k_base)$/);
    // Chart.js drew on the canvas (the CSP lets it), and the canvas carries its numbers as text.
    const canvas = panel.locator('#characters-chart canvas');
    await canvas.waitFor();
    assert.match((await canvas.getAttribute('aria-label')) ?? '', /^Rows by length in characters\. Prompt: /);
    assert.ok(((await canvas.getAttribute('width')) ?? '0') !== '0', 'the chart has a size');
    await workbench.shot('statistics-charts');
  });

  it('opens the row preview from a row\'s Preview CodeLens', async () => {
    // Its tab is still open from the first test; a click also takes focus from the panels.
    await workbench.editorTab('sample.jsonl').click();
    await workbench.page.locator('.editor-instance .view-lines', { hasText: 'boiling point' }).waitFor();
    // Each row has its own lenses; the second Preview lens belongs to line 2.
    const preview = workbench.codeLens('Preview');
    await preview.nth(1).waitFor();
    await workbench.clickCodeLens('Preview', 1, () => Workbench.showing(workbench.editorTab('Row 2 · sample.jsonl')));
    const panel = await workbench.webview('Row preview');
    await panel.getByText('Name a prime number greater than 10.').first().waitFor();
    await workbench.shot('preview-from-lens');
  });

  it('brings the row preview back, on the same row, after the window reloads', async () => {
    // Reload Window (not a browser reload) lets the workbench save its editors first.
    const reloaded = workbench.page.waitForEvent('load', { timeout: WAIT.workbench });
    await workbench.runCommand('Developer: Reload Window');
    await reloaded;
    await workbench.page.locator('.monaco-workbench').waitFor({ timeout: WAIT.workbench });
    await workbench.editorTab('Row 2 · sample.jsonl').waitFor({ timeout: WAIT.workbench });
    const panel = await workbench.webview('Row preview', WAIT.workbench);
    await panel.getByText('Name a prime number greater than 10.').first().waitFor();
    await workbench.shot('preview-restored');
  });
});
