import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { AtomicRowWriter } from '../../../src/core/curation/atomicRowWriter';
import { datasetRows } from '../../../src/core/curation/datasetRows';
import { DigestTable } from '../../../src/core/curation/digestTable';
import { toJsonArray } from '../../../src/core/dataset/jsonArray';

describe('curation streaming: rows in, rows out', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'distillery-streaming-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('gives every row with its bytes as in the file, whatever the chunk size: BOM, CRLF, blank lines, a last line without newline', async () => {
    const lines = ['{"a":1,  "text":"first, after a BOM"}', '', '{ "b" : "ünïcödé ✓ 🚀" }', '   ', `{"long":"${'x'.repeat(300)}"}`, '{"last":true}'];
    const file = path.join(dir, 'rows.jsonl');
    writeFileSync(file, `\uFEFF${lines[0]}\r\n${lines[1]}\n${lines[2]}\r\n${lines[3]}\n${lines[4]}\n${lines[5]}`);
    for (const chunkBytes of [1, 7, 64, 1024 * 1024]) {
      const rows = [];
      for await (const row of datasetRows(file, 'rows.jsonl', { chunkBytes })) rows.push({ index: row.index, line: row.line, raw: row.raw?.toString('utf8'), terminator: row.terminator, value: row.value });
      assert.deepEqual(rows.map((r) => r.raw), [lines[0], lines[2], lines[4], lines[5]], `chunks of ${chunkBytes}`);
      assert.deepEqual(rows.map((r) => r.line), [1, 3, 5, 6]);
      assert.deepEqual(rows.map((r) => r.index), [0, 1, 2, 3]);
      assert.deepEqual(rows.map((r) => r.terminator), ['\r\n', '\r\n', '\n', '']);
      assert.deepEqual(rows[1]?.value, { b: 'ünïcödé ✓ 🚀' });
    }
  });

  it('writes a JSON array laid out as toJsonArray lays it out, and an empty one as []', async () => {
    const rows = [{ a: 1, nested: { list: [1, 'two'] } }, { b: 'line\nbreak' }];
    const target = path.join(dir, 'out.json');
    const writer = await AtomicRowWriter.open(target);
    for (const row of rows) await writer.writeRow(row);
    await writer.commit();
    assert.equal(readFileSync(target, 'utf8'), toJsonArray(rows));
    const empty = await AtomicRowWriter.open(path.join(dir, 'empty.json'));
    await empty.commit();
    assert.equal(readFileSync(path.join(dir, 'empty.json'), 'utf8'), toJsonArray([]));
  });

  it('an aborted writer leaves the target as it was and no temporary file', async () => {
    const target = path.join(dir, 'kept.jsonl');
    writeFileSync(target, 'old\n');
    const writer = await AtomicRowWriter.open(target);
    await writer.writeRow({ new: true });
    assert.ok(existsSync(writer.temporary));
    await writer.abort();
    assert.equal(readFileSync(target, 'utf8'), 'old\n');
    assert.equal(readdirSync(dir).some((name) => name.endsWith('.tmp')), false);
  });

  it('the digest table finds every repeat, across many growths', () => {
    const table = new DigestTable(16);
    const digest = (i: number) => createHash('sha256').update(String(i)).digest();
    for (let i = 0; i < 20_000; i++) assert.equal(table.firstOrAdd(digest(i), i), -1);
    for (let i = 0; i < 20_000; i += 97) assert.equal(table.firstOrAdd(digest(i), 99_999), i);
    assert.equal(table.size, 20_000);
  });
});
