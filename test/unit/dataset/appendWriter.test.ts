import { strict as assert } from 'node:assert';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { defaultRowKey, JsonlAppendWriter } from '../../../src/core/dataset/appendWriter';
import { readJsonlRows } from '../../../src/core/dataset/jsonlBuffer';
import { valueIdentity } from '../../../src/core/dataset/rowIdentity';
import { BOM, bytes, useTempDir } from './support';

interface Result {
  prompt: string;
  completion: string;
  distillery: { source: { key: string } };
}

const result = (i: number): Result => ({
  prompt: `question ${i} — “quoted” é`,
  completion: `answer ${i}\n${'x'.repeat(i % 7 === 0 ? 70_000 : 50)}`,
  distillery: { source: { key: `k${i}` } },
});

const valuesIn = (file: string) => readJsonlRows(readFileSync(file)).map((row) => row.value);

describe('JsonlAppendWriter', () => {
  const tempDir = useTempDir('append');
  let count = 0;
  const fresh = () => path.join(tempDir(), `out-${count++}.jsonl`);

  it('writes each row as JSON.stringify(row) + newline, and skips keys already written', async () => {
    const file = fresh();
    const writer = await JsonlAppendWriter.open<Result>(file);
    assert.deepEqual(writer.resumed, { rows: 0, trimmedBytes: 0, terminatedLastRow: false, problems: [] });
    assert.equal(await writer.append(result(1)), true);
    assert.equal(await writer.append(result(2)), true);
    assert.equal(await writer.append({ ...result(1), completion: 'another answer, same key' }), false);
    assert.ok(writer.has('k1') && writer.has('k2') && !writer.has('k3'));
    await writer.close();
    assert.equal(readFileSync(file, 'utf8'), `${JSON.stringify(result(1))}\n${JSON.stringify(result(2))}\n`);
  });

  it('never interleaves lines of concurrent appends, and writes a key only once', async () => {
    const file = fresh();
    const writer = await JsonlAppendWriter.open<Result>(file);
    const indices = Array.from({ length: 300 }, (_, i) => i % 150); // every key twice
    const written = await Promise.all(indices.map((i) => writer.append(result(i))));
    await writer.close();
    assert.equal(written.filter(Boolean).length, 150);
    const rows = readJsonlRows(readFileSync(file));
    assert.ok(rows.every((row) => row.kind === 'object'));
    assert.deepEqual(
      rows.map((row) => row.value).sort((a, b) => String(a?.prompt).localeCompare(String(b?.prompt))),
      Array.from({ length: 150 }, (_, i) => result(i)).sort((a, b) => a.prompt.localeCompare(b.prompt)),
    );
  });

  it('resumes after a kill: trims the torn last line, and a re-run loses and repeats nothing', async () => {
    const file = fresh();
    const all = Array.from({ length: 40 }, (_, i) => result(i));
    const first = await JsonlAppendWriter.open<Result>(file);
    for (const row of all.slice(0, 25)) await first.append(row);
    await first.close();
    // The process dies halfway through writing row 25.
    const torn = JSON.stringify(all[25]).slice(0, 30);
    appendFileSync(file, torn);

    const second = await JsonlAppendWriter.open<Result>(file);
    assert.deepEqual(second.resumed, { rows: 25, trimmedBytes: Buffer.byteLength(torn), terminatedLastRow: false, problems: [] });
    // The re-run offers every row again; only the missing ones are written.
    const written = await Promise.all(all.map((row) => second.append(row)));
    await second.close();
    assert.deepEqual(written, all.map((_, i) => i >= 25));
    assert.deepEqual(valuesIn(file), all);
  });

  it('keeps a whole last row that only lacks its newline, and finishes the line', async () => {
    const file = fresh();
    writeFileSync(file, `${JSON.stringify(result(0))}\n${JSON.stringify(result(1))}`);
    const writer = await JsonlAppendWriter.open<Result>(file);
    assert.deepEqual([writer.resumed.rows, writer.resumed.terminatedLastRow, writer.resumed.trimmedBytes], [2, true, 0]);
    assert.equal(await writer.append(result(1)), false);
    assert.equal(await writer.append(result(2)), true);
    await writer.close();
    assert.deepEqual(valuesIn(file), [result(0), result(1), result(2)]);
  });

  it('trims a torn first line but keeps a BOM, and leaves malformed earlier lines (reporting them)', async () => {
    const withBom = fresh();
    writeFileSync(withBom, Buffer.concat([BOM, bytes('{"prompt":"cut')]));
    const writer = await JsonlAppendWriter.open(withBom);
    assert.equal(writer.resumed.trimmedBytes, 14);
    await writer.append({ a: 1 });
    await writer.close();
    assert.deepEqual(readFileSync(withBom), Buffer.concat([BOM, bytes('{"a":1}\n')]));

    const messy = fresh();
    writeFileSync(messy, '{"a":1}\nnot json\n\n{"a":2}\n');
    const resumed = await JsonlAppendWriter.open(messy);
    await resumed.close();
    assert.equal(resumed.resumed.rows, 2);
    assert.deepEqual(resumed.resumed.problems.map((p) => [p.line, p.code]), [[2, 'syntax']]);
    assert.equal(readFileSync(messy, 'utf8'), '{"a":1}\nnot json\n\n{"a":2}\n');
  });

  it('keys rows by a caller-given function', async () => {
    const file = fresh();
    const writer = await JsonlAppendWriter.open<{ id: number; text: string }>(file, { rowKey: (row) => `id-${row.id}` });
    assert.equal(await writer.append({ id: 1, text: 'a' }), true);
    assert.equal(await writer.append({ id: 1, text: 'b' }), false);
    await writer.close();
    const again = await JsonlAppendWriter.open<{ id: number; text: string }>(file, { rowKey: (row) => `id-${row.id}` });
    assert.ok(again.has('id-1'));
    await again.close();
  });

  it('keys by distillery.source.key, else by the row’s identity', () => {
    assert.equal(defaultRowKey(result(3)), 'k3');
    assert.equal(defaultRowKey({ prompt: 'p' }), valueIdentity({ prompt: 'p' }));
    assert.equal(defaultRowKey({ distillery: { source: { key: 7 } } }), valueIdentity({ distillery: { source: { key: 7 } } }));
  });

  it('fails every queued and later append once a write fails, rather than write around a torn line', async () => {
    const writer = await JsonlAppendWriter.open<Result>(fresh());
    // Pull the file out from under the writer (as a full disk or a lost mount would).
    await (writer as unknown as { file: { close(): Promise<void> } }).file.close();
    const attempts = [writer.append(result(1)), writer.append(result(2))];
    for (const attempt of attempts) await assert.rejects(attempt, { code: 'EBADF' });
    await assert.rejects(writer.append(result(3)), { code: 'EBADF' });
    await writer.close().catch(() => undefined);
  });

  it('refuses rows that are not objects, and appends after close', async () => {
    const writer = await JsonlAppendWriter.open<unknown>(fresh());
    await assert.rejects(writer.append([1, 2]), /must be a JSON object/);
    await assert.rejects(writer.append('text'), /must be a JSON object/);
    await writer.close();
    await assert.rejects(writer.append({ a: 1 }), /closed/);
  });
});
