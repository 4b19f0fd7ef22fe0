/**
 * The canary: a unique key planted as a profile's key, then every fault the test server can
 * produce. The key must reach the server (in the Authorization header, so the test can fail) and
 * nothing else: not an error's message, stack or fields, not the cache directory, not the ledger,
 * not anything logged or written to the console.
 */
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { inspect } from 'node:util';
import type { FaultSpec, TestServer } from '../../support/openaiServer';
import { startTestServer } from '../../support/openaiServer';
import { formatUsageTable } from '../../../src/core/llm/accounting';
import type { CompletionRequest } from '../../../src/core/llm/client';
import { ModelEngine } from '../../../src/core/llm/engine';
import { validateProfile } from '../../../src/core/llm/profile';
import { seededRandom } from '../../../src/core/random';

const CANARY = `sk-canary-${randomBytes(12).toString('hex')}`;

interface Scenario {
  readonly name: string;
  readonly faults: readonly FaultSpec[];
  /** Whether the call ends in an error (else it recovers and answers). */
  readonly fails: boolean;
  readonly stream?: boolean;
  readonly jsonSchema?: boolean;
}

const scenarios: Scenario[] = [
  { name: 'success', faults: [], fails: false },
  { name: 'success, streamed', faults: [], fails: false, stream: true },
  { name: '401', faults: [{ kind: 'unauthorized', count: Infinity }], fails: true },
  { name: '401 whose message repeats the key', faults: [{ kind: 'status', status: 401, message: `Incorrect API key provided: ${CANARY}.`, code: 'invalid_api_key', count: Infinity }], fails: true },
  { name: '403', faults: [{ kind: 'status', status: 403, message: 'Forbidden.', count: Infinity }], fails: true },
  { name: '400 whose message repeats the key', faults: [{ kind: 'status', status: 400, message: `Bad request from key ${CANARY}`, count: Infinity }], fails: true },
  { name: '429 insufficient_quota', faults: [{ kind: 'insufficientQuota', count: Infinity }], fails: true },
  { name: '429 with retry-after, then an answer', faults: [{ kind: 'rateLimited', retryAfterMs: 30 }], fails: false },
  { name: '500 burst, then an answer', faults: [{ kind: 'status', status: 500, count: 2 }], fails: false },
  { name: '500 for good', faults: [{ kind: 'status', status: 503, message: `overloaded (${CANARY})`, count: Infinity }], fails: true },
  { name: 'connection reset, then an answer', faults: [{ kind: 'reset' }], fails: false },
  { name: 'connection reset for good', faults: [{ kind: 'reset', count: Infinity }], fails: true },
  { name: 'dropped stream for good', faults: [{ kind: 'dropStream', afterChunks: 2, count: Infinity }], fails: true, stream: true },
  { name: 'dropped body, then an answer', faults: [{ kind: 'dropStream' }], fails: false },
  { name: 'stalled stream for good', faults: [{ kind: 'stall', afterChunks: 1, count: Infinity }], fails: true, stream: true },
  { name: 'stalled body for good', faults: [{ kind: 'stall', count: Infinity }], fails: true },
  { name: 'malformed JSON for good', faults: [{ kind: 'malformedJson', count: Infinity }], fails: true },
  { name: 'malformed stream event for good', faults: [{ kind: 'malformedJson', count: Infinity }], fails: true, stream: true },
  { name: 'schema-breaking reply for good', faults: [{ kind: 'schemaViolation', count: Infinity }], fails: true, jsonSchema: true },
  { name: 'schema-breaking reply, then a good one', faults: [{ kind: 'schemaViolation' }], fails: false, jsonSchema: true },
];

/** Everything about an error a person or a file could ever see. */
function everythingAbout(error: unknown): string {
  const parts = [String(error), inspect(error, { depth: 8, showHidden: true })];
  if (error instanceof Error) {
    parts.push(error.message, error.stack ?? '', JSON.stringify(error), JSON.stringify(Object.entries(error)));
    for (let cause: unknown = error.cause, depth = 0; cause !== undefined && depth < 5; depth++) {
      parts.push(inspect(cause, { depth: 8, showHidden: true }));
      cause = cause instanceof Error ? cause.cause : undefined;
    }
  }
  return parts.join('\n');
}

async function filesUnder(dir: string): Promise<Array<{ name: string; text: string }>> {
  const files: Array<{ name: string; text: string }> = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const name = path.join(entry.parentPath, entry.name);
    files.push({ name, text: await readFile(name, 'utf8') });
  }
  return files;
}

