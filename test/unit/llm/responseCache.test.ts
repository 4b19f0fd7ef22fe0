import * as assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { CompletionRequest } from '../../../src/core/llm/client';
import { requestParams } from '../../../src/core/llm/client';
import { validateProfile } from '../../../src/core/llm/profile';
import type { CachedReply } from '../../../src/core/llm/responseCache';
import { ResponseCache, cacheKey, canonicalJson } from '../../../src/core/llm/responseCache';

const profile = validateProfile({ name: 'p', model: 'sim-small', baseURL: 'http://127.0.0.1:9/v1', sampling: { temperature: 0.7, top_p: 1, max_tokens: 64 } });
const base: CompletionRequest = { messages: [{ role: 'user', content: 'Name a prime.' }] };
const keyOf = (request: CompletionRequest, sample = 0, baseURL = 'http://127.0.0.1:9/v1', model = profile.model): string =>
  cacheKey({ baseURL, params: requestParams({ ...profile, model }, request), sample });
const reply: CachedReply = { content: '7', finishReason: 'stop', usage: { promptTokens: 5, completionTokens: 1, totalTokens: 6 }, model: 'sim-small' };

describe('llm: the response cache', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'distillery-cache-test-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  describe('the key', () => {
    it('changes with the sample index, the endpoint, the model, the messages and every sampling option', () => {
      const reference = keyOf(base);
      const variants: Record<string, string> = {
        sample: keyOf(base, 1),
        endpoint: keyOf(base, 0, 'http://127.0.0.1:10/v1'),
        model: keyOf(base, 0, undefined, 'sim-large'),
        messages: keyOf({ messages: [{ role: 'user', content: 'Name a prime!' }] }),
        role: keyOf({ messages: [{ role: 'system', content: 'Name a prime.' }] }),
        temperature: keyOf({ ...base, temperature: 0.2 }),
        top_p: keyOf({ ...base, top_p: 0.5 }),
        max_tokens: keyOf({ ...base, max_tokens: 65 }),
        seed: keyOf({ ...base, seed: 1 }),
        stop: keyOf({ ...base, stop: ['\n'] }),
        schema: keyOf({ ...base, jsonSchema: { name: 'n', schema: { type: 'object' } } }),
        schemaStrictness: keyOf({ ...base, jsonSchema: { name: 'n', schema: { type: 'object' }, strict: false } }),
      };
      for (const [what, key] of Object.entries(variants)) assert.notEqual(key, reference, `${what} must change the key`);
      assert.equal(new Set(Object.values(variants)).size, Object.keys(variants).length, 'every variant has its own key');
      assert.match(reference, /^[0-9a-f]{64}$/);
    });

    it('does not change with spelling that means the same: the profile default sent explicitly, key order, the base URL written differently, streaming', () => {
      const reference = keyOf(base);
      assert.equal(keyOf({ ...base, temperature: 0.7 }), reference, 'the profile default, given explicitly, is what is sent anyway');
      assert.equal(keyOf({ ...base, stream: true }), reference, 'streaming does not change the answer');
      assert.equal(keyOf(base, 0, 'HTTP://127.0.0.1:9/v1/'), reference);
      assert.equal(keyOf(base, 0, 'http://LOCALHOST:80/v1'), keyOf(base, 0, 'http://localhost/v1'));
      assert.equal(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: undefined } }), '{"a":{"d":[1,{"x":1,"y":2}]},"b":1}');
    });
  });

  it('stores and answers a reply; a key it never saw is a miss', async () => {
    const cache = new ResponseCache(dir);
    const key = keyOf(base);
    assert.equal(cache.get(key), undefined);
    await cache.put(key, reply);
    assert.deepEqual(new ResponseCache(dir).get(key), reply, 'read back from disk by another instance');
    assert.equal(cache.get(keyOf(base, 1)), undefined);
    const files = await readdir(path.join(dir, key.slice(0, 2)));
    assert.deepEqual(files, [`${key}.json`], 'two-level fan-out, no temporary file left behind');
  });

  it('a reply without reported usage round-trips as such', async () => {
    const key = keyOf(base);
    await new ResponseCache(dir).put(key, { ...reply, usage: undefined });
    assert.deepEqual(new ResponseCache(dir).get(key), { ...reply, usage: undefined });
  });

  it("a judge's token log-probabilities round-trip, and an edited probability is a corrupt entry", async () => {
    const key = keyOf(base);
    const withLogprobs = { ...reply, logprobs: [{ token: 'A', logprob: -0.1, top: [{ token: 'A', logprob: -0.1 }, { token: 'B', logprob: -2.4 }] }] };
    await new ResponseCache(dir).put(key, withLogprobs);
    assert.deepEqual(new ResponseCache(dir).get(key), withLogprobs);
    const file = new ResponseCache(dir).entryPath(key);
    await writeFile(file, (await readFile(file, 'utf8')).replace('-2.4', '-0.4'));
    assert.equal(new ResponseCache(dir).get(key), undefined);
  });

  describe('a corrupt entry is a miss, and the next reply is written over it', () => {
    const corruptions: Record<string, (text: string, key: string) => string> = {
      'not JSON': (text) => text.slice(0, text.length / 2),
      'valid JSON for another key': (text, key) => text.split(key).join(keyOf(base, 7)),
      'valid JSON with the reply edited': (text) => text.replace('"7"', '"8"'),
      'valid JSON with a wrong checksum': (text) => text.replace(/"check":"[0-9a-f]{8}/, '"check":"00000000'),
      'a JSON value of the wrong shape': () => '[1,2,3]',
      'an empty file': () => '',
    };
    for (const [what, corrupt] of Object.entries(corruptions)) {
      it(what, async () => {
        const key = keyOf(base);
        await new ResponseCache(dir).put(key, reply);
        const file = new ResponseCache(dir).entryPath(key);
        const corrupted = corrupt(await readFile(file, 'utf8'), key);
        await writeFile(file, corrupted);
        const reader = new ResponseCache(dir);
        assert.equal(reader.get(key), undefined);
        assert.equal(reader.stats().corrupt, 1);
        const fresh = { ...reply, content: '11' };
        await reader.put(key, fresh);
        assert.deepEqual(new ResponseCache(dir).get(key), fresh);
      });
    }
  });

  it('the in-memory layer is bounded: the least recently used reply is the one dropped', async () => {
    const cache = new ResponseCache(dir, { memoryEntries: 2 });
    const keys = [0, 1, 2].map((sample) => keyOf(base, sample));
    for (const key of keys) await cache.put(key, { ...reply, content: key.slice(0, 6) });
    for (const key of keys) await unlink(cache.entryPath(key));
    assert.equal(cache.get(keys[0] as string), undefined, 'the oldest was dropped from memory, and its file is gone');
    assert.equal((cache.get(keys[2] as string))?.content, (keys[2] as string).slice(0, 6), 'the newest is still in memory');
  });
});
