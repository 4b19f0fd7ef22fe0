import { strict as assert } from 'node:assert';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { DedupeCluster, DedupeReport } from '../../../../src/core/curation/dedupe';
import { curationText, curationWordsText } from '../../../../src/core/curation/curationText';
import { exactDuplicateClusters } from '../../../../src/core/curation/exactDuplicates';
import { clusterSignatures, signTexts } from '../../../../src/core/curation/nearDuplicates';
import { dedupStep } from '../../../../src/core/pipeline/run/steps/dedupStep';
import type { DedupStep } from '../../../../src/core/pipeline/run/pipelineTypes';
import { sharedDataFile } from '../../../support/sharedData';
import { plantedSet } from '../../curation/plantedDuplicates';
import { location, stepHarness } from './stepContext';

const dedup = (options: Partial<DedupStep> = {}): DedupStep => ({ type: 'dedup', id: 'dedup', index: 2, location, ...options });

/**
 * The whole-file algorithm dedupeFile used before it streamed: every text held, exact clusters by
 * normalised text, then near clusters over the signatures of all rows left.
 */
function wholeFileClusters(rows: readonly Record<string, unknown>[], field: 'prompt' | 'answer' | 'row', threshold: number): DedupeCluster[] {
  const texts = rows.map((row) => curationText(row, field));
  const exact = exactDuplicateClusters(texts);
  const duplicate = new Set(exact.flatMap((cluster) => cluster.members.slice(1)));
  const table = signTexts(rows.map((row) => curationWordsText(row, field)));
  const near = clusterSignatures(table, threshold, undefined, (index) => !duplicate.has(index));
  return [
    ...exact.map((c) => ({ kind: 'exact' as const, representativeLine: c.representative + 1, duplicateLines: c.members.slice(1).map((i) => i + 1) })),
    ...near.clusters.map((c) => ({ kind: 'near' as const, representativeLine: c.representative + 1, duplicateLines: c.members.filter((i) => i !== c.representative).map((i) => i + 1) })),
  ];
}

describe('pipeline step: dedup', function () {
  this.timeout(60_000);
  const harness = stepHarness('dedup');
  after(() => harness.remove());
  const out = (name: string) => path.join(harness.dir, name);

  it('finds the 14 exact duplicate rows of the Alpaca demo and the 5 of the DPO demo, with a clusters report', async () => {
    for (const [file, duplicates, rows] of [
      ['llamafactory-alpaca_en_demo.json', 14, 999],
      ['llamafactory-dpo_en_demo.json', 5, 300],
    ] as const) {
      const output = out(`02-dedup-${duplicates}.jsonl`);
      const result = await dedupStep(dedup({ field: 'row', exactOnly: true }), harness.context(sharedDataFile(file), output));
      assert.equal(result.stoppedBy, undefined);
      assert.equal(result.rowsIn, rows);
      assert.equal(result.rowsOut, rows - duplicates, file);
      assert.equal(result.details?.exact, duplicates);
      assert.equal(readFileSync(output, 'utf8').trim().split('\n').length, rows - duplicates);
      const report = JSON.parse(readFileSync(result.files?.report ?? '', 'utf8')) as DedupeReport;
      assert.equal(report.exactDuplicates, duplicates);
      assert.equal(path.basename(result.files?.report ?? ''), `02-dedup-${duplicates}.report.json`);
    }
  });

  it('gives the same clusters as the whole-file algorithm on planted near-duplicates, keeping rows byte for byte', async () => {
    const set = plantedSet({ families: 600, variantsPerFamily: 3, words: 60, seed: 'dedup-step', edits: [0, 1, 2, 4, 8, 20] });
    const rows = set.texts.map((text, i) => ({ messages: [{ role: 'user', content: i % 7 === 0 ? `  ${text.toUpperCase()} ` : text }, { role: 'assistant', content: `answer ${i}` }] }));
    // Spacing that JSON.stringify would not write, so that a re-serialised row would show.
    const lines = rows.map((row, i) => (i % 2 === 0 ? JSON.stringify(row) : JSON.stringify(row, null, 1).replace(/\n/g, '')));
    const input = out('planted.jsonl');
    writeFileSync(input, `${lines.join('\n')}\n`);
    const output = out('03-dedup.jsonl');
    const result = await dedupStep(dedup(), harness.context(input, output));
    const report = JSON.parse(readFileSync(result.files?.report ?? '', 'utf8')) as DedupeReport;
    const expected = wholeFileClusters(rows, 'prompt', 0.8);
    assert.ok(expected.some((c) => c.kind === 'near') && expected.some((c) => c.kind === 'exact'), 'the set has both kinds');
    assert.deepEqual(report.clusters, expected);
    const removed = new Set(expected.flatMap((c) => c.duplicateLines));
    const kept = lines.filter((_, i) => !removed.has(i + 1));
    assert.equal(readFileSync(output, 'utf8'), `${kept.join('\n')}\n`);
    assert.equal(result.rowsOut, kept.length);
    assert.equal(result.details?.duplicates, removed.size);
  });

  it('reports progress up to the row count, and a cancelled run leaves no output and no temporary file', async () => {
    const set = plantedSet({ families: 3000, variantsPerFamily: 1, words: 80, seed: 'dedup-cancel', edits: [1] });
    const input = out('cancel.jsonl');
    writeFileSync(input, set.texts.map((text) => JSON.stringify({ prompt: text, completion: 'x' })).join('\n') + '\n');
    harness.progress.length = 0;
    const done = await dedupStep(dedup(), harness.context(input, out('04-dedup.jsonl')));
    const last = harness.progress.at(-1);
    assert.deepEqual(last && { done: last.done, total: last.total }, { done: 6000, total: 6000 });
    assert.ok(harness.progress.every((p, i) => i === 0 || p.done >= (harness.progress[i - 1]?.done ?? 0)), 'progress never goes back');
    assert.ok(done.rowsOut < 3100, `most one-word variants are near-duplicates: ${done.rowsOut} rows kept`);

    const before = harness.files();
    const controller = new AbortController();
    const output = out('05-dedup.jsonl');
    // The first report comes with the first row read: the step is cancelled in the middle of its first pass.
    const cancelled = await dedupStep(dedup(), harness.context(input, output, { signal: controller.signal, onProgress: () => controller.abort() }));
    assert.equal(cancelled.stoppedBy, 'cancelled');
    assert.equal(existsSync(output), false);
    assert.deepEqual(harness.files(), before, 'no temporary file left');
  });

  it('re-running replaces the output whole', async () => {
    const input = out('rerun.jsonl');
    writeFileSync(input, '{"prompt":"a b c","completion":"1"}\n{"prompt":"A  b c","completion":"2"}\n');
    const output = out('06-dedup.jsonl');
    writeFileSync(output, 'a torn line from an earlier run that was kil');
    const result = await dedupStep(dedup(), harness.context(input, output));
    assert.equal(result.rowsOut, 1);
    assert.equal(readFileSync(output, 'utf8'), '{"prompt":"a b c","completion":"1"}\n');
  });

  it('an input row that is not JSON stops the step at its line and column, with no output', async () => {
    const input = out('bad.jsonl');
    writeFileSync(input, '{"prompt":"a"}\n{"prompt": [}\n');
    const output = out('07-dedup.jsonl');
    await assert.rejects(dedupStep(dedup(), harness.context(input, output)), /^Error: bad\.jsonl:2:\d+: |bad\.jsonl:2:\d+: /);
    assert.equal(existsSync(output), false);
  });
});
