import * as assert from 'node:assert/strict';
import type { TestServer } from '../../support/openaiServer';
import { startTestServer } from '../../support/openaiServer';
import { seededRandom } from '../../../src/core/random';
import { ManualClock } from '../../../src/core/llm/clock';
import type { CompletionRequest, ModelClientOptions } from '../../../src/core/llm/client';
import { ModelClient } from '../../../src/core/llm/client';
import { RequestThreadPool, findRequestWorkerScript } from '../../../src/core/llm/requestThreads';
import { FatalModelError, ModelCancelledError, RetriesExhaustedError, SchemaMismatchError } from '../../../src/core/llm/errors';
import type { ModelProfile } from '../../../src/core/llm/profile';
import { validateProfile } from '../../../src/core/llm/profile';
import { delay, eventually, within } from './helpers';

const CANARY_KEY = 'sk-canary-7f3a9c1e5b2d4f6a8c0e2b4d6f8a1c3e';

const ask = (content = 'hello'): CompletionRequest => ({ messages: [{ role: 'user', content }] });

// Every case twice: with the `openai` client in this thread, and through the engine's request
// threads (the errors cross a thread and must be sorted, retried and reported the same way).
for (const threaded of [false, true]) describe(`llm: the model client against the test server (${threaded ? 'through request threads' : 'in this thread'})`, function () {
  this.timeout(10_000);
  let server: TestServer;
  let pool: RequestThreadPool | undefined;

  before(async () => {
    server = await startTestServer({ seed: 11 });
    if (threaded) {
      const script = findRequestWorkerScript();
      assert.ok(script, 'the request worker script is found beside its module');
      pool = new RequestThreadPool({ threads: 2, script });
      await pool.ready();
    }
  });
  afterEach(() => server.reset());
  after(async () => {
    await pool?.close();
    await server.close();
  });

  /** A client on the test server with short, seeded waits. */
  function makeClient(profile: Partial<ModelProfile> = {}, options: ModelClientOptions = {}): ModelClient {
    const settings = { apiKey: CANARY_KEY, random: seededRandom('client-test'), retry: { baseDelayMs: 5, maxDelayMs: 50 }, idleTimeoutMs: 2000, attemptTimeoutMs: 5000, ...options };
    const validated = validateProfile({ name: 'sim', model: 'sim-small', baseURL: server.baseURL, apiKeyRef: 'SIM_API_KEY', concurrency: 4, ...profile });
    const send = pool?.sender({ baseURL: validated.baseURL, apiKey: settings.apiKey, concurrency: validated.concurrency, attemptTimeoutMs: settings.attemptTimeoutMs });
    return new ModelClient(validated, { ...settings, ...(send ? { send } : {}) });
  }

  const statuses = () => server.chatRequests().map((r) => r.status);

  it('answers, non-streaming and streaming, with usage, model, attempts and duration', async () => {
    const client = makeClient({ sampling: { temperature: 0.2, top_p: 0.9, max_tokens: 64, seed: 3 } });
    const plain = await client.complete(ask());
    assert.equal(plain.finishReason, 'stop');
    assert.ok(plain.content.length > 0);
    assert.equal(plain.attempts, 1);
    assert.equal(plain.model, 'sim-small');
    assert.ok(plain.usage && plain.usage.totalTokens === plain.usage.promptTokens + plain.usage.completionTokens);
    assert.ok(plain.durationMs >= 0);
    const streamed = await client.complete({ ...ask(), stream: true });
    assert.equal(streamed.finishReason, 'stop');
    assert.ok(streamed.content.length > 0);
    assert.ok(streamed.usage, 'usage comes in the last stream event');
    const body = server.chatRequests()[0]?.body as Record<string, unknown>;
    assert.deepEqual([body.temperature, body.top_p, body.max_tokens, body.seed], [0.2, 0.9, 64, 3], 'the profile sampling defaults are sent');
    assert.equal(server.chatRequests()[0]?.headers['x-stainless-retry-count'], '0');
    // Through the threads: the non-streaming call went there, the stream stayed in this thread.
    if (pool) assert.equal(pool.requestsSent, 1);
  });

  it('a 500/503 burst is retried through, and the attempts are counted', async () => {
    server.fault({ kind: 'status', status: 500 });
    server.fault({ kind: 'status', status: 503 });
    const result = await makeClient().complete(ask());
    assert.equal(result.attempts, 3);
    assert.deepEqual(statuses(), [500, 503, 200]);
  });

  it('gives up after the bounded number of attempts when errors carry no retry-after', async () => {
    server.fault({ kind: 'status', status: 502, count: Infinity });
    await assert.rejects(makeClient({}, { retry: { maxAttempts: 3, baseDelayMs: 1 } }).complete(ask()), (error: unknown) => {
      assert.ok(error instanceof RetriesExhaustedError);
      assert.equal(error.attempts, 3);
      assert.match(error.message, /HTTP 502/);
      return true;
    });
    assert.equal(server.chatRequests().length, 3);
  });

  it('429 with retry-after-ms pauses the whole profile: a second call is not sent before the wait ends', async () => {
    const wait = 400;
    server.fault({ kind: 'rateLimited', retryAfterMs: wait });
    const client = makeClient({ concurrency: 4 });
    const first = client.complete(ask('first'));
    await eventually(() => client.scheduler.pausedUntilTime() > Date.now(), 'the profile is paused');
    const second = client.complete(ask('second'));
    const [a, b] = await Promise.all([first, second]);
    assert.equal(a.attempts, 2);
    assert.equal(b.attempts, 1);
    const chats = server.chatRequests();
    assert.deepEqual(chats.map((r) => r.status), [429, 200, 200]);
    const limitedAt = chats[0]?.time as number;
    for (const later of chats.slice(1)) {
      assert.ok(later.time - limitedAt >= wait * 0.75, `sent ${later.time - limitedAt} ms after the 429, during a ${wait} ms pause`);
    }
  });

  it('a long Retry-After (seconds or HTTP date) is waited out, not given up (on a manual clock)', async () => {
    const clock = new ManualClock();
    const start = clock.now();
    server.fault({ kind: 'status', status: 429, code: 'rate_limit_exceeded', headers: { 'retry-after': '120' } });
    server.fault({ kind: 'status', status: 429, code: 'rate_limit_exceeded', headers: { 'retry-after': new Date(clock.now() + 300_000).toUTCString() } });
    const client = makeClient({}, { clock, retry: { maxAttempts: 1 } });
    const call = client.complete(ask());
    await eventually(() => client.scheduler.pausedUntilTime() > clock.now(), 'the first pause');
    await clock.advance(119_000);
    await delay(50);
    assert.equal(server.chatRequests().length, 1, 'nothing sent during the pause');
    await clock.advance(1_000);
    await eventually(() => server.chatRequests().length === 2, 'the retry after 120 s');
    await eventually(() => client.scheduler.pausedUntilTime() >= start + 299_000, 'the second pause, until the HTTP date');
    await clock.advance(170_000);
    await delay(50);
    assert.equal(server.chatRequests().length, 2, 'nothing sent during the second pause');
    await clock.advance(10_000);
    const result = await call;
    assert.equal(result.attempts, 3);
    assert.deepEqual(statuses(), [429, 429, 200]);
  });

  it('401: fatal at once, no retry, and the key appears nowhere in the error', async () => {
    server.fault({ kind: 'unauthorized', count: Infinity });
    const client = makeClient();
    const error = await client.complete(ask()).then(() => assert.fail('resolved'), (e: unknown) => e);
    assert.ok(error instanceof FatalModelError);
    assert.equal(error.status, 401);
    assert.match(error.message, /SIM_API_KEY/, 'names where the key comes from');
    const everything = [error.message, error.stack ?? '', String(error), JSON.stringify(error), JSON.stringify(Object.entries(error))].join('\n');
    for (const piece of [CANARY_KEY, CANARY_KEY.slice(3, 20), CANARY_KEY.slice(-12)]) assert.ok(!everything.includes(piece), `leaked ${piece}`);
    assert.equal(server.chatRequests().length, 1);
    assert.equal(server.chatRequests()[0]?.headers.authorization, `Bearer ${CANARY_KEY}`, 'the key was sent, only to the server');
    // The profile is stopped: the next call fails at once without a request.
    await assert.rejects(client.complete(ask()), FatalModelError);
    assert.equal(server.chatRequests().length, 1);
  });

  it('429 insufficient_quota: fatal at once, no retry', async () => {
    server.fault({ kind: 'insufficientQuota', count: Infinity });
    await assert.rejects(makeClient().complete(ask()), (error: unknown) => {
      assert.ok(error instanceof FatalModelError);
      assert.equal(error.code, 'insufficient_quota');
      assert.match(error.message, /quota/);
      return true;
    });
    assert.equal(server.chatRequests().length, 1);
  });

  it('a reset connection is retried', async () => {
    server.fault({ kind: 'reset' });
    const result = await makeClient().complete(ask());
    assert.equal(result.attempts, 2);
    assert.equal(server.chatRequests().length, 2);
  });

  it('a malformed stream event and a malformed body are retried', async () => {
    server.fault({ kind: 'malformedJson' });
    const result = await makeClient().complete({ ...ask(), stream: true });
    assert.equal(result.attempts, 2);
    server.fault({ kind: 'malformedJson' });
    assert.equal((await makeClient().complete(ask())).attempts, 2);
  });

  it('a dropped stream is retried, and never returned partial', async () => {
    server.fault({ kind: 'dropStream', afterChunks: 2 });
    const result = await makeClient().complete({ ...ask(), stream: true });
    assert.equal(result.attempts, 2);
    assert.equal(result.finishReason, 'stop');
    assert.equal(server.chatRequests()[0]?.closedEarly, true);

    server.fault({ kind: 'dropStream', afterChunks: 2, count: Infinity });
    await assert.rejects(makeClient({}, { retry: { maxAttempts: 2, baseDelayMs: 1 } }).complete({ ...ask(), stream: true }), RetriesExhaustedError);
  });

  it('a stalled stream hits the idle timeout and is retried', async () => {
    server.fault({ kind: 'stall', afterChunks: 1 });
    const result = await within(makeClient({}, { idleTimeoutMs: 150 }).complete({ ...ask(), stream: true }), 5000, 'the stalled call');
    assert.equal(result.attempts, 2);
    assert.equal(result.finishReason, 'stop');
    await eventually(() => server.inFlight() === 0, 'the stalled request is closed');
  });

  it('a stalled non-streaming reply hits the attempt deadline and is retried', async () => {
    server.fault({ kind: 'stall' });
    const result = await within(makeClient({}, { attemptTimeoutMs: 200 }).complete(ask()), 5000, 'the stalled call');
    assert.equal(result.attempts, 2);
  });

  it('an abort mid-call rejects promptly, and the server receives nothing after', async () => {
    server.fault({ kind: 'stall', afterChunks: 1, count: Infinity });
    const controller = new AbortController();
    const call = makeClient().complete({ ...ask(), stream: true }, { signal: controller.signal });
    await eventually(() => server.inFlight() === 1, 'the request is in flight');
    const abortedAt = Date.now();
    controller.abort();
    await within(assert.rejects(call, ModelCancelledError), 1000, 'the cancelled call');
    assert.ok(Date.now() - abortedAt < 1000);
    await eventually(() => server.inFlight() === 0, 'the server sees the client go away');
    await delay(100);
    assert.equal(server.chatRequests().length, 1);
  });

  it('an abort of a non-streaming call in flight rejects promptly, and the request is closed', async () => {
    server.fault({ kind: 'stall', count: Infinity });
    const controller = new AbortController();
    const call = makeClient().complete(ask(), { signal: controller.signal });
    await eventually(() => server.inFlight() === 1, 'the request is in flight');
    controller.abort();
    await within(assert.rejects(call, ModelCancelledError), 1000, 'the cancelled call');
    await eventually(() => server.inFlight() === 0, 'the server sees the client go away');
    await delay(100);
    assert.equal(server.chatRequests().length, 1);
  });

  it('an abort during a backoff wait rejects promptly and sends no new attempt', async () => {
    server.fault({ kind: 'status', status: 500, count: Infinity });
    const controller = new AbortController();
    const call = makeClient({}, { retry: { baseDelayMs: 60_000, maxDelayMs: 60_000 } }).complete(ask(), { signal: controller.signal });
    await eventually(() => server.chatRequests().some((r) => r.status === 500), 'the first 500');
    await delay(20);
    controller.abort();
    await within(assert.rejects(call, ModelCancelledError), 1000, 'the cancelled call');
    await delay(100);
    assert.equal(server.chatRequests().length, 1);
  });

  it('an abort while queued behind a pause sends nothing', async () => {
    const clock = new ManualClock();
    const client = makeClient({}, { clock });
    client.scheduler.pause(60_000);
    const controller = new AbortController();
    const call = client.complete(ask(), { signal: controller.signal });
    await delay(20);
    controller.abort();
    await within(assert.rejects(call, ModelCancelledError), 1000, 'the cancelled call');
    await clock.advance(60_000);
    await delay(50);
    assert.equal(server.chatRequests().length, 0);
  });

  it('requests per minute are respected (on a manual clock)', async () => {
    const clock = new ManualClock();
    const client = makeClient({ requestsPerMinute: 2, concurrency: 10 }, { clock });
    const calls = [1, 2, 3, 4].map((i) => client.complete(ask(`call ${i}`)));
    await eventually(() => server.chatRequests().length === 2, 'the first two calls');
    await delay(100);
    assert.equal(server.chatRequests().length, 2, 'the window holds the others');
    // The first two ended at once (the server answers without delay); a minute later both places free.
    await clock.advance(59_999);
    await delay(100);
    assert.equal(server.chatRequests().length, 2, 'not before the minute is over');
    await clock.advance(1);
    const results = await Promise.all(calls);
    assert.equal(server.chatRequests().length, 4);
    assert.ok(results.every((r) => r.attempts === 1));
  });

  it('the concurrency limit is respected', async () => {
    server.setLatency(30);
    const client = makeClient({ concurrency: 2 });
    let peak = 0;
    const probe = setInterval(() => {
      peak = Math.max(peak, server.inFlight());
    }, 1);
    try {
      const results = await Promise.all([1, 2, 3, 4, 5, 6].map((i) => client.complete(ask(`call ${i}`))));
      assert.equal(results.length, 6);
    } finally {
      clearInterval(probe);
    }
    assert.ok(peak <= 2, `peak in flight ${peak}`);
    assert.ok(peak >= 1);
    assert.equal(server.chatRequests().length, 6);
  });

  describe('replies that must match a JSON schema', () => {
    const schema = {
      type: 'object',
      properties: { verdict: { type: 'string', enum: ['A', 'B'] }, confidence: { type: 'number' } },
      required: ['verdict', 'confidence'],
      additionalProperties: false,
    };
    const judged = (stream = false): CompletionRequest => ({ ...ask('which is better?'), stream, jsonSchema: { name: 'verdict', schema } });

    it('a violation is asked again, and the conforming reply returned', async () => {
      server.fault({ kind: 'schemaViolation', mode: 'missingRequired' });
      server.fault({ kind: 'schemaViolation', mode: 'wrongType' });
      const result = await makeClient().complete(judged());
      assert.equal(result.attempts, 3);
      const value = JSON.parse(result.content) as { verdict: string };
      assert.ok(['A', 'B'].includes(value.verdict));
      const format = (server.chatRequests()[0]?.body as { response_format?: { type?: string } }).response_format;
      assert.equal(format?.type, 'json_schema');
    });

    it('after the bounded re-asks, a typed error on the row, never a result', async () => {
      server.fault({ kind: 'schemaViolation', mode: 'notJson', count: Infinity });
      await assert.rejects(makeClient({}, { maxSchemaAttempts: 2 }).complete(judged(true)), (error: unknown) => {
        assert.ok(error instanceof SchemaMismatchError);
        assert.equal(error.attempts, 2);
        assert.match(error.message, /not valid JSON/);
        return true;
      });
      assert.equal(server.chatRequests().length, 2);
    });
  });
});
