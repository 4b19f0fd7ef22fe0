import { strict as assert } from 'node:assert';
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../../../src/core/dataset/atomicWrite';
import { useTempDir } from './support';

describe('writeFileAtomic', () => {
  const tempDir = useTempDir('atomic');
  let count = 0;
  const freshDir = () => {
    const dir = path.join(tempDir(), `case-${count++}`);
    mkdirSync(dir);
    return dir;
  };

  it('creates a file, and replaces one, leaving no temporary file behind', async () => {
    const dir = freshDir();
    const file = path.join(dir, 'data.jsonl');
    await writeFileAtomic(file, '{"a":1}\n');
    assert.equal(readFileSync(file, 'utf8'), '{"a":1}\n');
    await writeFileAtomic(file, Buffer.from('{"a":2}\n'));
    assert.equal(readFileSync(file, 'utf8'), '{"a":2}\n');
    assert.deepEqual(readdirSync(dir), ['data.jsonl']);
  });

  it('keeps the permissions of the file it replaces', async function () {
    if (process.platform === 'win32') this.skip();
    const dir = freshDir();
    const file = path.join(dir, 'script.jsonl');
    writeFileSync(file, 'old');
    chmodSync(file, 0o640);
    await writeFileAtomic(file, 'new');
    assert.equal(statSync(file).mode & 0o777, 0o640);
  });

  it('leaves the old file and no temporary file when it fails', async () => {
    const dir = freshDir();
    // Renaming a file over a non-empty directory fails after the temporary file is written.
    const target = path.join(dir, 'occupied');
    mkdirSync(target);
    writeFileSync(path.join(target, 'inside'), 'x');
    await assert.rejects(writeFileAtomic(target, 'data'));
    assert.deepEqual(readdirSync(dir), ['occupied']);
    assert.deepEqual(readdirSync(target), ['inside']);
    await assert.rejects(writeFileAtomic(path.join(dir, 'missing-dir', 'file'), 'data'), { code: 'ENOENT' });
  });

  it('ends with one whole version when writers race', async () => {
    const dir = freshDir();
    const file = path.join(dir, 'raced.jsonl');
    const versions = Array.from({ length: 20 }, (_, i) => `${JSON.stringify({ version: i, pad: 'x'.repeat(50_000) })}\n`);
    await Promise.all(versions.map((text) => writeFileAtomic(file, text)));
    assert.ok(versions.includes(readFileSync(file, 'utf8')));
    assert.deepEqual(readdirSync(dir), ['raced.jsonl']);
  });
});
