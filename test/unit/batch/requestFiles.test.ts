import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { BATCH_INDEX_FILE, readBatchIndex, type BatchIndex } from '../../../src/core/batch/batchIndex';
import { BatchRequestWriter, MAX_BATCH_BYTES, MAX_BATCH_REQUESTS } from '../../../src/core/batch/requestFiles';
import type { DeferredRequest } from '../../../src/core/llm/engine';
import type { RequestLine } from './support';

function request(profile: string, n: number, extra: Partial<DeferredRequest> = {}): DeferredRequest {
  return {
    customId: `${profile}-key-${String(n).padStart(4, '0')}`,
    profile,
    baseURL: 'http://127.0.0.1:9/v1',
    body: { model: `model-of-${profile}`, messages: [{ role: 'user', content: `Question ${n} of ${profile}` }], temperature: 0.7, max_tokens: 64 },
    ...extra,
  };
}

function linesOf(file: string): RequestLine[] {
  const text = readFileSync(file, 'utf8');
  assert.ok(text.endsWith('\n'), `${file} ends with a newline`);
  return text.slice(0, -1).split('\n').map((line) => JSON.parse(line) as RequestLine);
}

describe('batch request files', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'distillery-requests-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes Batch API input lines (custom_id, method, url, body; no stream), one per custom_id, one profile per file', async () => {
    const writer = await BatchRequestWriter.create({ directory: dir, source: 'demo', now: () => new Date('2026-11-24T10:00:00Z') });
    writer.add(request('teacher', 1));
    writer.add(request('judge', 1, { body: { model: 'model-of-judge', messages: [{ role: 'user', content: 'A or B?' }], stream: false } as DeferredRequest['body'] }));
    writer.add(request('teacher', 2));
    writer.add(request('teacher', 1));
    writer.add(request('teacher', 2));
    assert.equal(writer.requests, 3);
    const exported = await writer.finish();

    assert.deepEqual(readdirSync(dir).sort(), [BATCH_INDEX_FILE, 'judge-0001.jsonl', 'teacher-0001.jsonl'], 'no temporary file is left');
    const teacher = linesOf(path.join(dir, 'teacher-0001.jsonl'));
    assert.deepEqual(teacher, [
      { custom_id: 'teacher-key-0001', method: 'POST', url: '/v1/chat/completions', body: request('teacher', 1).body },
      { custom_id: 'teacher-key-0002', method: 'POST', url: '/v1/chat/completions', body: request('teacher', 2).body },
    ]);
    assert.deepEqual(Object.keys(teacher[0] as object), ['custom_id', 'method', 'url', 'body']);
    const judge = linesOf(path.join(dir, 'judge-0001.jsonl'));
    assert.deepEqual(judge.map((line) => [line.custom_id, 'stream' in line.body]), [['judge-key-0001', false]]);

    assert.equal(exported.duplicates, 2);
    assert.deepEqual(exported.oversized, []);
    const index = await readBatchIndex(dir);
    assert.deepEqual(index, exported.index);
    assert.deepEqual(index, {
      version: 1,
      created: '2026-11-24T10:00:00.000Z',
      endpoint: '/v1/chat/completions',
      source: 'demo',
      requests: 3,
      files: [
        { file: 'teacher-0001.jsonl', profile: 'teacher', model: 'model-of-teacher', baseURL: 'http://127.0.0.1:9/v1', requests: 2, bytes: statSync(path.join(dir, 'teacher-0001.jsonl')).size },
        { file: 'judge-0001.jsonl', profile: 'judge', model: 'model-of-judge', baseURL: 'http://127.0.0.1:9/v1', requests: 1, bytes: statSync(path.join(dir, 'judge-0001.jsonl')).size },
      ],
    } satisfies BatchIndex);
  });

  it('splits a profile\'s requests at the request limit, numbering the files', async () => {
    const writer = await BatchRequestWriter.create({ directory: dir, maxRequests: 3 });
    for (let n = 1; n <= 7; n++) writer.add(request('teacher', n));
    const { index } = await writer.finish();
    assert.deepEqual(index.files.map((f) => [f.file, f.requests]), [['teacher-0001.jsonl', 3], ['teacher-0002.jsonl', 3], ['teacher-0003.jsonl', 1]]);
    const ids = index.files.flatMap((f) => linesOf(path.join(dir, f.file)).map((line) => line.custom_id));
    assert.deepEqual(ids, Array.from({ length: 7 }, (_, i) => `teacher-key-${String(i + 1).padStart(4, '0')}`));
  });

  it('splits at the byte limit: no file passes it, and a request too large for any file is alone and reported', async () => {
    const lineBytes = Buffer.byteLength(`${JSON.stringify({ custom_id: request('t', 1).customId, method: 'POST', url: '/v1/chat/completions', body: request('t', 1).body })}\n`);
    const maxBytes = lineBytes * 2 + 10;
    const writer = await BatchRequestWriter.create({ directory: dir, maxBytes });
    for (let n = 1; n <= 5; n++) writer.add(request('t', n));
    const huge = request('t', 6, { body: { model: 'model-of-t', messages: [{ role: 'user', content: 'x'.repeat(maxBytes) }] } });
    writer.add(huge);
    writer.add(request('t', 7));
    const exported = await writer.finish();
    assert.deepEqual(exported.index.files.map((f) => f.requests), [2, 2, 1, 1, 1]);
    for (const file of exported.index.files) {
      assert.equal(statSync(path.join(dir, file.file)).size, file.bytes);
      if (file.requests > 1) assert.ok(file.bytes <= maxBytes, `${file.file}: ${file.bytes} bytes`);
    }
    assert.deepEqual(exported.oversized.map((o) => o.customId), [huge.customId]);
    assert.equal(linesOf(path.join(dir, 't-0004.jsonl'))[0]?.custom_id, huge.customId);
  });

  it('defaults to the Batch API limits: 50,000 requests and 200 MB per file', () => {
    assert.equal(MAX_BATCH_REQUESTS, 50_000);
    assert.equal(MAX_BATCH_BYTES, 200_000_000);
  });

  it('names files safely, keeps credentials out of the index, and a new export replaces the old one\'s files', async () => {
    const first = await BatchRequestWriter.create({ directory: dir, maxRequests: 1 });
    first.add(request('gpt/4o mini', 1, { baseURL: 'https://user:hunter2@example.com/v1' }));
    first.add(request('gpt/4o mini', 2, { baseURL: 'https://user:hunter2@example.com/v1' }));
    first.add(request('gpt_4o_mini', 1));
    const one = await first.finish();
    assert.deepEqual(one.index.files.map((f) => f.file), ['gpt_4o_mini-0001.jsonl', 'gpt_4o_mini-0002.jsonl', 'gpt_4o_mini_2-0001.jsonl']);
    assert.equal(one.index.files[0]?.baseURL, 'https://example.com/v1');
    assert.doesNotMatch(readFileSync(path.join(dir, BATCH_INDEX_FILE), 'utf8'), /hunter2/);

    const second = await BatchRequestWriter.create({ directory: dir });
    second.add(request('gpt/4o mini', 3));
    const two = await second.finish();
    assert.deepEqual([...two.removed].sort(), ['gpt_4o_mini-0002.jsonl', 'gpt_4o_mini_2-0001.jsonl']);
    assert.deepEqual(readdirSync(dir).sort(), [BATCH_INDEX_FILE, 'gpt_4o_mini-0001.jsonl']);
    assert.deepEqual(linesOf(path.join(dir, 'gpt_4o_mini-0001.jsonl')).map((l) => l.custom_id), ['gpt/4o mini-key-0003']);

    // Nothing deferred: an empty index, and the files of the last export are gone.
    const third = await BatchRequestWriter.create({ directory: dir });
    const three = await third.finish();
    assert.deepEqual([three.index.requests, three.index.files], [0, []]);
    assert.deepEqual(readdirSync(dir), [BATCH_INDEX_FILE]);
  });

  it('discard leaves the previous export as it was', async () => {
    const first = await BatchRequestWriter.create({ directory: dir });
    first.add(request('teacher', 1));
    await first.finish();
    const before = readFileSync(path.join(dir, 'teacher-0001.jsonl'), 'utf8');
    const second = await BatchRequestWriter.create({ directory: dir });
    second.add(request('teacher', 2));
    await second.discard();
    assert.deepEqual(readdirSync(dir).sort(), [BATCH_INDEX_FILE, 'teacher-0001.jsonl']);
    assert.equal(readFileSync(path.join(dir, 'teacher-0001.jsonl'), 'utf8'), before);
    assert.throws(() => second.add(request('teacher', 3)), /has finished/);
  });

  it('an index that is missing or wrong is bad input naming the file and the field', async () => {
    await assert.rejects(readBatchIndex(dir, 'exports'), new RegExp(`exports/${BATCH_INDEX_FILE}: cannot read the batch export's index \\(ENOENT\\)`));
    const writer = await BatchRequestWriter.create({ directory: dir });
    writer.add(request('teacher', 1));
    const { indexFile } = await writer.finish();
    const index = JSON.parse(readFileSync(indexFile, 'utf8')) as { files: Array<Record<string, unknown>> };
    (index.files[0] as Record<string, unknown>).file = '../elsewhere.jsonl';
    writeFileSync(indexFile, JSON.stringify(index));
    await assert.rejects(readBatchIndex(dir, 'exports'), /exports\/batch-index\.json: "files\[0\]\.file" must be a file name in the same directory/);
  });
});
