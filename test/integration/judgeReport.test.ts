// The judge report command reads a judged file's verdicts and shows their report in a panel.
import * as assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import * as vscode from 'vscode';
import { readJudgedRow, type JudgedRow } from '../../src/core/judging/judgedRows';
import type { RankingReport } from '../../src/core/judging/rankingReport';
import { judgeReport, type JudgeReport } from '../../src/core/judging/report';
import { EXTENSION_ID, fixtureUri } from '../support/extensionHost';

/** The judged rows of a fixture, read straight from disk (not through the editor). */
async function judgedRowsOf(uri: vscode.Uri): Promise<JudgedRow[]> {
  const lines = (await readFile(uri.fsPath, 'utf8')).split('\n').filter((line) => line.trim() !== '');
  return lines.flatMap((line) => {
    const reading = readJudgedRow(JSON.parse(line) as Record<string, unknown>);
    return reading.kind === 'judged' ? [reading.row] : [];
  });
}

async function waitForTab(label: string): Promise<string[]> {
  // The panel's tab appears in the tab model a moment after the panel is created.
  const deadline = Date.now() + 15_000;
  const labels = () => vscode.window.tabGroups.all.flatMap((group) => group.tabs).filter((t) => t.input instanceof vscode.TabInputWebview).map((t) => t.label);
  while (!labels().includes(label) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  return labels();
}

describe('judge report', function () {
  this.timeout(60_000);

  before(async () => {
    await vscode.extensions.getExtension(EXTENSION_ID)?.activate();
  });

  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('shows the report of judged-pairs.jsonl: the same numbers as the core report', async () => {
    const uri = fixtureUri('judged-pairs.jsonl');
    const report = await vscode.commands.executeCommand<JudgeReport | undefined>('distillery.judgeReport', uri);
    assert.ok(report, 'the command returns the report it shows');
    assert.deepEqual(report, judgeReport(await judgedRowsOf(uri)));
    // The fixture's verdicts, counted by hand: the unjudged row is skipped.
    assert.equal(report.rows, 8);
    assert.deepEqual(report.counts, { A: 3, B: 1, tie: 4 });
    assert.equal(report.positionFlipRate, 4 / 8);
    assert.deepEqual(report.judges, ['gpt-judge', 'llama-judge']);
    assert.equal(report.human.rows, 5);
    assert.equal(report.human.accuracy, 3 / 5);
    assert.ok(report.lengthControlled, 'four decisive verdicts are enough to fit');
    const labels = await waitForTab('Judge Report: judged-pairs.jsonl');
    assert.ok(labels.includes('Judge Report: judged-pairs.jsonl'), `webview tabs: ${labels.join(', ')}`);
  });

  it('follows unsaved edits: a human label added in the editor counts', async () => {
    const uri = fixtureUri('judged-pairs.jsonl');
    const document = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(document);
    const before = await vscode.commands.executeCommand<JudgeReport | undefined>('distillery.judgeReport', uri);
    // Line 3 (row "What is 2 + 2?") has no human label: give it one that disagrees with the judge's A.
    const line = document.lineAt(2);
    const edited = line.text.replace(/"time":"2026-11-20T10:00:00.000Z"\}\}\}$/, '"time":"2026-11-20T10:00:00.000Z"},"human":{"winner":"B","by":"test","time":"2026-11-22T00:00:00.000Z"}}}');
    assert.notEqual(edited, line.text, 'the fixture line has the expected shape');
    const edit = new vscode.WorkspaceEdit();
    edit.replace(uri, line.range, edited);
    assert.ok(await vscode.workspace.applyEdit(edit));
    try {
      const after = await vscode.commands.executeCommand<JudgeReport | undefined>('distillery.judgeReport', uri);
      assert.equal(before?.human.rows, 5);
      assert.equal(after?.human.rows, 6);
      assert.equal(after?.human.accuracy, 3 / 6);
    } finally {
      await vscode.commands.executeCommand('workbench.action.files.revert');
    }
  });

  it('reports a file of n-way rankings: the tournaments\' matches, in the same panel', async () => {
    const report = await vscode.commands.executeCommand<(JudgeReport & { ranking?: RankingReport }) | undefined>('distillery.judgeReport', fixtureUri('ranked-answers.jsonl'));
    assert.ok(report?.ranking, 'the n-way part is there');
    assert.equal(report.rows, 0, 'no pair verdicts');
    // The fixture's 2 rows and 9 matches, counted by hand.
    assert.deepEqual([report.ranking.rows, report.ranking.matches], [2, 9]);
    assert.equal(report.ranking.tieRate, 1 / 9);
    assert.equal(report.ranking.positionFlipRate, 2 / 9);
    assert.equal(report.ranking.meanTopGap, (140 + 40) / 2);
    assert.equal(report.ranking.selfPreferenceRows, 1);
    const labels = await waitForTab('Judge Report: ranked-answers.jsonl');
    assert.ok(labels.includes('Judge Report: ranked-answers.jsonl'), `webview tabs: ${labels.join(', ')}`);
  });

  it('returns nothing for a file without judgements', async () => {
    const report = await vscode.commands.executeCommand<JudgeReport | undefined>('distillery.judgeReport', fixtureUri('sample.jsonl'));
    assert.equal(report, undefined);
  });
});
