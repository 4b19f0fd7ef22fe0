import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { importBatchResults } from '../../../src/core/batch/importResults';
import { BatchRequestWriter, type BatchExport } from '../../../src/core/batch/requestFiles';
import type { ModelEngine } from '../../../src/core/llm/engine';
import { ResponseCache } from '../../../src/core/llm/responseCache';
import { parseConstitution } from '../../../src/core/constitution/parse';
import { runCritiqueBatch } from '../../../src/core/pipeline/critiqueBatch';
import { runGenerateBatch } from '../../../src/core/pipeline/generateBatch';
import { runJudgeBatch } from '../../../src/core/pipeline/judgeBatch';
import type { BatchSummary } from '../../../src/core/pipeline/types';
import { startTestServer, type ChatRequest, type ReplyContext, type TestServer } from '../../support/openaiServer';
import { runBatchFile } from '../../support/openaiServer/batchRunner';
import { distinctAnswer, readFailures, readJsonl, writeJsonl } from '../pipeline/support';
import { CONSTITUTION_TEXT, criticRules } from '../tasks/critiqueScript';
import { batchEngine } from './support';

const PROFILES = [
  { name: 'teacher-a', model: 'sim-small' },
  { name: 'teacher-b', model: 'sim-large' },
  { name: 'judge', model: 'sim-judge' },
];
const PROMPTS = Array.from({ length: 5 }, (_, i) => ({ prompt: `Question ${i}: explain something <<p${i}>>.` }));
const NOW = new Date('2026-11-24T12:00:00Z');
const now = () => NOW;

/** Teachers' answers carry a quality marker, so the simulated judge has something to prefer. */
function teacherAnswer(request: ChatRequest, context: ReplyContext): string {
  return `${distinctAnswer(request, context)} [[quality:${request.model === 'sim-large' ? 0.8 : 0.3}]]`;
}

/**
 * The rows of a file in a stable order, without what says how a row was obtained (cached, cost).
 * A judged row's source keys hash its input row, which records those, so they go too.
 */
function comparable(file: string): unknown[] {
  const dropped = new Set(['cached', 'costUsd']);
  const strip = (value: unknown, parent?: string): unknown => {
    if (Array.isArray(value)) return value.map((item) => strip(item));
    if (typeof value !== 'object' || value === null) return value;
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key]) => !dropped.has(key) && !(parent === 'source' && (key === 'input' || key === 'key')))
        .map(([key, item]) => [key, strip(item, key)]),
    );
  };
  return readJsonl(file).map((row) => strip(row)).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

