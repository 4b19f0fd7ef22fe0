// The statistics command computes the report of the open dataset and shows it in the panel.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { DatasetStatisticsReport } from '../../src/core/statistics/report';
import { EXTENSION_ID, fixtureUri } from '../support/extensionHost';

describe('dataset statistics', function () {
  this.timeout(60_000);

  before(async () => {
    await vscode.extensions.getExtension(EXTENSION_ID)?.activate();
  });

  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('reports kinds, duplicates, turns, tokens and provenance of stats-mixed.jsonl', async () => {
    const uri = fixtureUri('stats-mixed.jsonl');
    const report = await vscode.commands.executeCommand<DatasetStatisticsReport | undefined>('distillery.datasetStatistics', uri);
    assert.ok(report, 'the command returns the report');
    assert.equal(report.rows, 6);
    assert.equal(report.blank, 1);
    assert.equal(report.malformed, 1);
    assert.equal(report.problems[0]?.line, 8);
    assert.deepEqual(
      report.kinds.map((k) => [k.kind, k.rows]),
      [
        ['chat', 3],
        ['preference', 2],
        ['alpaca', 1],
      ],
    );
    assert.equal(report.dominantKind, 'chat');
    assert.equal(report.mixedKinds, true);
    assert.deepEqual(report.duplicates, { rows: 1, distinct: 5, examples: [{ line: 3, sameAs: 1 }] });
    assert.deepEqual([report.turns.min, report.turns.max], [2, 3]);
    assert.ok(report.tokens, 'tokens are counted (the tokenizer bundle loads)');
    assert.equal(report.tokens.encoding, 'o200k_base');
    assert.equal(report.tokens.sampled, false);
    assert.ok(report.tokens.totals.all > 0);
    assert.equal(report.tokens.totals.chosen, 6 + 1, 'o200k_base: "It makes other things wet." is 6 tokens, "4" is 1');
    assert.deepEqual(
      { human: report.provenance.human, synthetic: report.provenance.synthetic, unknown: report.provenance.unknown },
      { human: 2, synthetic: 3, unknown: 1 },
    );
    assert.deepEqual(report.provenance.teachers, [
      { teacher: 'gpt-4o', rows: 2 },
      { teacher: 'llama-3.1-8b', rows: 1 },
    ]);
    // The panel's tab appears in the tab model a moment after the panel is created.
    const deadline = Date.now() + 15_000;
    const labels = () => vscode.window.tabGroups.all.flatMap((group) => group.tabs).filter((t) => t.input instanceof vscode.TabInputWebview).map((t) => t.label);
    while (!labels().includes('Statistics: stats-mixed.jsonl') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.ok(labels().includes('Statistics: stats-mixed.jsonl'), `webview tabs: ${labels().join(', ')}`);
  });

  it('follows the encoding setting: cl100k_base for a gpt-4 endpoint model', async () => {
    const settings = vscode.workspace.getConfiguration('distillery');
    await settings.update('endpoint.model', 'gpt-4', vscode.ConfigurationTarget.Global);
    try {
      const report = await vscode.commands.executeCommand<DatasetStatisticsReport | undefined>('distillery.datasetStatistics', fixtureUri('sample.jsonl'));
      assert.equal(report?.tokens?.encoding, 'cl100k_base');
      assert.equal(report?.tokens?.exact, true);
      assert.equal(report?.rows, 3);
    } finally {
      await settings.update('endpoint.model', undefined, vscode.ConfigurationTarget.Global);
    }
  });
});
