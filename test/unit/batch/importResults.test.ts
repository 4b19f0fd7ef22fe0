import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { importBatchResults, type ImportReport } from '../../../src/core/batch/importResults';
import { BatchRequestWriter, type BatchExport } from '../../../src/core/batch/requestFiles';
import type { CompletionRequest } from '../../../src/core/llm/client';
import type { DeferredRequest, ModelEngine } from '../../../src/core/llm/engine';
import { RequestDeferredError } from '../../../src/core/llm/errors';
import { ResponseCache } from '../../../src/core/llm/responseCache';
import { startTestServer, type TestServer } from '../../support/openaiServer';
import { runBatchFile } from '../../support/openaiServer/batchRunner';
import { batchEngine } from './support';

const question = (marker: string): CompletionRequest => ({ messages: [{ role: 'user', content: `Say something about ${marker} <<${marker}>>` }], temperature: 0.5 });
const structured = (marker: string): CompletionRequest => ({
  messages: [{ role: 'user', content: `Pick one <<${marker}>>` }],
  jsonSchema: {
    name: 'pick',
    schema: { type: 'object', properties: { choice: { type: 'string', enum: ['A', 'B'] }, why: { type: 'string' } }, required: ['choice', 'why'], additionalProperties: false },
  },
});

interface ResultLine {
  id: string;
  custom_id: string;
  response: { status_code: number; request_id: string; body?: Record<string, unknown> } | null;
  error: unknown;
}

