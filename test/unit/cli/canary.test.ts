/**
 * A canary key in OPENAI_API_KEY, and `distillery generate` run through every fault the test
 * server can make: the key reaches the server (so this test can fail) and nothing else — not
 * stdout, stderr, the console, the output, the errors file, nor any file of the response cache.
 */
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createGenerateCommand } from '../../../src/cli/commands/generate';
import { ExitCode } from '../../../src/cli/exitCodes';
import { runCli } from '../../../src/cli/run';
import { startTestServer, type FaultSpec, type TestServer } from '../../support/openaiServer';
import { distinctAnswer, writeJsonl } from '../pipeline/support';
import { fakeIo } from './fakeIo';

const CANARY = `sk-canary-${randomBytes(16).toString('hex')}`;
/** Pieces of the key, in case something prints part of it. */
const PIECES = [CANARY, CANARY.slice(10, 26), CANARY.slice(-16)];

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => path.join(dir, name))
    .filter((file) => statSync(file).isFile());
}

describe('distillery generate: the API key never leaks (canary)', function () {
  this.timeout(60_000);
  let server: TestServer;
  let dir: string;
  const commands = [createGenerateCommand({ client: { retry: { baseDelayMs: 5, maxDelayMs: 20, maxAttempts: 3 }, attemptTimeoutMs: 300, idleTimeoutMs: 300 } })];

  before(async () => {
    server = await startTestServer({ seed: 8 });
    server.addRule({ name: 'distinct', reply: distinctAnswer });
    dir = mkdtempSync(path.join(tmpdir(), 'distillery-canary-'));
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const scenarios: Array<{ name: string; faults: (marker: string) => FaultSpec[]; exit: ExitCode }> = [
    { name: 'success', faults: () => [], exit: ExitCode.Success },
    { name: '401', faults: () => [{ kind: 'unauthorized', count: Infinity }], exit: ExitCode.Failure },
    { name: '401 echoing the key', faults: () => [{ kind: 'status', status: 401, code: 'invalid_api_key', message: `Incorrect API key provided: ${CANARY}.`, count: Infinity }], exit: ExitCode.Failure },
    { name: '403', faults: () => [{ kind: 'status', status: 403, message: `Key ${CANARY} may not use this model.`, count: Infinity }], exit: ExitCode.Failure },
    { name: 'insufficient_quota', faults: () => [{ kind: 'insufficientQuota', count: Infinity }], exit: ExitCode.Failure },
    { name: '400 echoing the key', faults: (m) => [{ kind: 'status', status: 400, message: `Bad request from ${CANARY}`, count: Infinity, match: { marker: m } }], exit: ExitCode.PartialFailure },
    { name: '429 with retry-after', faults: () => [{ kind: 'rateLimited', retryAfterMs: 30, count: 2 }], exit: ExitCode.Success },
    { name: '500 bursts', faults: (m) => [{ kind: 'status', status: 500, message: `Internal error for ${CANARY}`, count: Infinity, match: { marker: m } }, { kind: 'status', status: 503, count: 2 }], exit: ExitCode.PartialFailure },
    { name: 'connection reset', faults: (m) => [{ kind: 'reset', count: Infinity, match: { marker: m } }, { kind: 'reset', count: 2 }], exit: ExitCode.PartialFailure },
    { name: 'dropped stream', faults: (m) => [{ kind: 'dropStream', count: Infinity, match: { marker: m } }, { kind: 'dropStream', count: 2 }], exit: ExitCode.PartialFailure },
    { name: 'stalled stream', faults: (m) => [{ kind: 'stall', count: Infinity, match: { marker: m } }], exit: ExitCode.PartialFailure },
    { name: 'malformed body', faults: (m) => [{ kind: 'malformedJson', count: Infinity, match: { marker: m } }, { kind: 'malformedJson', count: 2 }], exit: ExitCode.PartialFailure },
  ];

  it('appears nowhere but in the Authorization header, in every fault scenario', async () => {
    const texts: string[] = [];
    const logged: string[] = [];
    const env = { OPENAI_BASE_URL: server.baseURL, OPENAI_API_KEY: CANARY, OPENAI_MODEL: 'sim-small' };
    const consoleMethods = ['log', 'info', 'warn', 'error', 'debug'] as const;
    const originals = consoleMethods.map((name) => console[name]);
    for (const name of consoleMethods) console[name] = (...args: unknown[]) => void logged.push(args.map(String).join(' '));
    try {
      for (const [index, scenario] of scenarios.entries()) {
        server.clearFaults();
        const marker = `<<doomed-${index}>>`;
        for (const fault of scenario.faults(marker)) server.fault(fault);
        const input = path.join(dir, `in-${index}.jsonl`);
        writeJsonl(input, [
          { prompt: `Scenario ${index}: first question.` },
          { prompt: `Scenario ${index}: second question ${marker}.` },
          { prompt: `Scenario ${index}: third question.` },
        ]);
        const { io, stdout, stderr } = fakeIo({ cwd: dir, env });
        const code = await runCli(['generate', input, '-o', `out-${index}.jsonl`, '--concurrency', '1'], io, commands);
        assert.equal(code, scenario.exit, `${scenario.name}: ${stderr.text}`);
        texts.push(`[${scenario.name} stdout]\n${stdout.text}`, `[${scenario.name} stderr]\n${stderr.text}`);
      }
    } finally {
      consoleMethods.forEach((name, i) => (console[name] = originals[i] as (typeof console)[typeof name]));
    }

    const files = filesUnder(dir);
    assert.ok(files.some((file) => file.includes(`${path.sep}.distillery${path.sep}cache${path.sep}`)), 'the cache has entries');
    assert.ok(files.some((file) => file.endsWith('.errors.jsonl')), 'an errors file was written');
    for (const file of files) texts.push(`[${path.relative(dir, file)}]\n${readFileSync(file, 'utf8')}`);
    texts.push(`[console]\n${logged.join('\n')}`);
    for (const text of texts) {
      for (const piece of PIECES) assert.ok(!text.includes(piece), `the key leaked into ${text.split('\n')[0]}:\n${text.slice(0, 2000)}`);
    }
    assert.ok(texts.some((text) => text.includes('[redacted]')), 'the echoed key was redacted, not dropped silently');

    // It did reach the server, in the header, so the search above could have found it.
    const chats = server.chatRequests();
    assert.ok(chats.length > scenarios.length);
    assert.ok(chats.every((request) => request.headers.authorization === `Bearer ${CANARY}`));
  });
});
