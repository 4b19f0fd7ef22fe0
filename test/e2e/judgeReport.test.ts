// A person opens a judged dataset, runs Distillery: Judge Report from the command palette, reads
// the win rates, the length-controlled win rate and the numbers behind the charts, then reloads
// the window and finds the report (and the statistics panel beside it) back, in a real browser on
// a real VS Code (code-server) with the packaged .vsix installed.
//
// test/fixtures/workspace/judged-pairs.jsonl: 9 preference rows, 8 judged (A 3, B 1, tie 4).
import * as assert from 'node:assert/strict';
import type { FrameLocator } from 'playwright-core';
import { WAIT, Workbench } from './workbench';

const FILE = 'judged-pairs.jsonl';
const TAB = `Judge Report: ${FILE}`;
const TITLE = 'Judge report';

/** The raw value of a headline number (data-value), as a number. */
async function headline(panel: FrameLocator, stat: string): Promise<number> {
  const cell = panel.locator(`#headline td[data-stat="${stat}"]`);
  await cell.waitFor();
  const value = await cell.getAttribute('data-value');
  assert.ok(value !== null && value !== '', `${stat} has a value`);
  return Number(value);
}

/** The cells of a chart's table (opened from its disclosure), row by row. */
async function chartTable(panel: FrameLocator, chart: string): Promise<string[][]> {
  await panel.locator(`#${chart} details summary`).click();
  const rows = panel.locator(`#${chart}-table tr`);
  await rows.first().waitFor();
  const cells: string[][] = [];
  for (let i = 0; i < (await rows.count()); i++) cells.push((await rows.nth(i).locator('th, td').allTextContents()).map((t) => t.trim()));
  return cells;
}

describe('judge report in the browser', function () {
  let workbench: Workbench;

  before(async function () {
    this.timeout(WAIT.workbench * 2);
    workbench = await Workbench.open('judgeReport');
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && workbench) await workbench.shot(`FAILED-${this.currentTest.title}`);
  });

  after(async () => {
    await workbench?.close();
  });

  it('runs Judge Report from the palette on a judged file: win rates, the length-controlled win rate and the charts\' tables', async function () {
    this.timeout(WAIT.workbench * 2);
    await workbench.quickOpen(FILE);
    await workbench.page.locator('.editor-instance .view-lines', { hasText: 'judgement' }).first().waitFor();
    await workbench.runCommand('Distillery: Judge Report');
    await workbench.editorTab(TAB).waitFor();
    const panel = await workbench.webview(TITLE);

    assert.equal(await headline(panel, 'rows'), 8, 'eight judged rows');
    assert.equal(await headline(panel, 'unjudged'), 1);
    assert.equal(await headline(panel, 'winRateA'), 3 / 8);
    assert.equal(await headline(panel, 'winRateB'), 1 / 8);
    assert.equal(await headline(panel, 'tieRate'), 4 / 8);
    assert.equal(await headline(panel, 'positionFlipRate'), 4 / 8);
    const lengthControlled = await headline(panel, 'lengthControlledWinRate');
    assert.ok(lengthControlled > 0 && lengthControlled < 1, `a length-controlled win rate: ${lengthControlled}`);
    assert.match((await panel.locator('#headline td[data-stat="lengthControlledWinRate"]').textContent()) ?? '', /^\d+\.\d%$/, 'shown as a percentage');
    await workbench.shot('judge-report');

    assert.deepEqual(await chartTable(panel, 'verdicts-chart'), [['verdict', 'Rows'], ['A wins', '3'], ['B wins', '1'], ['Ties', '4']]);
    const winRates = await chartTable(panel, 'winrate-chart');
    assert.deepEqual(winRates.map((row) => row[0]), ['win rate', 'Raw (decisive rows)', 'Length-controlled']);
    assert.equal(Number(winRates[2]?.[1]), Math.round(lengthControlled * 1000) / 10, "the chart's table holds the headline's length-controlled rate");
    const byLength = await chartTable(panel, 'length-chart');
    assert.deepEqual(byLength[0], ['Δlen (characters)', 'A wins', 'B wins', 'Ties']);
    const total = byLength.slice(1).reduce((sum, row) => sum + row.slice(1).reduce((s, cell) => s + Number(cell), 0), 0);
    assert.equal(total, 8, 'every judged row is in one length bucket');
    await workbench.shot('judge-report-tables');
  });

  it('brings the report back, on the same file, after the window reloads, with the statistics panel beside it', async function () {
    this.timeout(WAIT.workbench * 3);
    // A second restorable panel: the dataset statistics of the same file.
    await workbench.page.locator(`.tabs-container .tab[data-resource-name="${FILE}"]`).click();
    await workbench.runCommand('Distillery: Dataset Statistics');
    await workbench.editorTab(`Statistics: ${FILE}`).waitFor();
    const statistics = await workbench.webview('Dataset statistics');
    await statistics.locator('#stats td[data-stat="rows"]').waitFor();

    // Reload Window (not a browser reload) lets the workbench save its editors first.
    const reloaded = workbench.page.waitForEvent('load', { timeout: WAIT.workbench });
    await workbench.runCommand('Developer: Reload Window');
    await reloaded;
    await workbench.page.locator('.monaco-workbench').waitFor({ timeout: WAIT.workbench });
    await workbench.editorTab(TAB).waitFor({ timeout: WAIT.workbench });
    await workbench.editorTab(`Statistics: ${FILE}`).waitFor({ timeout: WAIT.workbench });

    const restoredStatistics = await workbench.webview('Dataset statistics', WAIT.workbench);
    assert.equal(Number(await restoredStatistics.locator('#stats td[data-stat="rows"]').getAttribute('data-value')), 9, 'the statistics are of the same file');

    await workbench.editorTab(TAB).click();
    const panel = await workbench.webview(TITLE, WAIT.workbench);
    await panel.locator('h1', { hasText: FILE }).waitFor({ timeout: WAIT.workbench });
    assert.equal(await headline(panel, 'rows'), 8);
    assert.equal(await headline(panel, 'winRateA'), 3 / 8);
    await headline(panel, 'lengthControlledWinRate');
    await workbench.shot('judge-report-restored');
  });
});
