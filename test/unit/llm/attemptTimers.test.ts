import * as assert from 'node:assert/strict';
import type { TestServer } from '../../support/openaiServer';
import { startTestServer } from '../../support/openaiServer';
import { seededRandom } from '../../../src/core/random';
import { ManualClock } from '../../../src/core/llm/clock';
import type { CompletionRequest, ModelClientOptions } from '../../../src/core/llm/client';
import { ModelClient } from '../../../src/core/llm/client';
import { RetriesExhaustedError } from '../../../src/core/llm/errors';
import { validateProfile } from '../../../src/core/llm/profile';
import { eventually, within } from './helpers';

const ask = (content: string): CompletionRequest => ({ messages: [{ role: 'user', content }] });

/** Settles later; says whether it has, and how. */
function track<T>(promise: Promise<T>): { settled: () => boolean; result: Promise<T> } {
  let done = false;
  const result = promise.finally(() => {
    done = true;
  });
  result.catch(() => undefined); // observed by the test through `result`
  return { settled: () => done, result };
}

describe('llm: attempt deadlines and stream idle timeouts', function () {
  this.timeout(15_000);
  let server: TestServer;

  afterEach(() => server.close());

  function makeClient(options: ModelClientOptions): ModelClient {
    return new ModelClient(
      validateProfile({ name: 'sim', model: 'sim-small', baseURL: server.baseURL, concurrency: 8 }),
      { random: seededRandom('attempt-timers'), retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 }, ...options },
    );
  }

  it('calls started at different times each give up at their own deadline, and an idle client keeps no timer', async () => {
    server = await startTestServer({ seed: 3 });
    server.fault({ kind: 'stall', count: Infinity });
    const clock = new ManualClock();
    const client = makeClient({ clock, attemptTimeoutMs: 1000 });

    const first = track(client.complete(ask('first')));
    await eventually(() => server.inFlight() === 1, 'the first call is in flight');
    await clock.advance(400);
    const second = track(client.complete(ask('second')));
    await eventually(() => server.inFlight() === 2, 'the second call is in flight');

    await clock.advance(599); // t = 999: neither is due
    assert.equal(first.settled() || second.settled(), false, 'no call gives up before its deadline');
    await clock.advance(1); // t = 1000: the first is due
    await within(assert.rejects(first.result, (error: unknown) => error instanceof RetriesExhaustedError && /no complete reply within 1000 ms/.test(error.message)), 5000, 'the first call');
    assert.equal(second.settled(), false, 'the second call started 400 ms later and is not due yet');

    await clock.advance(399); // t = 1399
    assert.equal(second.settled(), false);
    await clock.advance(1); // t = 1400
    await within(assert.rejects(second.result, RetriesExhaustedError), 5000, 'the second call');
    await eventually(() => server.inFlight() === 0, 'both stalled requests are closed');
    assert.equal(clock.pendingTimers(), 0, 'with nothing in flight, the client holds no timer');
  });

  it('a call that answers in time is not cut off by the deadline of a call that started before it', async () => {
    server = await startTestServer({ seed: 4 });
    server.fault({ kind: 'stall', count: 1 });
    const clock = new ManualClock();
    const client = makeClient({ clock, attemptTimeoutMs: 1000 });
    const stalled = track(client.complete(ask('stalled')));
    await eventually(() => server.inFlight() === 1, 'the stalled call is in flight');
    await clock.advance(500);
    const answered = await within(client.complete(ask('answered')), 5000, 'the answered call');
    assert.equal(answered.attempts, 1);
    await clock.advance(500);
    await within(assert.rejects(stalled.result, RetriesExhaustedError), 5000, 'the stalled call');
  });

  it('a stream that keeps sending outlives its idle timeout many times over', async () => {
    // 50 ms between events, an idle timeout of 1 s, and a stream of about 2 s: each event must
    // push the idle deadline back, or the call would fail after 1 s.
    server = await startTestServer({ seed: 5, streamChunkIntervalMs: 50 });
    const client = makeClient({ idleTimeoutMs: 1000, attemptTimeoutMs: 60_000 });
    const started = Date.now();
    const result = await within(client.complete({ ...ask('a long stream'), stream: true, max_tokens: 40 }), 10_000, 'the slow stream');
    assert.equal(result.attempts, 1);
    assert.ok(result.finishReason === 'length' || result.finishReason === 'stop');
    assert.ok(Date.now() - started > 1000, 'the stream lasted longer than the idle timeout (else this test proves nothing)');
  });
});
