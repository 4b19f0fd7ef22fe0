import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { UsageLedger } from '../../../../src/core/llm/accounting';
import { runPipeline } from '../../../../src/core/pipeline/run/runPipeline';
import type { PipelineDefinition, PipelineStep } from '../../../../src/core/pipeline/run/pipelineTypes';
import type { PipelineModels } from '../../../../src/core/pipeline/run/runnerTypes';
import { chat, score } from '../../curation/rows';
import { location, stepHarness } from './stepContext';

const noModels = (): PipelineModels => ({
  model: (profile) => {
    throw new Error(`a curation step asked for model ${profile}`);
  },
  teachers: [],
  critic: undefined,
  judges: [],
  ledger: new UsageLedger(),
});

describe('curation steps through runPipeline', function () {
  this.timeout(30_000);
  const harness = stepHarness('pipeline');
  after(() => harness.remove());

  it('filter → dedup → balance → convert → export → report: each step reads the one before, and a second run skips them all', async () => {
    const rows = [
      ...Array.from({ length: 30 }, (_, i) => chat(`Question ${i % 20} about rivers`, `Answer ${i}, long enough to keep.`, { teacher: i % 3 === 0 ? 'small' : 'large', score: score(i % 5 === 0 ? 2 : 4) })),
      { conversations: [{ from: 'human', value: 'A ShareGPT question' }, { from: 'gpt', value: 'A ShareGPT answer, long enough.' }], distillery: { teacher: 'small', score: score(5) } },
    ];
    const input = path.join(harness.dir, 'rows.jsonl');
    writeFileSync(input, rows.map((row) => JSON.stringify(row)).join('\n') + '\n');
    const outputDir = path.join(harness.dir, 'out');
    const train = path.join(harness.dir, 'train.json');
    const steps: PipelineStep[] = [
      { type: 'filter', id: 'filter', index: 1, location, minScore: 3 },
      { type: 'dedup', id: 'dedup', index: 2, location, exactOnly: true },
      { type: 'balance', id: 'balance', index: 3, location, by: 'teacher', settings: { mode: 'cap', cap: 8 } },
      { type: 'convert', id: 'convert', index: 4, location, to: 'messages' },
      { type: 'export', id: 'export', index: 5, location, to: train },
      { type: 'report', id: 'report', index: 6, location },
    ];
    const pipeline: PipelineDefinition = { file: path.join(harness.dir, 'p.distillery.jsonc'), name: 'p', input, outputDir, steps, sha256: 'x' };
    const summary = await runPipeline({ pipeline, models: noModels() });
    assert.equal(summary.outcome, 'success');
    const counts = summary.steps.map((step) => [step.id, step.result?.rowsIn, step.result?.rowsOut]);
    // 31 rows; the 6 scored 2 (i = 0, 5, …, 25) dropped; of the 24 chat rows left, 16 distinct prompts (i % 20),
    // + the ShareGPT row = 17; by teacher: large 11 → capped at 8, small 5 + the ShareGPT row = 6.
    assert.deepEqual(counts, [
      ['filter', 31, 25],
      ['dedup', 25, 17],
      ['balance', 17, 14],
      ['convert', 14, 14],
      ['export', 14, 14],
      ['report', 14, 14],
    ]);
    const exported = JSON.parse(readFileSync(train, 'utf8')) as Record<string, unknown>[];
    assert.equal(exported.length, 14);
    assert.ok(exported.every((row) => Array.isArray(row.messages) && !('distillery' in row)), 'converted to messages, metadata stripped');
    const report = JSON.parse(readFileSync(path.join(outputDir, '06-report.report.json'), 'utf8')) as { rows: number; teachers: { teacher: string; rows: number }[] };
    assert.equal(report.rows, 14);
    assert.deepEqual(report.teachers.map((t) => [t.teacher, t.rows]), [['large', 8], ['small', 6]]);

    const events: string[] = [];
    const again = await runPipeline({ pipeline, models: noModels(), onEvent: (event) => events.push(event.kind) });
    assert.equal(again.outcome, 'success');
    assert.deepEqual(events, Array(6).fill('step-skipped'));
  });
});
