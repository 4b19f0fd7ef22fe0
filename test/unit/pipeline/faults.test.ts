/**
 * Faults of the model service during a generate run, each against the test server: transient ones
 * are retried through, persistent ones fail only their row (recorded with a clear message), fatal
 * ones stop the run at once; in every case no input row is lost or duplicated.
 */
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ManualClock } from '../../../src/core/llm/clock';
import type { ModelEngine } from '../../../src/core/llm/engine';
import { runGenerateBatch } from '../../../src/core/pipeline/generateBatch';
import { InputRowKeys } from '../../../src/core/pipeline/inputKeys';
import type { BatchSummary } from '../../../src/core/pipeline/types';
import type { GenerateSettings } from '../../../src/core/tasks/types';
import { startTestServer, type FaultSpec, type TestServer } from '../../support/openaiServer';
import { delay, eventually } from '../llm/helpers';
import { distinctAnswer, readFailures, readJsonl, sourceOf, testEngine, writeJsonl, type FailedRecord, type TestEngineOptions } from './support';

const ROWS = 12;
/** The row that a persistent fault hits (line 4). */
const DOOMED = 3;
const rows = Array.from({ length: ROWS }, (_, i) => ({ prompt: `Question ${i}: name a thing <<q${i}>>.` }));
const inputKeys = (() => {
  const keys = new InputRowKeys();
  return rows.map((row) => keys.next(row));
})();
const settings: GenerateSettings = { n: 2, output: 'sft', seed: 1, temperature: 0.7 };

