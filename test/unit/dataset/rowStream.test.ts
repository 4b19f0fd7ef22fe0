import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { readJsonlRows } from '../../../src/core/dataset/jsonlBuffer';
import type { JsonlRow } from '../../../src/core/dataset/rowParser';
import { JsonlRowSplitter } from '../../../src/core/dataset/rowSplitter';
import { streamJsonlRows, type ReadProgress, type RowStreamOptions } from '../../../src/core/dataset/rowStream';
import { BOM, bytes, useTempDir } from './support';

async function collect(file: string, options: RowStreamOptions = {}): Promise<JsonlRow[]> {
  const rows: JsonlRow[] = [];
  for await (const row of streamJsonlRows(file, options)) rows.push(row);
  return rows;
}

describe('streamJsonlRows', () => {
  const tempDir = useTempDir('stream');
  const write = (name: string, data: Uint8Array): string => {
    const file = path.join(tempDir(), name);
    writeFileSync(file, data);
    return file;
  };

  const messy = Buffer.concat([
    BOM,
    bytes('{"a":"é"}\r\n\n   \n{"b":\n[1,2]\n'),
    Buffer.from([0x7b, 0x22, 0xc3, 0x22, 0x3a, 0x31, 0x7d, 0x0a]), // invalid UTF-8
    bytes(`{"long":"${'ü'.repeat(300)}"}\r\n{"😀":"日本語"}\n{"torn":`),
  ]);

  it('yields the same rows as the in-memory reader, whatever the chunk size', async () => {
    const file = write('messy.jsonl', messy);
    const expected = readJsonlRows(messy);
    for (const chunkBytes of [1, 2, 3, 5, 7, 64, 1000, 1 << 20]) {
      assert.deepEqual(await collect(file, { chunkBytes }), expected, `chunks of ${chunkBytes} bytes`);
    }
  });

  it('keeps long-line warnings the same across many chunks', async () => {
    const data = bytes(`{"a":1}\n{"t":"${'x'.repeat(5000)}"}\n`);
    const file = write('long.jsonl', data);
    const rows = await collect(file, { chunkBytes: 64, longLineBytes: 1000 });
    assert.deepEqual(rows, readJsonlRows(data, { longLineBytes: 1000 }));
    assert.equal(rows[1]?.warnings[0]?.code, 'long-line');
  });

  it('reads an empty file as no rows', async () => {
    assert.deepEqual(await collect(write('empty.jsonl', Buffer.alloc(0))), []);
  });

  it('reports progress in bytes up to the file size', async () => {
    const file = write('progress.jsonl', bytes('{"a":1}\n'.repeat(100)));
    const seen: ReadProgress[] = [];
    const rows = await collect(file, { chunkBytes: 100, onProgress: (progress) => seen.push(progress) });
    assert.equal(rows.length, 100);
    assert.equal(seen.length, 8);
    assert.deepEqual(seen.at(-1), { bytesRead: 800, totalBytes: 800 });
    assert.ok(seen.every((progress, i) => i === 0 || progress.bytesRead > (seen[i - 1] as ReadProgress).bytesRead));
  });

  it('stops with the signal’s reason when aborted, before or during the read', async () => {
    const file = write('abort.jsonl', bytes('{"a":1}\n'.repeat(1000)));
    const before = new AbortController();
    before.abort();
    await assert.rejects(collect(file, { signal: before.signal }), { name: 'AbortError' });

    const during = new AbortController();
    let count = 0;
    await assert.rejects(
      (async () => {
        for await (const _row of streamJsonlRows(file, { signal: during.signal, chunkBytes: 64 })) {
          if (++count === 10) during.abort();
        }
      })(),
      { name: 'AbortError' },
    );
    assert.equal(count, 10);
  });

  it('fails clearly on a missing file and on a bad chunk size', async () => {
    await assert.rejects(collect(path.join(tempDir(), 'missing.jsonl')), { code: 'ENOENT' });
    await assert.rejects(collect(write('x.jsonl', bytes('{}\n')), { chunkBytes: 0 }), RangeError);
  });
});

describe('JsonlRowSplitter', () => {
  it('does not keep the caller’s chunk: reusing it after push changes nothing', () => {
    const data = bytes('{"a":"first"}\n{"b":"second"}\n');
    const splitter = new JsonlRowSplitter();
    const chunk = Buffer.alloc(20);
    const rows: JsonlRow[] = [];
    for (let at = 0; at < data.length; at += chunk.length) {
      const count = data.copy(chunk, 0, at, at + chunk.length);
      rows.push(...splitter.push(chunk.subarray(0, count)));
      chunk.fill(0x78); // scribble over it, as a reused read buffer would be
    }
    rows.push(...splitter.end());
    assert.deepEqual(rows, readJsonlRows(data));
  });

  it('refuses input after end', () => {
    const splitter = new JsonlRowSplitter();
    splitter.end();
    assert.throws(() => splitter.push(bytes('{}\n')), /after end/);
    assert.deepEqual(splitter.end(), []);
  });
});
