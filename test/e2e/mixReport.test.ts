// A person opens a distilled dataset, runs Distillery: Mix Report, reads the human/synthetic shares
// and a warning, then compares with the dataset it was made from and sees the diversity drop, in a
// real browser on a real VS Code (code-server) with the packaged .vsix installed.
import * as assert from 'node:assert/strict';
import { WAIT, Workbench, updateUserSettings } from './workbench';

// mix-distilled.jsonl: 10 rows, 2 human, 6 synthetic (gpt-teacher made 4), 2 unknown; the synthetic
// rows share one canned answer. mix-source.jsonl: the same prompts with varied human answers.
const LIMIT = 'distillery.mix.maxTeacherShare';

describe('mix report in the browser', function () {
  let workbench: Workbench;

  before(async function () {
    this.timeout(WAIT.workbench * 2);
    // As a person would: a teacher may make at most 30% of the rows.
    updateUserSettings((settings) => Object.assign(settings, { [LIMIT]: 0.3 }));
    workbench = await Workbench.open('mixReport');
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && workbench) {
      await workbench.shot(`FAILED-${this.currentTest.title}`);
    }
  });

  after(async () => {
    await workbench?.close();
    updateUserSettings((settings) => {
      delete settings[LIMIT];
    });
  });

  it('shows the shares and the teacher warning of the open dataset', async () => {
    await workbench.quickOpen('mix-distilled.jsonl');
    await workbench.runCommand('Distillery: Mix Report');
    await workbench.editorTab('Mix Report: mix-distilled.jsonl').waitFor();
    const panel = await workbench.webview('Mix report');
    const synthetic = panel.locator('#provenance tr[data-provenance="synthetic"] td:last-child');
    await synthetic.waitFor();
    assert.equal(await synthetic.textContent(), '60.0%');
    assert.equal(await panel.locator('#provenance tr[data-provenance="human"] td:last-child').textContent(), '20.0%');
    // A teacher named with markup shows its name as text.
    assert.equal(await panel.locator('#teachers tr[data-teacher] th').nth(1).textContent(), 'llama<b>-teacher</b>');
    const warning = panel.locator('#warnings li', { hasText: 'teacher gpt-teacher made 40.0% of the rows' });
    await warning.waitFor();
    await workbench.shot('mix-report');
  });

  it('compares with a source dataset picked from the workspace', async () => {
    const panel = await workbench.webview('Mix report');
    await panel.locator('#compare').click();
    const input = workbench.page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill('mix-source');
    await workbench.page.locator('.quick-input-list .monaco-list-row', { hasText: 'mix-source.jsonl' }).first().waitFor();
    await workbench.page.keyboard.press('Enter');
    await panel.locator('#source', { hasText: 'mix-source.jsonl' }).waitFor();
    await panel.locator('#comparison').waitFor();
    const drop = panel.locator('#warnings li', { hasText: 'distinct-1 fell from 0.769 in the source to 0.441' });
    await drop.waitFor();
    assert.equal(await panel.locator('#warnings li').count(), 5, 'the teacher warning, three distinct-n drops and the near-duplicate rise');
    await workbench.shot('mix-report-compared');
  });

  it('comes back after a reload, on the same dataset and source', async function () {
    this.timeout(WAIT.workbench * 3);
    // Developer: Reload Window shuts the workbench down properly first (its state saved), as a person reloading would.
    const reloaded = workbench.page.waitForEvent('load', { timeout: WAIT.workbench });
    await workbench.page.keyboard.press('F1');
    const input = workbench.page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill('>Developer: Reload Window');
    await workbench.page.locator('.quick-input-list .monaco-list-row', { hasText: 'Developer: Reload Window' }).first().waitFor();
    await workbench.page.keyboard.press('Enter');
    await reloaded;
    await workbench.page.locator('.monaco-workbench').waitFor({ timeout: WAIT.workbench });
    await workbench.editorTab('Mix Report: mix-distilled.jsonl').click({ timeout: WAIT.workbench });
    const panel = await workbench.webview('Mix report', WAIT.workbench);
    await panel.locator('#source', { hasText: 'mix-source.jsonl' }).waitFor();
    await panel.locator('#warnings li', { hasText: 'distinct-1 fell' }).waitFor();
    assert.equal(await panel.locator('#provenance tr[data-provenance="synthetic"] td:last-child').textContent(), '60.0%');
    await workbench.shot('mix-report-restored');
  });
});
