import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { ChatModel } from '../../../src/core/llm/chatModel';
import { runRowBatch, type RowProcessor } from '../../../src/core/pipeline/rowBatch';
import { InputRowKeys } from '../../../src/core/pipeline/inputKeys';
import type { BatchProgress } from '../../../src/core/pipeline/types';
import { startTestServer, type TestServer } from '../../support/openaiServer';
import { eventually, within } from '../llm/helpers';
import { chatModelOf, readJsonl, sourceOf, testClient, writeJsonl } from './support';
import { sharedDataFile } from '../../support/sharedData';

/** One completion per row: `{prompt}` in, `{prompt, completion}` out. Model errors are thrown, as tasks do. */
function answerEach(model: ChatModel, options: { stream?: boolean; calls?: string[] } = {}): RowProcessor {
  return async (row, key, signal) => {
    const prompt = String(row.value.prompt);
    options.calls?.push(prompt);
    const result = await model.complete({ messages: [{ role: 'user', content: prompt }], stream: options.stream }, { signal });
    return { rows: [{ prompt, completion: result.content, distillery: { source: { key: `${key}#0` } } }], cached: result.cached ? 1 : 0, costUsd: 0 };
  };
}

const prompts = (count: number) => Array.from({ length: count }, (_, i) => ({ prompt: `question ${i} <<row-${i}>>` }));

/** The keys the runner gives these input rows, in order. */
function keysOf(rows: readonly unknown[]): string[] {
  const keys = new InputRowKeys();
  return rows.map((row) => keys.next(row));
}

/**
 * Every input row is in the output (all its rows) or in the errors file, exactly once, and
 * nothing else is there. Returns the failed rows' records.
 */
function assertEachRowOnce(inputRows: readonly unknown[], output: string): Array<{ line: number; key: string; error: string; fatal?: boolean; row?: unknown }> {
  const expected = keysOf(inputRows);
  const written = readJsonl(output).map((row) => sourceOf(row).input);
  const failed = readJsonl(`${output}.errors.jsonl`) as unknown as Array<{ line: number; key: string; error: string; fatal?: boolean; row?: unknown }>;
  const seen = [...written, ...failed.map((failure) => failure.key)].sort();
  assert.deepEqual(seen, [...expected].sort(), 'each input row exactly once in the output or the errors file');
  return failed;
}