describe('batch round trip over generate, judge and critique–revise', function () {
  this.timeout(30_000);
  let server: TestServer;
  let dir: string;
  const engines: ModelEngine[] = [];
  const at = (...names: string[]) => path.join(dir, ...names);

  const startServer = async (): Promise<TestServer> => {
    const started = await startTestServer({ seed: 9 });
    started.addRule({ name: 'teacher', match: { predicate: (request) => request.responseFormat.type !== 'json_schema' }, reply: teacherAnswer });
    return started;
  };

  before(async () => {
    server = await startServer();
  });
  after(() => server.close());
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'distillery-roundtrip-'));
    writeJsonl(at('prompts.jsonl'), PROMPTS);
    for (const sub of ['out', 'final', 'direct']) mkdirSync(at(sub));
  });
  afterEach(() => {
    for (const engine of engines.splice(0)) engine.dispose();
    server.reset();
    server.addRule({ name: 'teacher', match: { predicate: (request) => request.responseFormat.type !== 'json_schema' }, reply: teacherAnswer });
    rmSync(dir, { recursive: true, force: true });
  });

  const engineFor = (on: TestServer, cacheDir: string, defer?: BatchRequestWriter): ModelEngine => {
    const engine = batchEngine(on, cacheDir, { profiles: PROFILES, ...(defer ? { defer: (request) => defer.add(request) } : {}) });
    engines.push(engine);
    return engine;
  };
  const generate = (engine: ModelEngine, output: string): Promise<BatchSummary> =>
    runGenerateBatch({
      input: at('prompts.jsonl'), output, teachers: [engine.model('teacher-a'), engine.model('teacher-b')],
      settings: { n: 1, output: 'candidates', temperature: 0.7, seed: 3 }, now,
    });
  const judge = (engine: ModelEngine, input: string, output: string): Promise<BatchSummary> =>
    runJudgeBatch({
      input, output, judges: [engine.model('judge')], criteria: { kind: 'default' },
      settings: { samples: 1, bothOrders: true, logprobs: true, seed: 1 }, now,
    });

  /** One wave: a deferring run of `step`, its request files, the test server as the batch runner, the import. */
  async function wave(step: (engine: ModelEngine) => Promise<BatchSummary>, name: string): Promise<{ summary: BatchSummary; exported: BatchExport }> {
    const writer = await BatchRequestWriter.create({ directory: at('export'), maxRequests: 4 });
    const summary = await step(engineFor(server, dir, writer));
    const exported = await writer.finish();
    const results: string[] = [];
    for (const file of exported.index.files) {
      const result = at(`${name}-${file.file}.out`);
      await runBatchFile(server.baseURL, at('export', file.file), result);
      results.push(result);
    }
    const report = await importBatchResults({ cache: new ResponseCache(at('cache')), requestsDirectory: at('export'), resultFiles: results });
    assert.deepEqual([report.failed, report.unanswered, report.imported], [0, 0, exported.index.requests], `${name}: every reply imported`);
    return { summary, exported };
  }

  it('export → batch runner → import, wave by wave; then a run that sends nothing writes what a direct run writes', async () => {
    // Wave 1: every generate call is deferred; the rows fail, to be retried.
    const first = await wave((engine) => generate(engine, at('out', 'generate.jsonl')), 'generate');
    assert.deepEqual([first.summary.done, first.summary.failed, first.summary.written], [0, 5, 0]);
    assert.match(readFailures(at('out', 'generate.jsonl'))[0]?.error ?? '', /deferred to a batch request file/);
    assert.deepEqual(first.exported.index.files.map((f) => [f.profile, f.model, f.requests]), [['teacher-a', 'sim-small', 4], ['teacher-a', 'sim-small', 1], ['teacher-b', 'sim-large', 4], ['teacher-b', 'sim-large', 1]]);
    assert.equal(server.chatRequests().length, 10, 'the batch runner sent the 10 requests; the run itself sent none');

    // Wave 2: generate is answered from the cache and finishes; judge's calls (both orders) are deferred.
    const second = await wave(async (engine) => {
      const generated = await generate(engine, at('out', 'generate.jsonl'));
      assert.deepEqual([generated.done, generated.failed, generated.written, generated.cached], [5, 0, 5, 10]);
      return judge(engine, at('out', 'generate.jsonl'), at('out', 'judge.jsonl'));
    }, 'judge');
    assert.deepEqual([second.summary.done, second.summary.failed], [0, 5]);
    assert.equal(second.exported.index.requests, 10);
    assert.deepEqual([...new Set(second.exported.index.files.map((f) => f.profile))], ['judge']);
    assert.equal(server.chatRequests().length, 20);

    // The last run: both steps from the cache into new files, with no request to the server.
    const final = engineFor(server, dir);
    const generated = await generate(final, at('final', 'generate.jsonl'));
    const judged = await judge(final, at('final', 'generate.jsonl'), at('final', 'judge.jsonl'));
    assert.equal(server.chatRequests().length, 20, 'no request in the final run');
    assert.deepEqual([generated.done, generated.failed, generated.cached, judged.done, judged.failed, judged.cached], [5, 0, 10, 5, 0, 10]);
    // …and the resumed batch outputs are complete too.
    const resumed = await judge(engineFor(server, dir, await BatchRequestWriter.create({ directory: at('unused') })), at('out', 'generate.jsonl'), at('out', 'judge.jsonl'));
    assert.deepEqual([resumed.done, resumed.failed], [5, 0]);
    assert.deepEqual(readdirSync(at('unused')), [], 'nothing left to defer');

    // A direct run, on a fresh server with the same seed and rules: the same rows.
    const direct = await startServer();
    try {
      const engine = engineFor(direct, at('direct'));
      await generate(engine, at('direct', 'generate.jsonl'));
      await judge(engine, at('direct', 'generate.jsonl'), at('direct', 'judge.jsonl'));
      assert.equal(direct.chatRequests().length, 20);
    } finally {
      await direct.close();
    }
    assert.equal(readJsonl(at('final', 'judge.jsonl')).length, 5);
    assert.deepEqual(comparable(at('final', 'generate.jsonl')), comparable(at('direct', 'generate.jsonl')));
    assert.deepEqual(comparable(at('final', 'judge.jsonl')), comparable(at('direct', 'judge.jsonl')));
    assert.deepEqual(comparable(at('out', 'judge.jsonl')), comparable(at('direct', 'judge.jsonl')));
  });

  it('critique–revise takes a wave per call of its chain (critique, revision, next round…) and ends with nothing left to export', async () => {
    const rules = criticRules();
    for (const rule of rules) server.addRule(rule);
    const rows = [
      { messages: [{ role: 'user', content: 'Name a tree <<t0>>.' }, { role: 'assistant', content: 'Oak, obviously, you fool.' }] },
      { prompt: 'Name a bird <<t1>>.', completion: 'Owl.' },
      { instruction: 'Name a river <<t2>>.', input: '', output: 'The Nile, idiot.' },
    ];
    writeJsonl(at('answers.jsonl'), rows);
    const constitution = parseConstitution(CONSTITUTION_TEXT);
    const critique = (engine: ModelEngine, output: string): Promise<BatchSummary> =>
      runCritiqueBatch({ input: at('answers.jsonl'), output, critic: engine.model('teacher-a'), constitution, settings: { rounds: 2, seed: 5 }, pairs: true, now });

    const exported: number[] = [];
    for (let round = 1; round <= 6; round++) {
      const { summary, exported: files } = await wave((engine) => critique(engine, at('out', 'critique.jsonl')), `critique${round}`);
      exported.push(files.index.requests);
      if (files.index.requests === 0) {
        assert.equal(summary.failed, 0);
        break;
      }
    }
    // Round 1: a critique of each row, then its revision; round 2 likewise; then nothing is left.
    assert.deepEqual(exported, [3, 3, 3, 3, 0]);
    const sent = server.chatRequests().length;
    assert.equal(sent, exported.reduce((sum, n) => sum + n, 0), 'every request went through a batch file');

    const direct = await startServer();
    try {
      for (const rule of rules) direct.addRule(rule);
      await critique(engineFor(direct, at('direct')), at('direct', 'critique.jsonl'));
      assert.equal(direct.chatRequests().length, sent, 'a direct run makes the same calls');
    } finally {
      await direct.close();
    }
    assert.equal(readJsonl(at('out', 'critique.jsonl')).length, 3, 'a preference pair for every row');
    assert.deepEqual(comparable(at('out', 'critique.jsonl')), comparable(at('direct', 'critique.jsonl')));
  });
});