describe('pipeline: faults during a generate run', function () {
  this.timeout(30_000);
  let server: TestServer;
  let dir: string;
  let input: string;
  let output: string;

  before(async () => {
    server = await startTestServer({ seed: 3 });
  });
  after(() => server.close());
  beforeEach(() => {
    server.addRule({ name: 'distinct', reply: distinctAnswer });
    dir = mkdtempSync(path.join(tmpdir(), 'distillery-faults-'));
    input = path.join(dir, 'in.jsonl');
    output = path.join(dir, 'out.jsonl');
    writeJsonl(input, rows);
  });
  afterEach(() => {
    server.reset();
    rmSync(dir, { recursive: true, force: true });
  });

  function run(engine: ModelEngine, signal?: AbortSignal): Promise<BatchSummary> {
    return runGenerateBatch({ input, output, teachers: [engine.model('teacher-a')], settings, concurrency: 4, ...(signal ? { signal } : {}) });
  }

  /**
   * No input row lost or duplicated: each is in the output (all n of its rows, once each) or in the
   * errors file (once), never both. With `complete`, every row is one or the other.
   */
  function checkRows(complete: boolean): { done: string[]; failed: FailedRecord[] } {
    const out = readJsonl(output);
    const keys = out.map((row) => sourceOf(row).key);
    assert.equal(new Set(keys).size, keys.length, 'no output row twice');
    const byInput = new Map<string, number>();
    for (const row of out) byInput.set(sourceOf(row).input, (byInput.get(sourceOf(row).input) ?? 0) + 1);
    for (const [key, count] of byInput) {
      assert.ok(inputKeys.includes(key), `an output row of no input row: ${key}`);
      assert.equal(count, settings.n, `input ${key}: all of its samples`);
    }
    const failed = readFailures(output);
    assert.equal(new Set(failed.map((failure) => failure.key)).size, failed.length, 'no failure twice');
    for (const failure of failed) {
      assert.ok(!byInput.has(failure.key), `row ${failure.line} is both written and failed`);
      const index = inputKeys.indexOf(failure.key);
      assert.ok(index >= 0, `a failure of no input row: ${failure.key}`);
      assert.equal(failure.line, index + 1);
      assert.deepEqual(failure.row, rows[index], 'the failed row is recorded as it was');
    }
    if (complete) assert.equal(byInput.size + failed.length, ROWS, 'every input row is written or failed');
    return { done: [...byInput.keys()], failed };
  }

  /** A transient fault on some requests, and the same fault for good on one row's requests. */
  async function transientAndPersistent(fault: FaultSpec, message: RegExp, options: TestEngineOptions = {}): Promise<void> {
    // The persistent fault comes first, so the burst never lands on the doomed row.
    server.fault({ ...fault, count: Infinity, match: { marker: `<<q${DOOMED}>>` } } as FaultSpec);
    server.fault({ ...fault, count: 3 } as FaultSpec);
    const summary = await run(testEngine(server, dir, options));
    assert.equal(summary.stoppedBy, undefined);
    assert.equal(summary.done, ROWS - 1);
    assert.equal(summary.failed, 1);
    const { failed } = checkRows(true);
    assert.equal(failed.length, 1);
    assert.equal(failed[0]?.line, DOOMED + 1);
    assert.equal(failed[0]?.fatal, undefined);
    assert.match(failed[0]?.error ?? '', message);
    assert.ok(server.chatRequests().some((request) => request.fault === fault.kind && !request.rawBody.includes(`<<q${DOOMED}>>`)), 'the burst hit other rows too');

    // The next run retries the failed row only.
    server.clearFaults();
    const sent = server.chatRequests().length;
    const again = await run(testEngine(server, dir, options));
    assert.equal(again.resumed, ROWS - 1);
    assert.equal(again.failed, 0);
    assert.equal(again.errorsFile, undefined);
    assert.equal(server.chatRequests().length - sent, settings.n, 'only the failed row is asked again');
    checkRows(true);
    assert.equal(readFailures(output).length, 0);
  }

  it('500 bursts: retried through; a row that always gets 500 is recorded', async () => {
    await transientAndPersistent({ kind: 'status', status: 500 }, /teacher-a sample \d: .*gave up after 3 attempts.*500/);
  });

  it('connection resets: retried through; a row whose connection always resets is recorded', async () => {
    await transientAndPersistent({ kind: 'reset' }, /gave up after 3 attempts; last error: .*(connect|reset|socket|terminated|fetch failed)/i);
  });

  it('a reply dropped mid-way: never taken, retried; a row always dropped is recorded', async () => {
    await transientAndPersistent({ kind: 'dropStream' }, /gave up after 3 attempts/);
  });

  it('a stalled reply: the attempt deadline retries it; a row that always stalls is recorded', async () => {
    await transientAndPersistent({ kind: 'stall' }, /gave up after 3 attempts; last error: no complete reply within 250 ms/, { client: { attemptTimeoutMs: 250 } });
  });

  it('a malformed body: retried; a row that always gets one is recorded', async () => {
    await transientAndPersistent({ kind: 'malformedJson' }, /gave up after 3 attempts/);
  });

  it('429 with Retry-After 1 s: the profile waits, then every row is done', async () => {
    server.fault({ kind: 'rateLimited', retryAfterMs: 1000 });
    const summary = await run(testEngine(server, dir));
    assert.equal(summary.done, ROWS);
    assert.equal(summary.failed, 0);
    checkRows(true);
    const chats = server.chatRequests();
    const limited = chats.find((request) => request.status === 429);
    assert.ok(limited, 'a 429 was answered');
    assert.equal(limited.responseHeaders['retry-after'], '1');
    assert.equal(chats.length, ROWS * settings.n + 1, 'the limited request was sent again once');
  });

  it('429 with Retry-After 120 s (a manual clock): nothing is sent during the wait, then every row is done', async () => {
    const clock = new ManualClock();
    server.fault({ kind: 'status', status: 429, code: 'rate_limit_exceeded', headers: { 'retry-after': '120' } });
    // One call at a time, so the pause holds everything after the 429.
    const engine = testEngine(server, dir, { clock, profiles: [{ concurrency: 1 }] });
    const controller = new AbortController();
    const running = run(engine, controller.signal);
    try {
      await eventually(() => server.chatRequests().some((request) => request.status === 429), 'the 429');
      // Time moves only when no request is in flight, so no attempt deadline can fire on a live request.
      await delay(100);
      await eventually(() => server.inFlight() === 0, 'no request in flight');
      for (let second = 1; second < 120; second++) await clock.advance(1_000);
      await delay(50);
      // The queue holds every call, the ones already waiting included.
      assert.deepEqual(server.chatRequests().map((request) => request.status), [429], 'nothing sent during the 120 s pause');
    } catch (error) {
      // Leave no run behind on a clock that no longer moves.
      controller.abort();
      await running;
      throw error;
    }
    await clock.advance(1_000);
    const summary = await running;
    assert.equal(summary.done, ROWS);
    assert.equal(summary.failed, 0);
    checkRows(true);
    assert.equal(server.chatRequests().length, ROWS * settings.n + 1);
  });

  for (const [name, fault, message] of [
    ['insufficient_quota', { kind: 'insufficientQuota' }, /no quota left \(HTTP 429 insufficient_quota\)/],
    ['401', { kind: 'unauthorized' }, /refused the key \(HTTP 401.*SIM_API_KEY/],
  ] as const) {
    it(`${name}: the run stops at once, the row is recorded as fatal, and a later run finishes the rest`, async () => {
      // The first rows are answered; then every request is refused.
      server.setLatency(10);
      server.fault({ ...fault, count: Infinity, match: { predicate: (request) => !/<<q[0-4]>>/.test(request.messages.at(-1)?.content ?? '') } } as FaultSpec);
      const summary = await run(testEngine(server, dir));
      assert.equal(summary.stoppedBy, 'fatal');
      assert.match(summary.fatal ?? '', message);
      const { done, failed } = checkRows(false);
      assert.ok(failed.length >= 1);
      assert.ok(failed.every((failure) => failure.fatal === true && message.test(failure.error)), JSON.stringify(failed));
      assert.ok(done.length + failed.length < ROWS, 'the rows after the stop are neither written nor failed');
      assert.equal(summary.written, done.length * settings.n);
      const refused = server.chatRequests().filter((request) => request.fault !== undefined).length;
      assert.ok(refused <= 8, `${refused} refused requests: the stop is at once (at most the ones in flight)`);
      const sent = server.chatRequests().length;
      await delay(100);
      assert.equal(server.chatRequests().length, sent, 'nothing sent after the stop');
      assert.ok(done.length >= 1, 'the rows answered before the refusal are kept');

      server.clearFaults();
      const again = await run(testEngine(server, dir));
      assert.equal(again.stoppedBy, undefined);
      assert.equal(again.resumed, done.length);
      assert.equal(again.done, ROWS);
      checkRows(true);
      assert.equal(readFailures(output).length, 0);
    });
  }
});