describe('pipeline: the row-batch runner', function () {
  this.timeout(20_000);
  let server: TestServer;
  let dir: string;
  let input: string;
  let output: string;

  before(async () => {
    server = await startTestServer({ seed: 5 });
  });
  after(() => server.close());
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'distillery-batch-'));
    input = path.join(dir, 'in.jsonl');
    output = path.join(dir, 'out.jsonl');
  });
  afterEach(() => {
    server.reset();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers every row once, exact duplicate rows once per occurrence, with provenance keys', async () => {
    const rows = [...prompts(6), { prompt: 'question 2 <<row-2>>' }, { prompt: 'question 2 <<row-2>>' }];
    writeJsonl(input, rows);
    const model = chatModelOf(testClient(server));
    const summary = await runRowBatch({ input, output, process: answerEach(model) });
    assert.equal(summary.total, 8);
    assert.equal(summary.done, 8);
    assert.equal(summary.written, 8);
    assert.equal(summary.failed, 0);
    assert.equal(summary.errorsFile, undefined);
    assert.equal(summary.stoppedBy, undefined);
    const out = readJsonl(output);
    assert.equal(out.filter((row) => row.prompt === 'question 2 <<row-2>>').length, 3, 'the row and its two copies');
    for (const row of out) {
      assert.equal(typeof row.completion, 'string');
      assert.equal(sourceOf(row).outputs, 1);
    }
    assertEachRowOnce(rows, output);
    assert.equal(server.chatRequests().length, 8);
    assert.equal(existsSync(`${output}.errors.jsonl`), false);
  });

  it('resumes an interrupted run: rows done are skipped, the rest are run once', async () => {
    const rows = prompts(40);
    writeJsonl(input, rows);
    server.setLatency(20);
    const model = chatModelOf(testClient(server));
    const controller = new AbortController();
    const first = await runRowBatch({
      input,
      output,
      process: answerEach(model),
      concurrency: 4,
      signal: controller.signal,
      progressIntervalMs: 0,
      onProgress: (progress) => {
        if (progress.written >= 10) controller.abort();
      },
    });
    assert.equal(first.stoppedBy, 'cancelled');
    assert.ok(first.written >= 10 && first.written < 40, `wrote ${first.written}`);
    const writtenFirst = readJsonl(output).length;
    assert.equal(writtenFirst, first.written);

    const calls: string[] = [];
    const second = await runRowBatch({ input, output, process: answerEach(model, { calls }), concurrency: 4 });
    assert.equal(second.stoppedBy, undefined);
    assert.equal(second.resumed, writtenFirst);
    assert.equal(second.done, 40);
    assert.equal(second.written, 40 - writtenFirst);
    assert.equal(calls.length, 40 - writtenFirst, 'only the rows not done are run again');
    assertEachRowOnce(rows, output);
  });

  it('records malformed input lines with line:column, runs the rest, and clears them once fixed', async () => {
    const good = prompts(3);
    writeFileSync(input, `${JSON.stringify(good[0])}\n{"prompt": "broken\n\n[1, 2]\n${JSON.stringify(good[1])}\n${JSON.stringify(good[2])}\n`);
    const model = chatModelOf(testClient(server));
    const summary = await runRowBatch({ input, output, process: answerEach(model) });
    assert.equal(summary.total, 5, 'blank lines are not rows; malformed ones are');
    assert.equal(summary.done, 3);
    assert.equal(summary.failed, 2);
    assert.equal(summary.errorsFile, `${output}.errors.jsonl`);
    const failed = readJsonl(`${output}.errors.jsonl`) as Array<{ line: number; column: number; error: string; text: string }>;
    assert.deepEqual(failed.map((failure) => failure.line), [2, 4]);
    assert.match(failed[0]?.error ?? '', new RegExp(`^${escape(input)}:2:\\d+: `));
    assert.equal(failed[0]?.text, '{"prompt": "broken');
    assert.match(failed[1]?.error ?? '', /:4:1: .*object/i);
    assert.equal(readJsonl(output).length, 3);

    // Fixed by hand: the next run answers them and the errors file goes away.
    writeFileSync(input, `${JSON.stringify(good[0])}\n{"prompt": "mended"}\n\n{"prompt": "also mended"}\n${JSON.stringify(good[1])}\n${JSON.stringify(good[2])}\n`);
    const again = await runRowBatch({ input, output, process: answerEach(model) });
    assert.equal(again.resumed, 3);
    assert.equal(again.written, 2);
    assert.equal(again.failed, 0);
    assert.equal(again.errorsFile, undefined);
    assert.equal(existsSync(`${output}.errors.jsonl`), false);
  });

  it('runs only the selected lines, and keys rows the same with or without a selection', async () => {
    const rows = prompts(6);
    writeJsonl(input, rows);
    const model = chatModelOf(testClient(server));
    const summary = await runRowBatch({ input, output, process: answerEach(model), selectLines: (line) => line === 2 || line === 5 });
    assert.equal(summary.total, 2);
    assert.equal(summary.done, 2);
    assert.deepEqual(readJsonl(output).map((row) => row.prompt).sort(), ['question 1 <<row-1>>', 'question 4 <<row-4>>']);
    const all = await runRowBatch({ input, output, process: answerEach(model) });
    assert.equal(all.resumed, 2);
    assert.equal(all.written, 4);
    assertEachRowOnce(rows, output);
  });

  it('a row that produced nothing is run again on resume, and writes no duplicate', async () => {
    const rows = prompts(3);
    writeJsonl(input, rows);
    const calls: string[] = [];
    const nothingForRow1: RowProcessor = async (row, key) => {
      calls.push(String(row.value.prompt));
      if (row.line === 2) return { rows: [], cached: 0, costUsd: 0 };
      return { rows: [{ ...row.value, distillery: { source: { key: `${key}#0` } } }], cached: 0, costUsd: 0 };
    };
    const first = await runRowBatch({ input, output, process: nothingForRow1 });
    assert.equal(first.done, 3);
    assert.equal(first.written, 2);
    const second = await runRowBatch({ input, output, process: nothingForRow1 });
    assert.equal(second.resumed, 2);
    assert.deepEqual(calls.slice(3), ['question 1 <<row-1>>'], 'only the empty row is run again');
    assert.equal(readJsonl(output).length, 2);
  });

  it('a row cut short between its output lines (a kill) is completed on resume without repeating a line', async () => {
    const rows = prompts(2);
    writeJsonl(input, rows);
    const twoEach: RowProcessor = async (row, key) => ({
      rows: [0, 1].map((sample) => ({ ...row.value, sample, distillery: { source: { key: `${key}#${sample}` } } })),
      cached: 0,
      costUsd: 0,
    });
    await runRowBatch({ input, output, process: twoEach });
    const lines = readFileSync(output, 'utf8').split('\n').filter(Boolean);
    assert.equal(lines.length, 4);
    // As if killed after the first line of the second row and in the middle of its second line.
    const firstOfSecond = lines.findIndex((line) => sourceOf(JSON.parse(line) as Record<string, unknown>).input === keysOf(rows)[1]);
    const kept = lines.filter((line, index) => sourceOf(JSON.parse(line) as Record<string, unknown>).input !== keysOf(rows)[1] || index === firstOfSecond);
    writeFileSync(output, `${kept.join('\n')}\n{"prompt": "question 1 <<ro`);
    const resumed = await runRowBatch({ input, output, process: twoEach });
    assert.equal(resumed.resumed, 1);
    assert.equal(resumed.written, 1, 'only the missing line');
    const out = readJsonl(output);
    assert.equal(out.length, 4);
    assert.equal(new Set(out.map((row) => sourceOf(row).key)).size, 4);
  });

  it('a failed row is retried by the next run; failures the run did not reach stay recorded', async () => {
    const rows = prompts(4);
    writeJsonl(input, rows);
    server.fault({ kind: 'status', status: 400, count: Infinity, match: { marker: '<<row-1>>' } });
    server.fault({ kind: 'status', status: 400, count: Infinity, match: { marker: '<<row-3>>' } });
    const model = chatModelOf(testClient(server));
    const first = await runRowBatch({ input, output, process: answerEach(model) });
    assert.equal(first.failed, 2);
    const failed = assertEachRowOnce(rows, output);
    assert.deepEqual(failed.map((failure) => failure.line), [2, 4]);
    assert.match(failed[0]?.error ?? '', /request refused.*400/);
    assert.deepEqual(failed[0]?.row, rows[1]);

    // Row 2 now succeeds; row 4 is not selected, so its failure is kept as it was.
    server.clearFaults();
    const second = await runRowBatch({ input, output, process: answerEach(model), selectLines: (line) => line !== 4 });
    assert.equal(second.written, 1);
    assert.equal(second.failed, 0);
    assert.equal(second.errorsFile, `${output}.errors.jsonl`);
    assert.deepEqual(assertEachRowOnce(rows, output).map((failure) => failure.line), [4]);

    const third = await runRowBatch({ input, output, process: answerEach(model) });
    assert.equal(third.written, 1);
    assert.equal(third.errorsFile, undefined);
    assert.deepEqual(assertEachRowOnce(rows, output), []);
  });

  it('cancellation stops within a second, sends nothing more, and writes no row in flight', async () => {
    const rows = prompts(20);
    writeJsonl(input, rows);
    server.fault({ kind: 'stall', count: Infinity });
    const model = chatModelOf(testClient(server, {}, { attemptTimeoutMs: 60_000 }));
    const controller = new AbortController();
    const progress: BatchProgress[] = [];
    const run = runRowBatch({ input, output, process: answerEach(model), concurrency: 4, signal: controller.signal, onProgress: (p) => progress.push(p) });
    await eventually(() => server.inFlight() === 4, 'four rows in flight');
    controller.abort();
    const summary = await within(run, 2000, 'the cancelled run');
    assert.equal(summary.stoppedBy, 'cancelled');
    assert.equal(summary.written, 0);
    assert.equal(summary.failed, 0, 'a cancelled row is not a failure');
    const sent = server.chatRequests().length;
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(server.chatRequests().length, sent, 'nothing sent after the cancel');
    assert.equal(sent, 4);
    assert.equal(existsSync(`${output}.errors.jsonl`), false);
    assert.deepEqual(progress.at(-1), { total: 20, done: 0, failed: 0, cached: 0, resumed: 0, written: 0, costUsd: 0 });
  });

  it('keeps at most `concurrency` input rows in flight', async () => {
    writeJsonl(input, prompts(30));
    server.setLatency(10);
    let active = 0;
    let most = 0;
    const model = chatModelOf(testClient(server, { concurrency: 64 }));
    const inner = answerEach(model);
    const counting: RowProcessor = async (row, key, signal) => {
      active++;
      most = Math.max(most, active);
      try {
        return await inner(row, key, signal);
      } finally {
        active--;
      }
    };
    await runRowBatch({ input, output, process: counting, concurrency: 3 });
    assert.equal(most, 3);
  });

  it('refuses an output that is the input, and an input that cannot be read, naming the file', async () => {
    writeJsonl(input, prompts(1));
    const process: RowProcessor = async () => ({ rows: [], cached: 0, costUsd: 0 });
    await assert.rejects(runRowBatch({ input, output: input, process }), /another file than the input/);
    await assert.rejects(runRowBatch({ input: path.join(dir, 'missing.jsonl'), output, process }), /missing\.jsonl: cannot read \(ENOENT\)/);
    // A JSON array (Alpaca's demo file is one) is refused once, with what to do, not row by row.
    const alpaca = sharedDataFile('llamafactory-alpaca_en_demo.json');
    await assert.rejects(runRowBatch({ input: alpaca, output, process }), /llamafactory-alpaca_en_demo\.json: a JSON array file; this reads JSONL .*distillery convert llamafactory-alpaca_en_demo\.json -o llamafactory-alpaca_en_demo\.jsonl/);
    assert.equal(existsSync(output), false, 'nothing written');
  });

  it('a resumed output with a torn last line is trimmed, and the torn row is run again', async () => {
    const rows = prompts(3);
    writeJsonl(input, rows);
    const model = chatModelOf(testClient(server));
    await runRowBatch({ input, output, process: answerEach(model), selectLines: (line) => line === 1 });
    appendFileSync(output, '{"prompt":"question 1 <<row-1>>","completion":"half');
    const summary = await runRowBatch({ input, output, process: answerEach(model) });
    assert.equal(summary.resumed, 1);
    assert.equal(summary.written, 2);
    assertEachRowOnce(rows, output);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
