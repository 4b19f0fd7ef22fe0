import { strict as assert } from 'node:assert';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { balanceRows, type BalanceSettings } from '../../../../src/core/curation/balance';
import { filterRows } from '../../../../src/core/curation/filters';
import { categoryOf, rowFacts } from '../../../../src/core/curation/rowFacts';
import { seededRandom } from '../../../../src/core/random';
import { balanceStep } from '../../../../src/core/pipeline/run/steps/balanceStep';
import { filterStep } from '../../../../src/core/pipeline/run/steps/filterStep';
import type { BalanceStep, FilterStep } from '../../../../src/core/pipeline/run/pipelineTypes';
import { chat, pair, score, type Row } from '../../curation/rows';
import { location, stepHarness } from './stepContext';

/** Rows of three teachers in unequal numbers, scored, of two kinds; each line spaced its own way. */
function mixedRows(count: number): { rows: Row[]; lines: string[] } {
  const random = seededRandom('filter-balance-steps');
  const teachers = ['gpt-4o', 'gpt-4o', 'gpt-4o', 'llama-3', 'llama-3', 'qwen'];
  const rows = Array.from({ length: count }, (_, i) => {
    const teacher = teachers[Math.floor(random() * teachers.length)] as string;
    const answer = `Answer ${i} `.repeat(1 + Math.floor(random() * 8));
    const meta = { teacher, score: score(1 + Math.floor(random() * 5)) };
    return i % 5 === 0 ? pair(`q${i}`, answer, 'no', meta) : chat(`q${i}`, answer, meta);
  });
  const lines = rows.map((row, i) => (i % 3 === 0 ? JSON.stringify(row, null, 1).replace(/\n/g, '') : JSON.stringify(row)));
  return { rows, lines };
}

describe('pipeline steps: filter and balance', function () {
  this.timeout(30_000);
  const harness = stepHarness('filter');
  after(() => harness.remove());
  const out = (name: string) => path.join(harness.dir, name);
  const { rows, lines } = mixedRows(400);
  const input = out('mixed.jsonl');
  writeFileSync(input, `${lines.join('\r\n')}\r\n`);
  const linesOf = (file: string) => readFileSync(file, 'utf8').split('\r\n').filter(Boolean);

  it('filter keeps what filterRows keeps over the whole array, byte for byte, and counts drops by reason', async () => {
    const step: FilterStep = { type: 'filter', id: 'filter', index: 1, location, minScore: 3, minLength: 30 };
    const output = out('01-filter.jsonl');
    const result = await filterStep(step, harness.context(input, output));
    const expected = filterRows(rows.map((row, i) => ({ row, i })), ({ row }) => rowFacts(row), { minScore: 3, minLength: 30 });
    assert.deepEqual(linesOf(output), expected.kept.map(({ i }) => lines[i]));
    assert.equal(result.rowsIn, 400);
    assert.equal(result.rowsOut, expected.kept.length);
    assert.equal(result.details?.['dropped:score'], expected.droppedBy.score);
    assert.equal(result.details?.['dropped:length'], expected.droppedBy.length);
  });

  const balanceCases: [string, BalanceSettings][] = [
    ['cap', { mode: 'cap', cap: 40 }],
    ['random cap', { mode: 'cap', cap: 40, random: true, seed: 's1' }],
    ['equal', { mode: 'equal', seed: 's2' }],
    ['equal, up-sampled', { mode: 'equal', upsample: true, seed: 's3' }],
  ];
  for (const [name, settings] of balanceCases) {
    it(`balance (${name}) chooses the rows balanceRows chooses, in the same order, up-sampled copies read back by offset`, async () => {
      const step: BalanceStep = { type: 'balance', id: 'balance', index: 2, location, by: 'teacher', settings };
      const output = out(`02-balance-${name.replace(/\W+/g, '-')}.jsonl`);
      const result = await balanceStep(step, harness.context(input, output));
      const expected = balanceRows(rows.map((row, i) => ({ row, i })), ({ row }) => categoryOf(row, rowFacts(row), 'teacher'), settings);
      assert.deepEqual(linesOf(output), expected.rows.map(({ i }) => lines[i]));
      assert.equal(result.rowsOut, expected.rows.length);
      for (const c of expected.categories) assert.equal(result.details?.[`teacher:${c.category}`], `${c.before} → ${c.after}`);
    });
  }

  it('a filter cancelled while writing leaves no output and no temporary file', async () => {
    const before = harness.files();
    const controller = new AbortController();
    const output = out('03-filter.jsonl');
    const step: FilterStep = { type: 'filter', id: 'filter', index: 3, location, minScore: 1 };
    const result = await filterStep(step, harness.context(input, output, { signal: controller.signal, onProgress: () => controller.abort() }));
    assert.equal(result.stoppedBy, 'cancelled');
    assert.equal(existsSync(output), false);
    assert.deepEqual(harness.files(), before);
  });

  it('a step without input rows is an error at the step', async () => {
    const step: FilterStep = { type: 'filter', id: 'keep', index: 1, location: { file: 'p.distillery.jsonc', line: 7, column: 5 } };
    await assert.rejects(filterStep(step, harness.context(undefined, out('x.jsonl'))), /^InputError: p\.distillery\.jsonc:7:5: step "keep" \(filter\) needs input rows$|p\.distillery\.jsonc:7:5: step "keep"/);
  });
});
