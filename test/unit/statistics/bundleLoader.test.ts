import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bundledTokenCounterLoader } from '../../../src/tokenizers/bundleLoader';

describe('statistics: the tokenizer bundle loader', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'distillery-tokenizers-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('requires ENCODING.js from its directory, once, and reports a missing or wrong bundle', async () => {
    writeFileSync(path.join(dir, 'o200k_base.js'), 'globalThis.__distilleryLoads = (globalThis.__distilleryLoads ?? 0) + 1; exports.countTokens = (t) => t.length;');
    writeFileSync(path.join(dir, 'cl100k_base.js'), 'exports.somethingElse = 1;');
    const load = bundledTokenCounterLoader(dir);
    const count = await load('o200k_base');
    assert.equal(count('abcd'), 4);
    assert.equal(await load('o200k_base'), count);
    assert.equal((globalThis as { __distilleryLoads?: number }).__distilleryLoads, 1);
    await assert.rejects(load('cl100k_base'), /does not export countTokens/);
    await assert.rejects(bundledTokenCounterLoader(path.join(dir, 'missing'))('o200k_base'), /Cannot find module/);
  });
});