describe('batch import', function () {
  this.timeout(20_000);
  let server: TestServer;
  let dir: string;
  const engines: ModelEngine[] = [];
  const at = (name: string) => path.join(dir, name);
  const exportDir = () => at('export');

  before(async () => {
    server = await startTestServer({ seed: 5 });
  });
  after(() => server.close());
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'distillery-import-'));
  });
  afterEach(() => {
    for (const engine of engines.splice(0)) engine.dispose();
    server.reset();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs the calls on a deferring engine and writes what it deferred; returns the custom_id of each call, in order. */
  async function exportCalls(calls: ReadonlyArray<readonly [CompletionRequest, number]>): Promise<{ exported: BatchExport; ids: string[] }> {
    const writer = await BatchRequestWriter.create({ directory: exportDir() });
    const ids: string[] = [];
    const engine = batchEngine(server, dir, { defer: (request: DeferredRequest) => writer.add(request) });
    engines.push(engine);
    for (const [request, sample] of calls) {
      await engine.model('teacher').complete(request, { sample }).then(
        () => assert.fail('nothing should be answered'),
        (error: unknown) => {
          assert.ok(error instanceof RequestDeferredError);
          ids.push(error.customId);
        },
      );
    }
    return { exported: await writer.finish(), ids };
  }

  /** The custom_ids a fresh deferring run of the calls defers: those the cache cannot answer. */
  async function stillDeferred(calls: ReadonlyArray<readonly [CompletionRequest, number]>): Promise<string[]> {
    const deferred: string[] = [];
    const engine = batchEngine(server, dir, { defer: (request) => deferred.push(request.customId) });
    engines.push(engine);
    await Promise.allSettled(calls.map(([request, sample]) => engine.model('teacher').complete(request, { sample })));
    return deferred.sort();
  }

  const importFiles = (files: string[]): Promise<ImportReport> =>
    importBatchResults({ cache: new ResponseCache(at('cache')), requestsDirectory: exportDir(), resultFiles: files, displayName: (file) => path.relative(dir, file) });

  const readResults = (file: string): ResultLine[] => readFileSync(file, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as ResultLine);
  const writeLines = (file: string, lines: readonly (string | object)[], torn = '') =>
    writeFileSync(file, lines.map((line) => `${typeof line === 'string' ? line : JSON.stringify(line)}\n`).join('') + torn);

  it('puts every good reply into the cache: the engine then answers each call with no request; a re-import skips them', async () => {
    const calls = [[question('q0'), 0], [question('q0'), 1], [question('q1'), 0], [structured('s0'), 0]] as const;
    const { exported, ids } = await exportCalls(calls);
    assert.equal(exported.index.requests, 4);
    assert.equal(server.chatRequests().length, 0);

    const summary = await runBatchFile(server.baseURL, path.join(exportDir(), 'teacher-0001.jsonl'), at('results.jsonl'));
    assert.deepEqual(summary, { requests: 4, succeeded: 4, failed: 0 });
    const results = readResults(at('results.jsonl'));
    const report = await importFiles([at('results.jsonl')]);
    assert.deepEqual([report.imported, report.failed, report.skipped, report.unanswered, report.problems], [4, 0, 0, 0, []]);
    const usage = results.map((line) => (line.response?.body as { usage: { prompt_tokens: number; completion_tokens: number } }).usage);
    assert.deepEqual(report.profiles, [{
      profile: 'teacher', model: 'sim-small', imported: 4, failed: 0, skipped: 0,
      promptTokens: usage.reduce((sum, u) => sum + u.prompt_tokens, 0), completionTokens: usage.reduce((sum, u) => sum + u.completion_tokens, 0),
    }]);

    const requestsBefore = server.chatRequests().length;
    const engine = batchEngine(server, dir);
    engines.push(engine);
    const answers = await Promise.all(calls.map(([request, sample]) => engine.model('teacher').complete(request, { sample })));
    assert.equal(server.chatRequests().length, requestsBefore, 'no request: every call answered from the imported replies');
    assert.deepEqual(answers.map((a) => a.cached), [true, true, true, true]);
    const contentOf = (id: string) => (results.find((line) => line.custom_id === id)?.response?.body as { choices: Array<{ message: { content: string } }> }).choices[0]?.message.content;
    assert.deepEqual(answers.map((a) => a.content), ids.map(contentOf));
    assert.notEqual(answers[0]?.content, answers[1]?.content, 'two samples of one request, two answers');
    assert.ok(['A', 'B'].includes((JSON.parse(answers[3]?.content ?? '{}') as { choice?: string }).choice ?? ''), 'the structured reply as the schema wants it');

    const again = await importFiles([at('results.jsonl')]);
    assert.deepEqual([again.imported, again.failed, again.skipped, again.unanswered], [0, 0, 4, 0]);
  });

  it('does not import, and reports at FILE:LINE, each reply that cannot be trusted; those requests are exported again', async () => {
    const calls = [
      [question('ok'), 0], [question('refused'), 0], [structured('bad-json'), 0], [question('expired'), 0],
      [question('not-chat'), 0], [question('unfinished'), 0], [structured('good-json'), 0], [question('torn'), 0],
    ] as const;
    const { ids } = await exportCalls(calls);
    const [ok, refused, badJson, expired, notChat, unfinished, goodJson, torn] = ids as [string, string, string, string, string, string, string, string];
    server.fault({ kind: 'status', status: 400, message: 'This model does not accept that.', match: { marker: '<<refused>>' } });
    server.fault({ kind: 'schemaViolation', mode: 'missingRequired', match: { marker: '<<bad-json>>' } });
    await runBatchFile(server.baseURL, path.join(exportDir(), 'teacher-0001.jsonl'), at('raw.jsonl'));
    const byId = new Map(readResults(at('raw.jsonl')).map((line) => [line.custom_id, line]));
    const line = (id: string): ResultLine => structuredClone(byId.get(id) as ResultLine);

    const expiredLine = { ...line(expired), response: null, error: { code: 'batch_expired', message: 'This request could not be executed before the completion window expired.' } };
    const notChatLine = line(notChat);
    (notChatLine.response as { body: Record<string, unknown> }).body = { object: 'list', data: [] };
    const unfinishedLine = line(unfinished);
    delete ((unfinishedLine.response?.body as { choices: Array<Record<string, unknown>> }).choices[0] as Record<string, unknown>).finish_reason;
    const unknown = { ...line(ok), custom_id: 'f'.repeat(64) };
    writeLines(at('results.jsonl'), [
      line(ok), line(refused), line(badJson), '', expiredLine, notChatLine, unfinishedLine, unknown, '{"custom_id": oops}', line(goodJson),
    ], JSON.stringify(line(torn)).slice(0, 40));

    const report = await importFiles([at('results.jsonl')]);
    assert.deepEqual(report.problems.map((p) => `${p.file}:${p.line}${p.column !== undefined && p.line !== 11 ? `:${p.column}` : ''}`), [
      'results.jsonl:2', 'results.jsonl:3', 'results.jsonl:5', 'results.jsonl:6', 'results.jsonl:7', 'results.jsonl:8', 'results.jsonl:9:15', 'results.jsonl:11',
    ]);
    const reasons = report.problems.map((p) => p.reason);
    assert.match(reasons[0] ?? '', /^the request failed with HTTP status 400: invalid_request_error: This model does not accept that\.$/);
    assert.match(reasons[1] ?? '', /^the reply does not match the json_schema "pick": \$: missing required "(choice|why)"/);
    assert.match(reasons[2] ?? '', /^the batch service reported an error: batch_expired: This request could not be executed/);
    assert.match(reasons[3] ?? '', /^the body is not a chat completion: "object" is "list", not "chat\.completion"$/);
    assert.match(reasons[4] ?? '', /^the body is not a chat completion: its first choice has no "finish_reason"/);
    assert.match(reasons[5] ?? '', /^custom_id "f{64}" is not a request of this export/);
    assert.match(reasons[6] ?? '', /^not a JSON object: /);
    assert.match(reasons[7] ?? '', /^the last line is cut short \(is the batch still writing this file\?\)/);
    assert.deepEqual(report.problems.slice(0, 6).map((p) => p.customId), [refused, badJson, expired, notChat, unfinished, 'f'.repeat(64)]);
    assert.deepEqual([report.imported, report.failed, report.skipped, report.unanswered], [2, 8, 0, 6]);
    assert.deepEqual(report.profiles.map((p) => [p.profile, p.imported, p.failed]), [['teacher', 2, 5]], 'the failures of known requests count against their profile');

    assert.deepEqual(await stillDeferred(calls), [refused, badJson, expired, notChat, unfinished, torn].sort(), 'only the replies that were not imported are asked for again');
  });

  it('reads vllm run-batch\'s output, whose errors are strings, and several result files at once', async () => {
    const calls = [[question('v0'), 0], [question('v1'), 0], [question('v-refused'), 0]] as const;
    const { exported, ids } = await exportCalls(calls);
    const input = path.join(exportDir(), exported.index.files[0]?.file ?? '');
    server.fault({ kind: 'status', status: 422, message: 'prompt too long', match: { marker: '<<v-refused>>' } });
    await runBatchFile(server.baseURL, input, at('vllm.jsonl'), { style: 'vllm' });
    const lines = readResults(at('vllm.jsonl'));
    const refusedLine = lines.find((l) => l.custom_id === ids[2]);
    assert.deepEqual([refusedLine?.error, refusedLine?.response?.status_code, refusedLine?.response?.body], ['prompt too long', 422, undefined]);
    writeLines(at('part1.jsonl'), lines.filter((l) => l.custom_id !== ids[1]));
    writeLines(at('part2.jsonl'), lines.filter((l) => l.custom_id === ids[1]));
    const report = await importFiles([at('part1.jsonl'), at('part2.jsonl')]);
    assert.deepEqual([report.imported, report.failed, report.unanswered], [2, 1, 1]);
    assert.equal(report.problems[0]?.file, 'part1.jsonl');
    assert.match(report.problems[0]?.reason ?? '', /^the batch service reported an error: prompt too long$/);
  });

  it('a missing result file is bad input, and nothing is imported', async () => {
    const { ids } = await exportCalls([[question('m0'), 0]]);
    await runBatchFile(server.baseURL, path.join(exportDir(), 'teacher-0001.jsonl'), at('results.jsonl'));
    await assert.rejects(importFiles([at('results.jsonl'), at('nope.jsonl')]), /^InputError: nope\.jsonl: cannot read \(ENOENT\)$/);
    assert.deepEqual(await stillDeferred([[question('m0'), 0]]), ids);
  });
});
