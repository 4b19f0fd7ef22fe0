/** The real public datasets in ../shared/data (see its README), read in place. */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { JsonlBuffer } from '../../../src/core/dataset/jsonlBuffer';
import type { JsonlRow } from '../../../src/core/dataset/rowParser';
import { replaceRowBytes, setRowValue, stripDistilleryMetadata } from '../../../src/core/dataset/rowEdit';
import { relocateRow, rowIdentity } from '../../../src/core/dataset/rowIdentity';
import { streamJsonlRows } from '../../../src/core/dataset/rowStream';
import { scanJsonl } from '../../../src/core/dataset/scan';
import { sharedDataFile } from '../../support/sharedData';


const datasets: Array<{ name: string; rows: number; keys: string[] }> = [
  { name: 'hh-rlhf-harmless-base-test.jsonl', rows: 2312, keys: ['chosen', 'rejected'] },
  { name: 'self-instruct-seed_tasks.jsonl', rows: 175, keys: ['id', 'name', 'instruction', 'instances', 'is_classification'] },
  { name: 'mt_bench_question.jsonl', rows: 80, keys: ['question_id', 'category', 'turns'] },
];

describe('real datasets', () => {
  for (const { name, rows, keys } of datasets) {
    describe(name, () => {
      const file = sharedDataFile(name);

      it(`has ${rows} rows and no problems, in memory`, () => {
        const data = new JsonlBuffer(readFileSync(file));
        const read = [...data.rows()];
        assert.equal(read.length, rows);
        assert.ok(read.every((row) => row.kind === 'object' && row.warnings.length === 0));
        for (const key of keys) assert.ok(read.every((row) => row.value !== undefined && key in row.value), key);
        const summary = scanJsonl(readFileSync(file));
        assert.deepEqual([summary.rows, summary.malformed, summary.blank, summary.lastLineUnterminated], [rows, 0, 0, false]);
      });

      it(`has the same ${rows} rows when streamed`, async () => {
        const streamed: JsonlRow[] = [];
        for await (const row of streamJsonlRows(file, { chunkBytes: 64 * 1024 })) streamed.push(row);
        assert.equal(streamed.length, rows);
        assert.deepEqual(streamed, [...new JsonlBuffer(readFileSync(file)).rows()]);
      });

      it('takes Distillery metadata on and off any row, leaving the file as it was', () => {
        const bytes = readFileSync(file);
        const data = new JsonlBuffer(bytes);
        for (const line of [1, Math.ceil(rows / 2), rows]) {
          const row = data.row(line);
          const text = data.rowText(row);
          const tagged = setRowValue(text, ['distillery'], { source: { key: `${name}:${line}` }, provenance: 'human' });
          const edited = replaceRowBytes(bytes, row, tagged);
          // The edited row is found again by identity even after a line is inserted above it.
          const shifted = Buffer.concat([Buffer.from('{"inserted":true}\n'), edited]);
          assert.deepEqual(relocateRow(shifted, rowIdentity(tagged), line), { status: 'found', line: line + 1 });
          const restored = replaceRowBytes(edited, new JsonlBuffer(edited).row(line), stripDistilleryMetadata(tagged));
          assert.ok(restored.equals(bytes), `line ${line}`);
        }
      });
    });
  }
});
