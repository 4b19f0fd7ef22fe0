import * as assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { TestServer } from '../../support/openaiServer';
import { startTestServer } from '../../support/openaiServer';
import { seededRandom } from '../../../src/core/random';
import type { CompletionRequest } from '../../../src/core/llm/client';
import type { ModelEngineOptions } from '../../../src/core/llm/engine';
import { ModelEngine, OriginNotApprovedError } from '../../../src/core/llm/engine';
import { FatalModelError, ModelCancelledError, SchemaMismatchError } from '../../../src/core/llm/errors';
import type { ModelProfile } from '../../../src/core/llm/profile';
import { validateProfile } from '../../../src/core/llm/profile';
import { ManualClock } from '../../../src/core/llm/clock';
import { delay, eventually, within } from './helpers';

const KEY_A = 'sk-engine-test-key-a-0123456789';
const ask = (content: string): CompletionRequest => ({ messages: [{ role: 'user', content }] });

/** Every entry file under the cache directory. */
async function cacheFiles(dir: string): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => [])) {
    if (entry.isFile()) files.push(path.join(entry.parentPath, entry.name));
  }
  return files;
}

describe('llm: the model engine against the test server', function () {
  this.timeout(15_000);
  let serverA: TestServer;
  let serverB: TestServer;
  let dir: string;
  const engines: ModelEngine[] = [];

  before(async () => {
    serverA = await startTestServer({ seed: 1 });
    serverB = await startTestServer({ seed: 2 });
  });
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'distillery-engine-test-'));
  });
  afterEach(async () => {
    for (const engine of engines.splice(0)) engine.dispose();
    serverA.reset();
    serverB.reset();
    await rm(dir, { recursive: true, force: true });
  });
  after(async () => {
    await serverA.close();
    await serverB.close();
  });

  const profileA = (fields: Partial<ModelProfile> = {}): ModelProfile =>
    validateProfile({ name: 'a', model: 'sim-small', baseURL: serverA.baseURL, apiKeyRef: 'KEY_A', concurrency: 4, pricePerMillionInput: 1, pricePerMillionOutput: 2, ...fields });
  const profileB = (fields: Partial<ModelProfile> = {}): ModelProfile =>
    validateProfile({ name: 'b', model: 'sim-large', baseURL: serverB.baseURL, concurrency: 4, ...fields });

  function makeEngine(options: Partial<ModelEngineOptions> = {}): ModelEngine {
    const engine = new ModelEngine({
      profiles: [profileA(), profileB()],
      keyFor: (profile) => (profile.apiKeyRef === 'KEY_A' ? KEY_A : undefined),
      cacheDirectory: dir,
      client: { random: seededRandom('engine-test'), retry: { baseDelayMs: 2, maxDelayMs: 20 }, idleTimeoutMs: 2000, attemptTimeoutMs: 5000 },
      ...options,
    });
    engines.push(engine);
    return engine;
  }

  const prompts = ['one', 'two', 'three'];

  it('two profiles on two servers: each asks its own, with its own key or none; a cached re-run sends nothing and costs nothing', async () => {
    const first = makeEngine();
    const results = await Promise.all(prompts.flatMap((p) => [first.model('a').complete(ask(p)), first.model('b').complete(ask(p))]));
    assert.equal(serverA.chatRequests().length, 3);
    assert.equal(serverB.chatRequests().length, 3);
    assert.ok(serverA.chatRequests().every((r) => r.headers.authorization === `Bearer ${KEY_A}` && (r.body as { model: string }).model === 'sim-small'));
    assert.ok(serverB.chatRequests().every((r) => !('authorization' in r.headers) && (r.body as { model: string }).model === 'sim-large'),
      'a profile without a key sends no Authorization header at all');
    assert.ok(results.every((r) => !r.cached && r.attempts === 1));

    // Cost of the run: profile a is priced, b is not.
    const costA = results.filter((r) => r.profile === 'a').map((r) => r.costUsd as number);
    const usageA = serverA.chatRequests().map((r) => r.usage);
    const expected = usageA.reduce((sum, u) => sum + ((u?.prompt_tokens ?? 0) * 1 + (u?.completion_tokens ?? 0) * 2) / 1e6, 0);
    assert.ok(Math.abs(costA.reduce((s, c) => s + c, 0) - expected) < 1e-12);
    assert.ok(results.filter((r) => r.profile === 'b').every((r) => r.costUsd === undefined));
    const summary = first.ledger.summary();
    assert.deepEqual(summary.profiles.map((p) => [p.profile, p.requests, p.cached, p.failed]), [['a', 3, 0, 0], ['b', 3, 0, 0]]);
    assert.ok(Math.abs((summary.profiles[0]?.costUsd ?? NaN) - expected) < 1e-12);
    assert.equal(summary.total.costUsd, undefined, 'b has no prices: the run total is unknown');
    assert.equal((await cacheFiles(dir)).length, 6);

    const second = makeEngine();
    const replay = await Promise.all(prompts.flatMap((p) => [second.model('a').complete(ask(p)), second.model('b').complete(ask(p))]));
    assert.equal(serverA.chatRequests().length + serverB.chatRequests().length, 6, 'the re-run sent no request');
    assert.deepEqual(replay.map((r) => r.content), results.map((r) => r.content));
    assert.ok(replay.every((r) => r.cached && r.costUsd === 0 && r.attempts === 0));
    assert.deepEqual(second.ledger.summary().profiles.map((p) => [p.profile, p.requests, p.cached, p.completionTokens]), [['a', 0, 3, 0], ['b', 0, 3, 0]]);
    assert.equal(second.ledger.summary().total.costUsd, 0);
  });

  it('each sample index is its own entry; a re-run of n samples sends nothing', async () => {
    const engine = makeEngine();
    const samples = await Promise.all([0, 1, 2].map((sample) => engine.model('a').complete(ask('sample me'), { sample })));
    assert.equal(serverA.chatRequests().length, 3);
    assert.equal(new Set(samples.map((s) => s.content)).size, 3, 'the server samples again for a repeated prompt');
    const again = await Promise.all([0, 1, 2].map((sample) => makeEngine().model('a').complete(ask('sample me'), { sample })));
    assert.deepEqual(again.map((s) => s.content), samples.map((s) => s.content));
    assert.equal(serverA.chatRequests().length, 3);
  });

  it("cache 'off' always sends, and the fresh reply replaces the stored one", async () => {
    const first = await makeEngine().model('a').complete(ask('refresh me'));
    const fresh = await makeEngine().model('a').complete(ask('refresh me'), { cache: 'off' });
    assert.equal(serverA.chatRequests().length, 2);
    assert.notEqual(fresh.content, first.content);
    assert.equal(fresh.cached, false);
    const offByDefault = await makeEngine({ cacheMode: 'off' }).model('a').complete(ask('refresh me'));
    assert.equal(serverA.chatRequests().length, 3, "the engine's default mode 'off' sends too");
    const replay = await makeEngine().model('a').complete(ask('refresh me'));
    assert.equal(serverA.chatRequests().length, 3);
    assert.equal(replay.content, offByDefault.content, 'the latest reply is the one stored');
  });

  it('a corrupt entry is ignored: the call is sent, and the entry rewritten so the next run replays it', async () => {
    await makeEngine().model('a').complete(ask('corrupt me'));
    const [file] = await cacheFiles(dir);
    assert.ok(file);
    await writeFile(file, '{"v":1,"key":"tru');
    const answer = await makeEngine().model('a').complete(ask('corrupt me'));
    assert.equal(serverA.chatRequests().length, 2);
    assert.ok(JSON.parse(await readFile(file, 'utf8')), 'rewritten as valid JSON');
    const replay = await makeEngine().model('a').complete(ask('corrupt me'));
    assert.equal(serverA.chatRequests().length, 2);
    assert.equal(replay.content, answer.content);
  });

  it('a reply that breaks the JSON schema is never stored, and counts as a failure', async () => {
    serverA.fault({ kind: 'schemaViolation', count: Infinity });
    const engine = makeEngine({ client: { maxSchemaAttempts: 2, retry: { baseDelayMs: 1 } } });
    const request: CompletionRequest = { ...ask('give json'), jsonSchema: { name: 'answer', schema: { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] } } };
    await assert.rejects(engine.model('a').complete(request), SchemaMismatchError);
    assert.deepEqual(await cacheFiles(dir), []);
    assert.equal(engine.ledger.summary().total.failed, 1);
    serverA.clearFaults();
    const good = await engine.model('a').complete(request);
    assert.deepEqual(Object.keys(JSON.parse(good.content) as object), ['n']);
    assert.equal((await cacheFiles(dir)).length, 1);
  });

  it('beforeFirstRequest: asked once per origin; a refusal fails the call naming the origin, and nothing is sent', async () => {
    const asked: string[] = [];
    const engine = makeEngine({
      beforeFirstRequest: async (origin) => {
        asked.push(origin);
        return origin !== new URL(serverA.baseURL).origin;
      },
    });
    const calls = await Promise.allSettled([engine.model('a').complete(ask('x')), engine.model('a').complete(ask('y')), engine.model('b').complete(ask('z'))]);
    assert.equal(calls[0]?.status, 'rejected');
    const error = (calls[0] as PromiseRejectedResult).reason as unknown;
    assert.ok(error instanceof OriginNotApprovedError && error instanceof FatalModelError);
    assert.ok(error.message.includes(new URL(serverA.baseURL).origin));
    assert.equal(calls[1]?.status, 'rejected');
    assert.equal(calls[2]?.status, 'fulfilled');
    assert.equal(serverA.requests.length, 0, 'nothing reached the refused origin');
    assert.equal(serverB.chatRequests().length, 1);
    assert.deepEqual(asked.sort(), [new URL(serverA.baseURL).origin, new URL(serverB.baseURL).origin].sort());
    await assert.rejects(engine.model('a').complete(ask('later')), OriginNotApprovedError);
    assert.equal(asked.length, 2, 'a refusal is remembered, not asked again for every row');
    assert.equal(engine.ledger.summary().total.failed, 0, 'nothing was sent, so nothing failed at the service');
  });

  it('takes the key from an async source (the editor: SecretStorage), asking it once per profile', async () => {
    let lookups = 0;
    const engine = makeEngine({
      keyFor: async () => {
        lookups++;
        await new Promise((resolve) => setTimeout(resolve, 5));
        return KEY_A;
      },
    });
    await Promise.all(prompts.map((p) => engine.model('b').complete(ask(p))));
    assert.equal(lookups, 1);
    assert.ok(serverB.chatRequests().every((r) => r.headers.authorization === `Bearer ${KEY_A}`));
  });

  it('a cached answer needs neither the key nor approval nor the network', async () => {
    await makeEngine().model('a').complete(ask('cached'));
    const engine = makeEngine({
      keyFor: () => assert.fail('the key was read for a cached answer'),
      beforeFirstRequest: () => assert.fail('approval was asked for a cached answer'),
    });
    assert.equal((await engine.model('a').complete(ask('cached'))).cached, true);
  });

  it('names the known profiles for an unknown one; refuses duplicate names', () => {
    assert.throws(() => makeEngine().model('c'), /no model profile named "c" \(known: a, b\)/);
    assert.throws(() => new ModelEngine({ profiles: [profileA(), profileA()], keyFor: () => undefined }), /two model profiles are named "a"/);
  });

  it('a cache that cannot be written is a warning, not a failed call', async () => {
    const blocked = path.join(dir, 'not-a-directory');
    await writeFile(blocked, 'a file where the cache directory should be');
    const warnings: string[] = [];
    const engine = makeEngine({ cacheDirectory: blocked, log: (message) => warnings.push(message) });
    const answer = await engine.model('a').complete(ask('unwritable'));
    assert.equal(answer.cached, false);
    assert.ok(answer.content.length > 0);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] as string, /^response cache: could not store a reply of profile "a" \(E[A-Z]+\); the run goes on$/);
    assert.equal(engine.ledger.summary().total.failed, 0);
  });

  it('runs without a cache directory: every call is sent', async () => {
    const engine = makeEngine({ cacheDirectory: undefined });
    await engine.model('a').complete(ask('no cache'));
    await engine.model('a').complete(ask('no cache'));
    assert.equal(serverA.chatRequests().length, 2);
    assert.deepEqual(await cacheFiles(dir), []);
  });

  it('dispose stops calls in flight promptly, and later calls fail without sending', async () => {
    serverA.fault({ kind: 'stall', count: Infinity });
    const engine = makeEngine();
    const call = engine.model('a').complete(ask('stall'));
    await eventually(() => serverA.chatRequests().length === 1, 'the request reached the server');
    engine.dispose();
    await within(assert.rejects(call, ModelCancelledError), 2000, 'the cancelled call');
    await assert.rejects(engine.model('a').complete(ask('after')), ModelCancelledError);
    assert.equal(serverA.chatRequests().length, 1);
  });

  it("a caller's signal: aborting it cancels the call, dispose cancels calls that carry one, and it carries one listener however many calls", async () => {
    const engine = makeEngine({ cacheMode: 'off' });
    const run = new AbortController();
    // Many calls under one long-lived run signal (as a batch passes): one listener serves them all,
    // so that nothing grows with the calls (and no call pays for a scan of the others' listeners).
    await Promise.all(prompts.map((p) => engine.model('a').complete(ask(p), { signal: run.signal })));
    assert.equal(getEventListeners(run.signal, 'abort').length, 1, 'one listener for every call');
    await Promise.all(prompts.map((p) => engine.model('a').complete(ask(`${p} again`), { signal: run.signal })));
    assert.equal(getEventListeners(run.signal, 'abort').length, 1, 'still one after more calls');

    serverA.fault({ kind: 'stall', count: Infinity });
    const byCaller = engine.model('a').complete(ask('stall 1'), { signal: run.signal });
    await eventually(() => serverA.inFlight() === 1, 'the first stalled request is in flight');
    run.abort();
    await within(assert.rejects(byCaller, ModelCancelledError), 2000, 'the call cancelled by its caller');

    const other = new AbortController();
    const byDispose = engine.model('a').complete(ask('stall 2'), { signal: other.signal });
    await eventually(() => serverA.inFlight() === 1, 'the second stalled request is in flight');
    engine.dispose();
    await within(assert.rejects(byDispose, ModelCancelledError), 2000, 'the call cancelled by dispose');
    assert.ok(getEventListeners(other.signal, 'abort').length <= 1, 'at most the one shared listener');
    assert.equal(other.signal.aborted, false, "dispose does not abort the caller's own signal");
  });

  it('a call queued behind a 429 with Retry-After is not sent before the wait ends (on a manual clock)', async () => {
    const clock = new ManualClock();
    serverA.fault({ kind: 'status', status: 429, code: 'rate_limit_exceeded', headers: { 'retry-after': '120' } });
    const engine = makeEngine({ clock, profiles: [profileA({ concurrency: 1 })] });
    // Both calls queue at once; the second waits for the permit the first gives back after its 429.
    const calls = Promise.all([engine.model('a').complete(ask('first')), engine.model('a').complete(ask('second'))]);
    await eventually(() => serverA.chatRequests().some((r) => r.status === 429), 'the 429');
    await delay(50);
    await clock.advance(119_000);
    await delay(50);
    assert.deepEqual(serverA.chatRequests().map((r) => r.status), [429], 'nothing sent during the 120 s pause');
    await clock.advance(1_000);
    const [first, second] = await within(calls, 5000, 'both calls after the pause');
    assert.equal(first.attempts + second.attempts, 3);
    assert.deepEqual(serverA.chatRequests().map((r) => r.status), [429, 200, 200]);
  });

  it('a 401 stops the profile: counted once as failed, later calls fail at once without a request', async () => {
    serverA.fault({ kind: 'unauthorized', count: Infinity });
    const engine = makeEngine();
    await assert.rejects(engine.model('a').complete(ask('x')), FatalModelError);
    await assert.rejects(engine.model('a').complete(ask('y')), FatalModelError);
    assert.equal(serverA.chatRequests().length, 1);
    assert.deepEqual([engine.ledger.summary().total.requests, engine.ledger.summary().total.failed], [1, 1]);
  });
});
