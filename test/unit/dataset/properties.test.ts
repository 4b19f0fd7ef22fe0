/**
 * Property tests of reading: arbitrary rows survive a JSONL round trip whatever the layout, and
 * any damage to a valid file is confined to the damaged lines.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { JsonlAppendWriter } from '../../../src/core/dataset/appendWriter';
import { readJsonlRows } from '../../../src/core/dataset/jsonlBuffer';
import type { JsonlRow } from '../../../src/core/dataset/rowParser';
import { streamJsonlRows } from '../../../src/core/dataset/rowStream';
import { layOut, layoutArbitrary, rowArbitrary, splitInChunks, useTempDir } from './support';

const chunkSizes = fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 5 });

describe('JSONL round trip (property)', () => {
  const tempDir = useTempDir('roundtrip');

  it('reads back exactly the rows written, with any line endings, BOM and final newline', () => {
    fc.assert(
      fc.property(fc.array(rowArbitrary, { maxLength: 12 }), layoutArbitrary, chunkSizes, (rows, layout, sizes) => {
        const data = layOut(rows.map((row) => JSON.stringify(row)), layout);
        const read = readJsonlRows(data);
        assert.deepEqual(read.map((row) => row.value), rows);
        assert.ok(read.every((row) => row.problem === undefined));
        assert.deepEqual(splitInChunks(data, sizes), read);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps blank lines between rows out of the values but in the line numbers', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(rowArbitrary, fc.constantFrom('', '  ', '\t ')), { maxLength: 12 }),
        layoutArbitrary,
        (items, layout) => {
          const data = layOut(items.map((item) => (typeof item === 'string' ? item : JSON.stringify(item))), layout);
          const read = readJsonlRows(data);
          // Empty text after the final '\n' is not a line.
          const lines = !layout.finalNewline && items.at(-1) === '' ? items.length - 1 : items.length;
          assert.equal(read.length, lines);
          read.forEach((row, i) => {
            const item = items[i];
            assert.equal(row.line, i + 1);
            if (typeof item === 'string') assert.equal(row.kind, 'blank');
            else assert.deepEqual(row.value, item);
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('round-trips through the append writer and the file stream', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(rowArbitrary, { maxLength: 10 }), fc.integer({ min: 1, max: 50 }), async (rows, chunkBytes) => {
        const file = path.join(tempDir(), `run-${run++}.jsonl`);
        // Keyed by position: the property is about bytes, not about skipping duplicates.
        let position = 0;
        const writer = await JsonlAppendWriter.open<object>(file, { rowKey: () => String(position++), fsync: false });
        for (const row of rows) assert.equal(await writer.append(row), true);
        await writer.close();
        const streamed: JsonlRow[] = [];
        for await (const row of streamJsonlRows(file, { chunkBytes })) streamed.push(row);
        assert.deepEqual(streamed.map((row) => row.value), rows);
        assert.deepEqual(streamed, readJsonlRows(readFileSync(file)));
      }),
      { numRuns: 60 },
    );
  });
});

type Mutation = { readonly kind: 'flip' | 'insert' | 'delete'; readonly at: number; readonly byte: number };

const mutationArbitrary: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom<Mutation['kind']>('flip', 'insert', 'delete'),
  at: fc.nat(),
  // Bytes that matter to JSONL more often than chance would pick them.
  byte: fc.oneof(fc.constantFrom(0x0a, 0x0d, 0x22, 0x5c, 0x7b, 0x7d, 0x2c, 0x3a, 0x20, 0xc3, 0xe2, 0xff, 0x80, 0xef), fc.integer({ min: 0, max: 255 })),
});

function mutate(data: Buffer, mutations: readonly Mutation[]): Buffer {
  let result = Buffer.from(data);
  for (const { kind, at, byte } of mutations) {
    if (kind === 'insert') {
      const position = at % (result.length + 1);
      result = Buffer.concat([result.subarray(0, position), Buffer.from([byte]), result.subarray(position)]);
    } else if (result.length > 0) {
      const position = at % result.length;
      if (kind === 'delete') result = Buffer.concat([result.subarray(0, position), result.subarray(position + 1)]);
      // XOR with a non-zero byte: always a change.
      else result[position] = (result[position] as number) ^ (byte === 0 ? 1 : byte);
    }
  }
  return result;
}

/** The file's lines, each with its '\n' (text after the final '\n' is a line only when not empty). */
function pieces(data: Buffer): Buffer[] {
  const result: Buffer[] = [];
  let start = 0;
  for (let newline = data.indexOf(10); newline !== -1; newline = data.indexOf(10, start)) {
    result.push(data.subarray(start, newline + 1));
    start = newline + 1;
  }
  if (start < data.length) result.push(data.subarray(start));
  return result;
}

describe('damaged JSONL (property)', () => {
  it('yields the intact rows unchanged and errors only on the damaged lines, never a crash', () => {
    fc.assert(
      fc.property(
        fc.array(rowArbitrary, { minLength: 1, maxLength: 8 }),
        layoutArbitrary,
        fc.array(mutationArbitrary, { minLength: 1, maxLength: 3 }),
        chunkSizes,
        (rows, layout, mutations, sizes) => {
          const original = layOut(rows.map((row) => JSON.stringify(row)), layout);
          const damaged = mutate(original, mutations);
          const before = readJsonlRows(original);
          const after = readJsonlRows(damaged);

          // Align the two files: identical lines at the start and at the end are intact.
          const oldPieces = pieces(original);
          const newPieces = pieces(damaged);
          const shortest = Math.min(oldPieces.length, newPieces.length);
          let prefix = 0;
          while (prefix < shortest && (oldPieces[prefix] as Buffer).equals(newPieces[prefix] as Buffer)) prefix++;
          // A byte order mark counts only at the very start of the file: the original's first line,
          // moved off the first line, is not the same line any more, however equal its bytes.
          const startsWithBom = original[0] === 0xef && original[1] === 0xbb && original[2] === 0xbf;
          const movedOffStart = (suffix: number): boolean => startsWithBom && oldPieces.length - 1 - suffix === 0 && newPieces.length - 1 - suffix !== 0;
          let suffix = 0;
          while (
            suffix < shortest - prefix &&
            !movedOffStart(suffix) &&
            (oldPieces[oldPieces.length - 1 - suffix] as Buffer).equals(newPieces[newPieces.length - 1 - suffix] as Buffer)
          ) {
            suffix++;
          }
          const shift = newPieces.length - oldPieces.length;
          // 1-based lines of the damaged file that differ from the original.
          const firstDamaged = prefix + 1;
          const lastDamaged = newPieces.length - suffix;

          for (const row of after) {
            const intact = row.line < firstDamaged || row.line > lastDamaged;
            if (!intact) continue;
            const originalLine = row.line < firstDamaged ? row.line : row.line - shift;
            const was = before[originalLine - 1];
            assert.ok(was, `line ${row.line} maps to original line ${originalLine}`);
            assert.equal(row.kind, was.kind, `line ${row.line}`);
            assert.deepEqual(row.value, was.value, `line ${row.line}`);
          }
          for (const row of after) {
            if (row.kind === 'invalid') {
              assert.ok(row.line >= firstDamaged && row.line <= lastDamaged, `error on line ${row.line}, outside the damaged lines ${firstDamaged}..${lastDamaged}`);
              assert.equal(row.problem.line, row.line);
              assert.ok(row.problem.column >= 1 && row.problem.offset >= row.start && row.problem.offset <= row.end);
            }
          }
          // The stream agrees, chunked any way.
          assert.deepEqual(splitInChunks(damaged, sizes), after);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
