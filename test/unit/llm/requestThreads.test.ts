import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import OpenAI from 'openai';
import type { TestServer } from '../../support/openaiServer';
import { startTestServer } from '../../support/openaiServer';
import { ModelClient } from '../../../src/core/llm/client';
import { ModelEngine } from '../../../src/core/llm/engine';
import { validateProfile } from '../../../src/core/llm/profile';
import { describeError, rebuildError } from '../../../src/core/llm/requestThreadProtocol';
import { RequestThreadPool } from '../../../src/core/llm/requestThreads';
import { classify } from '../../../src/core/llm/retry';
import { seededRandom } from '../../../src/core/random';

const SUPPORT = path.resolve(__dirname, '../../support/requestThreads');
const ROOT = path.resolve(__dirname, '../../..');

describe('llm: request threads', function () {
  this.timeout(30_000);
  let server: TestServer;
  let dir: string;

  before(async () => {
    server = await startTestServer({ seed: 21 });
    dir = await mkdtemp(path.join(tmpdir(), 'distillery-threads-'));
  });
  afterEach(() => server.reset());
  after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('an error crosses the thread as the same class, sorted by the retry rules exactly as where it was thrown', () => {
    const now = Date.parse('2026-11-24T12:00:00Z');
    const socketClosed = Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' });
    const errors: unknown[] = [
      OpenAI.APIError.generate(429, { error: { message: 'slow down', code: 'rate_limit_exceeded' } }, undefined, new Headers({ 'retry-after-ms': '1500' })),
      OpenAI.APIError.generate(429, { error: { message: 'no credit', code: 'insufficient_quota', type: 'insufficient_quota' } }, undefined, new Headers()),
      OpenAI.APIError.generate(401, { error: { message: 'bad key' } }, undefined, new Headers()),
      OpenAI.APIError.generate(400, { error: { message: 'max_tokens is too large' } }, undefined, new Headers()),
      OpenAI.APIError.generate(503, undefined, 'upstream down', new Headers({ 'retry-after': 'Tue, 24 Nov 2026 12:02:00 GMT' })),
      new OpenAI.APIConnectionError({ message: 'Connection error.', cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }) }),
      new OpenAI.APIUserAbortError(),
      new TypeError('terminated', { cause: socketClosed }),
      new SyntaxError('Unexpected token < in JSON at position 0'),
      new RangeError('something else entirely'),
    ];
    for (const error of errors) {
      // Through a structured clone, as postMessage carries it.
      const rebuilt = rebuildError(structuredClone(describeError(error)));
      const label = (error as Error).constructor.name;
      assert.equal(rebuilt.constructor, (error as Error).constructor, `${label}: the same class`);
      assert.equal(rebuilt.message, (error as Error).message, `${label}: the same message`);
      assert.deepEqual(classify(rebuilt, now), classify(error, now), `${label}: the same verdict`);
    }
    // The verdicts are not all alike (the comparison above is not vacuous).
    const kinds = new Set(errors.map((error) => classify(error, now).kind));
    assert.deepEqual([...kinds].sort(), ['fatal', 'reject', 'retry']);
    assert.equal((classify(errors[0], now) as { retryAfterMs?: number }).retryAfterMs, 1500);
    assert.equal((classify(errors[4], now) as { retryAfterMs?: number }).retryAfterMs, 120_000);
  });

  it('a thread that dies with a request in flight: the call is retried on a new thread and answered once', async () => {
    process.env.DISTILLERY_TEST_CRASH_MARKER = path.join(dir, 'crashed');
    const pool = new RequestThreadPool({ threads: 1, script: { file: path.join(SUPPORT, 'crashOnFirstSend.ts'), typescript: true } });
    try {
      const profile = validateProfile({ name: 'sim', model: 'sim-small', baseURL: server.baseURL, concurrency: 4 });
      const client = new ModelClient(profile, {
        random: seededRandom('threads'),
        retry: { baseDelayMs: 5, maxDelayMs: 20 },
        send: pool.sender({ baseURL: profile.baseURL, apiKey: undefined, concurrency: 4, attemptTimeoutMs: 10_000 }),
      });
      const result = await client.complete({ messages: [{ role: 'user', content: 'survive a crash' }] });
      assert.equal(result.finishReason, 'stop');
      assert.equal(result.attempts, 2, 'the first attempt died with its thread');
      assert.equal(server.chatRequests().length, 1, 'the dead thread had sent nothing; the new one sent it once');
      assert.equal(pool.requestsSent, 2);
    } finally {
      delete process.env.DISTILLERY_TEST_CRASH_MARKER;
      await pool.close();
    }
  });

  it('calls aborted while their requests wait for their turn in the thread are never sent', async () => {
    server.setLatency(200);
    const pool = new RequestThreadPool({ threads: 1, script: { file: path.join(ROOT, 'src/core/llm/requestWorker.ts'), typescript: true } });
    try {
      await pool.ready();
      const send = pool.sender({ baseURL: server.baseURL, apiKey: undefined, concurrency: 64, attemptTimeoutMs: 10_000 });
      const params = { model: 'sim-small', messages: [{ role: 'user' as const, content: 'never mind' }] };
      const cancel = new AbortController();
      // The thread starts one request per turn of its event loop: most of these are still waiting
      // when the aborts, posted right behind them, arrive.
      const calls = Array.from({ length: 40 }, () => send(params, cancel.signal));
      cancel.abort();
      const outcomes = await Promise.allSettled(calls);
      assert.ok(outcomes.every((outcome) => outcome.status === 'rejected' && outcome.reason instanceof OpenAI.APIUserAbortError));
      await new Promise((resolve) => setTimeout(resolve, 400));
      const reached = server.chatRequests().length;
      assert.ok(reached <= 8, `${reached} of 40 aborted calls reached the server`);
    } finally {
      await pool.close();
    }
  });

  it('threads that cannot start cost only speed: the profile sends from the main thread, with a warning', async () => {
    const warnings: string[] = [];
    const engine = new ModelEngine({
      profiles: [validateProfile({ name: 'sim', model: 'sim-small', baseURL: server.baseURL, concurrency: 64 })],
      keyFor: () => undefined,
      log: (message) => warnings.push(message),
      requestThreads: { threads: 2, script: { file: path.join(SUPPORT, 'failToLoad.ts'), typescript: true } },
    });
    try {
      const result = await engine.model('sim').complete({ messages: [{ role: 'user', content: 'no threads today' }] });
      assert.equal(result.finishReason, 'stop');
      assert.equal(result.attempts, 1);
      assert.equal(server.chatRequests().length, 1);
      assert.equal(warnings.length, 1, warnings.join('\n'));
      assert.match(warnings[0] ?? '', /request thread could not start .*broken on purpose.*profile "sim" sends from the main thread/);
    } finally {
      engine.dispose();
    }
  });

  it('a process whose engine uses request threads stays up while a call is in flight and exits by itself after', async () => {
    server.setLatency(300);
    // Not spawnSync: the test server answers from this process's event loop.
    const probe = await runProcess(process.execPath, ['--import', 'tsx', path.join(SUPPORT, 'exitProbe.ts'), server.baseURL], 25_000);
    assert.equal(probe.timedOut, false, 'the probe did not exit by itself');
    assert.equal(probe.status, 0, probe.stderr);
    assert.equal(probe.stdout, 'answered: stop after 1 attempt(s)\n');
    assert.equal(server.chatRequests().length, 1);
  });
});

/** Runs a process to its end, killed after `timeoutMs`. */
function runProcess(command: string, args: string[], timeoutMs: number): Promise<{ status: number | null; stdout: string; stderr: string; timedOut: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr, timedOut });
    });
  });
}
