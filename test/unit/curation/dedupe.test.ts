import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { dedupeFile } from '../../../src/core/curation/dedupe';
import { InputError } from '../../../src/core/errors/located';
import { seededRandom } from '../../../src/core/random';

describe('dedupeFile', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'distillery-dedupe-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const random = seededRandom('dedupe-test');
  const sentence = () => Array.from({ length: 100 }, () => `w${Math.floor(random() * 10_000)}`).join(' ');
  const a = sentence();
  const b = sentence();
  const nearA = a.replace(/^w\d+/, 'Different').toUpperCase();
  const rows = [
    { messages: [{ role: 'user', content: a }, { role: 'assistant', content: 'one' }] },
    { messages: [{ role: 'user', content: b }, { role: 'assistant', content: 'two' }] },
    { messages: [{ role: 'user', content: `  ${a}  ` }, { role: 'assistant', content: 'three' }], distillery: { teacher: { model: 'm' } } },
    { messages: [{ role: 'user', content: nearA }, { role: 'assistant', content: 'four' }] },
    { messages: [{ role: 'user', content: sentence() }, { role: 'assistant', content: 'five' }] },
  ];
  const input = path.join(dir, 'in.jsonl');
  writeFileSync(input, `${rows.map((row) => JSON.stringify(row)).join('\n')}\n\n`);

  it('copies the kept JSONL rows byte for byte: BOM, key order, spacing and line endings', async () => {
    const lines = [
      '{ "prompt" : "Name a river.",  "completion":"The Nile." }',
      '{"completion":"The Nile.","prompt":"Name a river."}',
      '{"prompt":"Name a bird.", "completion": "An owl.",\t"extra": [1,2]}',
    ];
    const file = path.join(dir, 'spaced.jsonl');
    writeFileSync(file, `\uFEFF${lines[0]}\r\n${lines[1]}\r\n${lines[2]}`);
    const output = path.join(dir, 'spaced.out.jsonl');
    const report = await dedupeFile(file, output, { field: 'row' });
    assert.equal(report.exactDuplicates, 1, 'the second row is the first with its keys in another order');
    assert.equal(readFileSync(output, 'utf8'), `\uFEFF${lines[0]}\r\n${lines[2]}\n`);
  });

  it('removes exact then near duplicates of the prompt, keeping the first row of each cluster', async () => {
    const output = path.join(dir, 'out.jsonl');
    const report = await dedupeFile(input, output);
    assert.equal(report.rows, 5);
    assert.equal(report.exactDuplicates, 1);
    assert.equal(report.nearDuplicates, 1);
    assert.deepEqual(report.clusters, [
      { kind: 'exact', representativeLine: 1, duplicateLines: [3] },
      { kind: 'near', representativeLine: 1, duplicateLines: [4] },
    ]);
    const written = readFileSync(output, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as (typeof rows)[number]);
    assert.deepEqual(written, [rows[0], rows[1], rows[4]]);
  });

  it('--exact-only keeps the near duplicate; by answer nothing is a duplicate', async () => {
    assert.equal((await dedupeFile(input, undefined, { exactOnly: true })).removed, 1);
    assert.equal((await dedupeFile(input, undefined, { field: 'answer' })).removed, 0);
  });

  it('writes a JSON array when the output is .json', async () => {
    const output = path.join(dir, 'out.json');
    await dedupeFile(input, output);
    assert.equal((JSON.parse(readFileSync(output, 'utf8')) as unknown[]).length, 3);
  });

  it('stops at a row that is not JSON, naming its line and column', async () => {
    const bad = path.join(dir, 'bad.jsonl');
    writeFileSync(bad, `${JSON.stringify(rows[0])}\n{"messages": [}\n`);
    await assert.rejects(dedupeFile(bad, undefined, { shownInput: 'bad.jsonl' }), (error: unknown) => error instanceof InputError && /^bad\.jsonl:2:\d+: /.test(error.message));
  });
});
