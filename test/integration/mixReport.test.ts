// Distillery: Mix Report in a real extension host: the panel shows what the core computes, the
// thresholds come from the settings, unsaved edits count, and a source dataset adds the comparison.
import * as assert from 'node:assert/strict';
import { copyFile, mkdtemp, readFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { mixReport, type MixReport, type MixThresholds } from '../../src/core/curation/mixReport';
import { rowFacts, type RowFacts } from '../../src/core/curation/rowFacts';
import type { MixReportShown } from '../../src/webview/mixReport/protocol';
import { EXTENSION_ID, fixtureUri, until } from '../support/extensionHost';

// mix-distilled.jsonl: 10 rows, 2 human, 6 synthetic (gpt-teacher 4, llama<b>-teacher</b> 2), 2
// without provenance; the synthetic rows share one canned answer. mix-source.jsonl: 10 human
// rows with varied answers (the distilled file's prompts).
const THRESHOLDS: MixThresholds = { maxTeacherShare: 0.3, maxSyntheticShare: 0.5, maxDistinctDrop: 0.05 };

async function factsOf(uri: vscode.Uri): Promise<RowFacts[]> {
  const lines = (await readFile(uri.fsPath, 'utf8')).split('\n').filter((line) => line.trim() !== '');
  return lines.map((line) => rowFacts(JSON.parse(line) as Record<string, unknown>));
}

/** What the panel's webview rendered, once `ready` says it is the expected page. */
function shownWhen(what: string, ready: (shown: MixReportShown) => boolean): Promise<MixReportShown> {
  return until(what, async () => {
    const shown = await vscode.commands.executeCommand<MixReportShown | undefined>('distillery.mixReportShown');
    return shown && ready(shown) ? shown : undefined;
  });
}

async function setThresholds(teacher: number | undefined, synthetic: number | undefined): Promise<void> {
  const section = vscode.workspace.getConfiguration('distillery');
  await section.update('mix.maxTeacherShare', teacher, vscode.ConfigurationTarget.Global);
  await section.update('mix.maxSyntheticShare', synthetic, vscode.ConfigurationTarget.Global);
}

describe('mix report', function () {
  this.timeout(60_000);
  const distilled = () => fixtureUri('mix-distilled.jsonl');
  const source = () => fixtureUri('mix-source.jsonl');

  before(async () => {
    await vscode.extensions.getExtension(EXTENSION_ID)?.activate();
    await setThresholds(0.3, 0.5);
  });

  after(async () => {
    await setThresholds(undefined, undefined);
  });

  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('shows the shares and the warnings the core computes, with the thresholds from the settings', async () => {
    const document = await vscode.workspace.openTextDocument(distilled());
    await vscode.window.showTextDocument(document);
    const report = await vscode.commands.executeCommand<MixReport | undefined>('distillery.mixReport');
    assert.ok(report, 'the command returns the report it shows');
    assert.deepEqual(report, mixReport(await factsOf(distilled()), THRESHOLDS));
    assert.deepEqual(report.provenance, { human: 2, synthetic: 6, unknown: 2 });
    assert.deepEqual(report.warnings.map((w) => w.code), ['teacher-share', 'synthetic-share']);

    const shown = await shownWhen('the report in the webview', (s) => s.fileName === 'mix-distilled.jsonl' && s.rows === 10);
    assert.deepEqual(shown.shares, { human: '20.0%', synthetic: '60.0%', unknown: '20.0%' });
    // The teacher's name is shown as the text it is, not read as HTML.
    assert.deepEqual(shown.teachers, ['gpt-teacher', 'llama<b>-teacher</b>']);
    assert.deepEqual(shown.warnings, report.warnings.map((w) => w.message));
    assert.equal(shown.sourceName, undefined);
  });

  it('compares with a source dataset: the diversity drop is warned about', async () => {
    const report = await vscode.commands.executeCommand<MixReport | undefined>('distillery.mixReport', distilled(), { against: source() });
    assert.ok(report?.comparison, 'the report compares with the source');
    assert.deepEqual(report, mixReport(await factsOf(distilled()), THRESHOLDS, await factsOf(source())));
    assert.deepEqual(report.warnings.map((w) => w.code), ['teacher-share', 'synthetic-share', 'distinct-drop', 'distinct-drop', 'distinct-drop', 'near-duplicate-rise']);

    const shown = await shownWhen('the comparison in the webview', (s) => s.sourceName !== undefined && s.warnings.length === 6);
    assert.equal(shown.sourceName, 'mix-source.jsonl');
    assert.deepEqual(shown.warnings, report.warnings.map((w) => w.message));
    assert.match(shown.warnings[2] ?? '', /^distinct-1 fell from 0\.769 in the source to 0\.441 on 10 answers each/);
  });

  it('stops computing when the panel is closed: the command then returns no report', async () => {
    // Large enough that its diversity takes seconds: the panel is closed long before.
    const rows = Array.from({ length: 60_000 }, (_, i) =>
      JSON.stringify({ messages: [{ role: 'user', content: `question ${i}` }, { role: 'assistant', content: `answer ${i} with words ${i % 101} ${i % 103} ${i % 107} and more ${i % 109} ${i % 113}` }] }),
    );
    const document = await vscode.workspace.openTextDocument({ language: 'jsonl', content: `${rows.join('\n')}\n` });
    await vscode.window.showTextDocument(document);
    const pending = vscode.commands.executeCommand<MixReport | undefined>('distillery.mixReport');
    await until('the panel', () => (vscode.window.tabGroups.all.some((group) => group.tabs.some((tab) => tab.input instanceof vscode.TabInputWebview)) ? true : undefined));
    for (const group of vscode.window.tabGroups.all) {
      for (const tab of group.tabs) if (tab.input instanceof vscode.TabInputWebview) await vscode.window.tabGroups.close(tab);
    }
    assert.equal(await pending, undefined);
    assert.equal(await vscode.commands.executeCommand('distillery.mixReportShown'), undefined, 'no panel is left');
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('follows unsaved edits and settings changes without being asked again', async () => {
    // A copy: the edit must never reach the fixture.
    const copy = path.join(await mkdtemp(path.join(os.tmpdir(), 'distillery-mix-test-')), 'mix-distilled.jsonl');
    await copyFile(distilled().fsPath, copy);
    const document = await vscode.workspace.openTextDocument(copy);
    await vscode.window.showTextDocument(document);
    await vscode.commands.executeCommand('distillery.mixReport', undefined, { against: null });
    await shownWhen('the first report', (s) => s.shares.human === '20.0%' && s.sourceName === undefined);
    // Line 9 has no provenance: mark it human in the editor, unsaved.
    const line = document.lineAt(8);
    const edit = new vscode.WorkspaceEdit();
    edit.replace(document.uri, line.range, line.text.replace(/\}$/, ', "distillery": {"provenance": "human"}}'));
    assert.ok(await vscode.workspace.applyEdit(edit));
    try {
      const edited = await shownWhen('the report of the edited text', (s) => s.shares.human === '30.0%');
      assert.deepEqual(edited.shares, { human: '30.0%', synthetic: '60.0%', unknown: '10.0%' });
      // No synthetic-share limit: only the teacher's warning is left.
      await setThresholds(0.3, undefined);
      const relaxed = await shownWhen('the report under the new setting', (s) => s.warnings.length === 1);
      assert.match(relaxed.warnings[0] ?? '', /^teacher gpt-teacher made 40\.0% of the rows/);
    } finally {
      await setThresholds(0.3, 0.5);
      await vscode.window.showTextDocument(document);
      await vscode.commands.executeCommand('workbench.action.files.revert');
    }
  });
});
