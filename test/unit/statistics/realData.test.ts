/** Statistics of the real public datasets in ../shared/data (see its README), read in place. */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { JsonlBuffer } from '../../../src/core/dataset/jsonlBuffer';
import { statisticsOfFile, statisticsOfJsonl } from '../../../src/core/statistics/sources';
import { encodingForModel } from '../../../src/core/statistics/tokens';
import { sharedDataFile } from '../../support/sharedData';
import { packageTokenCounterLoader } from './support';

interface Expected {
  readonly name: string;
  readonly format: 'jsonl' | 'json-array';
  readonly rows: number;
  readonly kind: string;
  readonly duplicates: number;
  readonly fields: readonly string[];
  readonly turns: { readonly min: number; readonly max: number };
}

// The README of shared/data says: the Alpaca demo has 14 exact duplicate rows, the DPO demo 5;
// canonical JSON identity finds exactly those.
const datasets: readonly Expected[] = [
  { name: 'hh-rlhf-harmless-base-test.jsonl', format: 'jsonl', rows: 2312, kind: 'implicit-preference', duplicates: 0, fields: ['chosen', 'prompt', 'rejected'], turns: { min: 2, max: 36 } },
  { name: 'llamafactory-alpaca_en_demo.json', format: 'json-array', rows: 999, kind: 'alpaca', duplicates: 14, fields: ['completion', 'prompt'], turns: { min: 2, max: 2 } },
  { name: 'llamafactory-dpo_en_demo.json', format: 'json-array', rows: 300, kind: 'sharegpt-preference', duplicates: 5, fields: ['chosen', 'prompt', 'rejected'], turns: { min: 2, max: 14 } },
  { name: 'llamafactory-kto_en_demo.json', format: 'json-array', rows: 300, kind: 'unpaired-preference', duplicates: 0, fields: ['completion', 'prompt'], turns: { min: 2, max: 12 } },
  { name: 'mt_bench_question.jsonl', format: 'jsonl', rows: 80, kind: 'mt-bench', duplicates: 0, fields: ['prompt'], turns: { min: 2, max: 2 } },
  { name: 'self-instruct-seed_tasks.jsonl', format: 'jsonl', rows: 175, kind: 'self-instruct', duplicates: 0, fields: ['completion', 'prompt'], turns: { min: 2, max: 2 } },
];

describe('statistics of the real datasets', function () {
  this.timeout(30_000);

  for (const expected of datasets) {
    it(`${expected.name}: ${expected.rows} ${expected.kind} rows, ${expected.duplicates} duplicates`, async () => {
      const countTokens = await packageTokenCounterLoader('o200k_base');
      const { format, report } = await statisticsOfFile(sharedDataFile(expected.name), { countTokens, encoding: encodingForModel('gpt-4o') });
      assert.equal(format, expected.format);
      assert.equal(report.rows, expected.rows);
      assert.equal(report.malformed, 0);
      assert.equal(report.blank, 0);
      assert.deepEqual(report.kinds.map((k) => [k.kind, k.rows]), [[expected.kind, expected.rows]]);
      assert.equal(report.dominantKind, expected.kind);
      assert.equal(report.unreadable, 0);
      assert.equal(report.duplicates.rows, expected.duplicates);
      assert.equal(report.duplicates.distinct, expected.rows - expected.duplicates);
      assert.deepEqual(Object.keys(report.lengths).sort(), expected.fields);
      assert.equal(report.turns.count, expected.rows);
      assert.deepEqual([report.turns.min, report.turns.max], [expected.turns.min, expected.turns.max]);
      assert.deepEqual([report.provenance.unknown, report.provenance.human, report.provenance.synthetic], [expected.rows, 0, 0]);
      assert.ok(report.tokens && report.tokens.totals.all > 0 && !report.tokens.sampled);
      for (const field of expected.fields) {
        const lengths = report.lengths[field as keyof typeof report.lengths];
        assert.equal(lengths?.characters.count, expected.rows, field);
        assert.equal(lengths?.tokens?.count, expected.rows, field);
        assert.ok((lengths?.tokens?.p50 ?? 0) < (lengths?.characters.p50 ?? 0), `${field}: fewer tokens than characters`);
      }
    });
  }

  it('hh-rlhf gives the same report streamed from disk and from memory', async () => {
    const file = sharedDataFile('hh-rlhf-harmless-base-test.jsonl');
    const countTokens = await packageTokenCounterLoader('o200k_base');
    const options = { countTokens, encoding: encodingForModel() };
    const streamed = await statisticsOfFile(file, options);
    const inMemory = await statisticsOfJsonl(new JsonlBuffer(readFileSync(file)), options);
    assert.deepEqual(streamed.report, inMemory);
    // Some hh-rlhf rows end on an empty Assistant turn.
    assert.equal(inMemory.lengths.chosen?.characters.min, 0);
  });

  it('the Alpaca duplicates are the 14 the data README names, located by the line each element starts on', async () => {
    const { report } = await statisticsOfFile(sharedDataFile('llamafactory-alpaca_en_demo.json'));
    assert.equal(report.duplicates.examples.length, 14);
    const lines = readFileSync(sharedDataFile('llamafactory-alpaca_en_demo.json'), 'utf8').split('\n');
    for (const { line, sameAs } of report.duplicates.examples) {
      assert.ok(line > sameAs);
      assert.equal(lines[line - 1]?.trim(), '{', `line ${line} starts an element`);
      // The element that repeats starts with the same instruction line.
      assert.equal(lines[line]?.trim(), lines[sameAs]?.trim());
    }
  });
});
