import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { detectRowKind } from '../../../src/core/dataset/rowKinds';
import { runGenerateBatch, GenerateBatchSettingsError } from '../../../src/core/pipeline/generateBatch';
import { InputRowKeys } from '../../../src/core/pipeline/inputKeys';
import type { GenerateSettings } from '../../../src/core/tasks/types';
import { startTestServer, type TestServer } from '../../support/openaiServer';
import { distinctAnswer, readFailures, readJsonl, sourceOf, testEngine, writeJsonl } from './support';

const rowsOfKinds = [
  { instruction: 'Name a colour.', input: '', output: 'Red.' },
  { messages: [{ role: 'user', content: 'Name a tree.' }] },
  { prompt: 'Name a river.' },
  { messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Name a bird.' }, { role: 'assistant', content: 'Owl.' }] },
];

describe('pipeline: generate over a file, with the engine and its cache', function () {
  this.timeout(20_000);
  let server: TestServer;
  let dir: string;
  let input: string;
  let output: string;

  before(async () => {
    server = await startTestServer({ seed: 9 });
  });
  after(() => server.close());
  beforeEach(() => {
    server.addRule({ name: 'distinct', reply: distinctAnswer });
    dir = mkdtempSync(path.join(tmpdir(), 'distillery-generate-batch-'));
    input = path.join(dir, 'in.jsonl');
    output = path.join(dir, 'out.jsonl');
  });
  afterEach(() => {
    server.reset();
    rmSync(dir, { recursive: true, force: true });
  });

  const settings: GenerateSettings = { n: 2, output: 'sft', seed: 7, temperature: 0.8 };

  it('n samples from 2 teachers per row, each row in its own format, with provenance and cost', async () => {
    writeJsonl(input, rowsOfKinds);
    const engine = testEngine(server, dir, { profiles: [{}, { model: 'sim-large' }] });
    const teachers = [engine.model('teacher-a'), engine.model('teacher-b')];
    const summary = await runGenerateBatch({ input, output, teachers, settings });
    assert.equal(summary.done, 4);
    assert.equal(summary.written, 16);
    assert.equal(summary.failed, 0);
    assert.ok(summary.costUsd > 0, 'the profiles have prices');
    assert.equal(summary.cached, 0);
    const out = readJsonl(output);
    assert.equal(out.length, 16);
    const keys = new InputRowKeys();
    const inputKeys = rowsOfKinds.map((row) => keys.next(row));
    for (let index = 0; index < rowsOfKinds.length; index++) {
      const made = out.filter((candidate) => sourceOf(candidate).input === inputKeys[index]);
      assert.equal(made.length, 4, `row ${index + 1}: 2 teachers × 2 samples`);
      assert.ok(made.every((candidate) => sourceOf(candidate).outputs === 4));
      const expectedKind = index === 0 ? 'alpaca' : index === 2 ? 'prompt-completion' : 'chat';
      assert.ok(made.every((candidate) => detectRowKind(candidate) === expectedKind), `row ${index + 1} stays ${expectedKind}: ${JSON.stringify(made[0])}`);
      assert.deepEqual(made.map((candidate) => sourceOf(candidate).key).sort(), [
        `${inputKeys[index]}#teacher-a#0`, `${inputKeys[index]}#teacher-a#1`, `${inputKeys[index]}#teacher-b#0`, `${inputKeys[index]}#teacher-b#1`,
      ]);
    }
    assert.equal(server.chatRequests().length, 16);
  });

  it('an interrupted run resumes: every row once, and the samples already answered come from the cache', async () => {
    const rows = Array.from({ length: 30 }, (_, i) => ({ prompt: `Question ${i}: name something <<q${i}>>.` }));
    writeJsonl(input, rows);
    server.setLatency(15);
    // Sample 1 of question 3 fails for good in the first run: its sample 0 is answered and cached.
    server.fault({ kind: 'status', status: 500, count: Infinity, match: { marker: '<<q3>>', predicate: (request) => request.seed === 8 } });
    const controller = new AbortController();
    const first = await runGenerateBatch({
      input,
      output,
      teachers: [testEngine(server, dir).model('teacher-a')],
      settings,
      concurrency: 4,
      signal: controller.signal,
      onProgress: (progress) => {
        if (progress.done >= 12) controller.abort();
      },
    });
    assert.equal(first.stoppedBy, 'cancelled');
    assert.ok(first.done >= 12 && first.done < 30, `done ${first.done}`);
    const failures = readFailures(output);
    assert.deepEqual(failures.map((failure) => failure.line), [4]);
    assert.match(failures[0]?.error ?? '', /teacher-a sample 1: .*gave up after 3 attempts.*500/);
    assert.deepEqual(failures[0]?.row, rows[3]);
    const writtenFirst = readJsonl(output).length;

    server.clearFaults();
    const sentBefore = server.chatRequests().length;
    const second = await runGenerateBatch({ input, output, teachers: [testEngine(server, dir).model('teacher-a')], settings, concurrency: 4 });
    assert.equal(second.stoppedBy, undefined);
    assert.equal(second.done, 30);
    assert.equal(second.failed, 0);
    assert.equal(second.errorsFile, undefined);
    assert.equal(second.resumed * 2, writtenFirst);
    assert.ok(second.cached >= 1, 'at least the sample of question 3 that was answered');
    const sentSecond = server.chatRequests().length - sentBefore;
    assert.equal(sentSecond + second.cached, (30 - second.resumed) * 2, 'each missing sample asked once, or answered from the cache');
    const out = readJsonl(output);
    assert.equal(out.length, 60);
    assert.equal(new Set(out.map((row) => sourceOf(row).key)).size, 60);

    // The same run into a new file: every answer from the cache, nothing sent, the same rows.
    unlinkSync(output);
    const sentBeforeReplay = server.chatRequests().length;
    const replay = await runGenerateBatch({ input, output, teachers: [testEngine(server, dir).model('teacher-a')], settings });
    assert.equal(replay.cached, 60);
    assert.equal(replay.costUsd, 0);
    assert.equal(server.chatRequests().length, sentBeforeReplay);
    const contents = (rows: Record<string, unknown>[]) => rows.map((row) => `${sourceOf(row).key} ${String(row.completion)}`).sort();
    assert.deepEqual(contents(readJsonl(output)), contents(out));
  });

  it('candidates: one row per input row listing the kept samples', async () => {
    writeJsonl(input, rowsOfKinds.slice(1, 3));
    const engine = testEngine(server, dir);
    const summary = await runGenerateBatch({ input, output, teachers: [engine.model('teacher-a')], settings: { ...settings, n: 3, output: 'candidates' } });
    assert.equal(summary.written, 2);
    const out = readJsonl(output) as Array<{ messages: unknown[]; distillery: { candidates: unknown[]; source: { key: string } } }>;
    assert.ok(out.every((row) => row.distillery.candidates.length === 3 && row.distillery.source.key.endsWith('#candidates')));
  });

  it('a row with no prompt is recorded as failed with the reason; unusable settings fail before anything is sent', async () => {
    writeJsonl(input, [{ prompt: 'Name a lake.' }, { text: 'no prompt here' }]);
    const engine = testEngine(server, dir);
    const summary = await runGenerateBatch({ input, output, teachers: [engine.model('teacher-a')], settings });
    assert.equal(summary.failed, 1);
    const failures = readFailures(output);
    assert.equal(failures[0]?.line, 2);
    assert.match(failures[0]?.error ?? '', /cannot be read as a prompt|no prompt/);
    await assert.rejects(runGenerateBatch({ input, output, teachers: [], settings: { ...settings, n: 0 } }), (error: unknown) => {
      assert.ok(error instanceof GenerateBatchSettingsError);
      assert.match(error.message, /n must be/);
      assert.match(error.message, /at least one teacher/);
      return true;
    });
  });

  it('a verifier that cannot be started stops the run at once, as fatal', async () => {
    writeJsonl(input, Array.from({ length: 10 }, (_, i) => ({ prompt: `Add ${i} and 1.` })));
    const engine = testEngine(server, dir);
    const summary = await runGenerateBatch({
      input,
      output,
      teachers: [engine.model('teacher-a')],
      settings: { ...settings, filters: { verifier: { command: path.join(dir, 'no-such-verifier') } } },
      concurrency: 1,
    });
    assert.equal(summary.stoppedBy, 'fatal');
    assert.match(summary.fatal ?? '', /no-such-verifier/);
    assert.equal(summary.written, 0);
    assert.equal(readFailures(output).length, 1);
  });
});