describe('llm: the canary key appears nowhere but in the Authorization header', function () {
  this.timeout(60_000);
  let server: TestServer;
  let dir: string;

  before(async () => {
    server = await startTestServer({ seed: 5 });
    dir = await mkdtemp(path.join(tmpdir(), 'distillery-canary-'));
  });
  after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  // Twice: sent from this thread, and through the request threads (where the key lives in a worker).
  for (const threaded of [false, true]) it(`across every fault scenario: errors, cache files, ledger, logs and console stay clean (${threaded ? 'through request threads' : 'in this thread'})`, async () => {
    const cacheDirectory = path.join(dir, threaded ? 'threaded' : 'inline');
    const logged: string[] = [];
    // Anything written to the console or the process streams during the calls is captured too.
    const originals = { log: console.log, warn: console.warn, error: console.error, info: console.info, debug: console.debug, out: process.stdout.write, err: process.stderr.write };
    const capture = (...args: unknown[]): void => {
      logged.push(args.map((a) => (typeof a === 'string' ? a : inspect(a))).join(' '));
    };
    const outcomes: Array<{ scenario: string; error?: string; content?: string }> = [];
    let engine: ModelEngine | undefined;
    console.log = console.warn = console.error = console.info = console.debug = capture;
    process.stdout.write = process.stderr.write = ((chunk: unknown) => {
      logged.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    try {
      for (const scenario of scenarios) {
        server.reset();
        for (const fault of scenario.faults) server.fault(fault);
        // A new engine per scenario: a fatal error stops a profile for the rest of its engine.
        engine = new ModelEngine({
          profiles: [validateProfile({ name: 'canary', model: 'sim-small', baseURL: server.baseURL, apiKeyRef: 'CANARY_KEY', concurrency: 2, pricePerMillionInput: 1, pricePerMillionOutput: 1 })],
          keyFor: () => CANARY,
          cacheDirectory,
          cacheMode: 'off',
          requestThreads: threaded ? { threads: 2, minConcurrency: 1 } : { threads: 0 },
          log: (message) => logged.push(message),
          client: { random: seededRandom('canary'), retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5 }, idleTimeoutMs: 150, attemptTimeoutMs: 400, maxSchemaAttempts: 2 },
        });
        const request: CompletionRequest = {
          messages: [{ role: 'user', content: `scenario: ${scenario.name}` }],
          ...(scenario.stream ? { stream: true } : {}),
          ...(scenario.jsonSchema ? { jsonSchema: { name: 'answer', schema: { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] } } } : {}),
        };
        try {
          const result = await engine.model('canary').complete(request);
          outcomes.push({ scenario: scenario.name, content: JSON.stringify(result) });
        } catch (error) {
          outcomes.push({ scenario: scenario.name, error: everythingAbout(error) });
        }
        logged.push(JSON.stringify(engine.ledger.summary()), ...formatUsageTable(engine.ledger.summary()));

        const outcome = outcomes[outcomes.length - 1];
        assert.equal(outcome?.error !== undefined, scenario.fails, `${scenario.name}: ${outcome?.error ?? 'answered'}`);
        const sent = server.chatRequests();
        assert.ok(sent.length > 0, `${scenario.name}: a request was sent`);
        for (const request of sent) {
          assert.equal(request.headers.authorization, `Bearer ${CANARY}`, `${scenario.name}: the key reached the server`);
        }
        engine.dispose();
      }
    } finally {
      engine?.dispose();
      Object.assign(console, { log: originals.log, warn: originals.warn, error: originals.error, info: originals.info, debug: originals.debug });
      process.stdout.write = originals.out;
      process.stderr.write = originals.err;
    }

    const files = await filesUnder(cacheDirectory);
    assert.equal(files.length, scenarios.filter((s) => !s.fails).length, 'one cache entry per scenario that answered');
    // The canary is searched whole and by recognisable pieces (a service may echo part of a key).
    const pieces = [CANARY, CANARY.slice('sk-canary-'.length), CANARY.slice(-12)];
    const haystacks: Array<[string, string]> = [
      ...outcomes.map((o): [string, string] => [`outcome of ${o.scenario}`, o.error ?? o.content ?? '']),
      ...files.map((f): [string, string] => [`cache file ${f.name}`, `${f.name}\n${f.text}`]),
      ['logged', logged.join('\n')],
    ];
    for (const [where, text] of haystacks) {
      for (const piece of pieces) assert.ok(!text.includes(piece), `the canary leaked into ${where}`);
    }
    // The scenarios whose server message repeated the key did produce an error that was cleaned (the check is not vacuous).
    assert.ok(outcomes.some((o) => o.error?.includes('[redacted]')), 'an error that carried the key shows it redacted');
  });
});
