import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { UsageLedger } from '../../../src/core/llm/accounting';
import { errorsFileFor, readFailedRows, writeFailedRows } from '../../../src/core/pipeline/errorsFile';
import { InputRowKeys } from '../../../src/core/pipeline/inputKeys';
import { runPipeline } from '../../../src/core/pipeline/run/runPipeline';
import type { PipelineDefinition, PipelineStep } from '../../../src/core/pipeline/run/pipelineTypes';
import type { PipelineModels } from '../../../src/core/pipeline/run/runnerTypes';
import { removeVanishedRows } from '../../../src/core/pipeline/vanishedRows';
import { startTestServer, type TestServer } from '../../support/openaiServer';
import { chat, score } from '../curation/rows';
import { chatModelOf, readJsonl, sourceOf, testClient, writeJsonl } from './support';

const location = { file: 'test.distillery.jsonc', line: 1, column: 1 };

describe('rows made from input rows that are gone', function () {
  this.timeout(30_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'distillery-vanished-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** The keys the batch runner gives these rows, in order. */
  const keysOf = (rows: readonly Record<string, unknown>[]): string[] => {
    const keys = new InputRowKeys();
    return rows.map((row) => keys.next(row));
  };
  const made = (inputKey: string, index: number, text: string): Record<string, unknown> => ({
    prompt: text,
    completion: `answer ${index}`,
    distillery: { source: { key: `${inputKey}#${index}`, input: inputKey, outputs: 2 } },
  });

  it('removes the output rows and recorded failures of input rows no longer there, keeping every other line byte for byte', async () => {
    const a = { prompt: 'A' };
    const b = { prompt: 'B' };
    const c = { prompt: 'C' };
    const e = { prompt: 'E' };
    const [keyA, keyB, keyC] = keysOf([a, b, c]) as [string, string, string];
    const input = path.join(dir, 'in.jsonl');
    const output = path.join(dir, 'out.jsonl');
    writeJsonl(input, [a, c, e]); // B is gone, E is new
    const [, , keyE] = keysOf([a, c, e]) as [string, string, string];
    const foreign = '{"prompt":"written by hand","note":"no source key"}';
    const lines = [
      JSON.stringify(made(keyA, 0, 'A')), JSON.stringify(made(keyB, 0, 'B')), foreign, JSON.stringify(made(keyC, 0, 'C')),
      JSON.stringify(made(keyB, 1, 'B')), JSON.stringify(made(keyA, 1, 'A')),
    ];
    writeFileSync(output, `${lines.join('\n')}\n{"prompt":"torn`);
    await writeFailedRows(errorsFileFor(output), [
      { line: 2, key: keyB, error: 'HTTP 500' },
      { line: 3, key: keyE, error: 'HTTP 500' },
    ]);

    const removed = await removeVanishedRows(input, output);

    assert.deepEqual(removed, { rows: 2, failures: 1 });
    const kept = [lines[0], lines[2], lines[3], lines[5]];
    assert.equal(readFileSync(output, 'utf8'), `${kept.join('\n')}\n`, 'B\'s two rows and the torn line gone; the rest as it was, in order');
    assert.deepEqual([...(await readFailedRows(errorsFileFor(output))).keys()], [keyE], 'E (still in the input) keeps its failure; B\'s is gone');

    const before = readFileSync(output);
    assert.deepEqual(await removeVanishedRows(input, output), { rows: 0, failures: 0 });
    assert.deepEqual(readFileSync(output), before, 'nothing to remove: the file is not rewritten');
  });

  it('counts duplicate input rows by occurrence: the second copy gone takes only its own rows', async () => {
    const q = { prompt: 'same question' };
    const [first, second] = keysOf([q, q]) as [string, string];
    const input = path.join(dir, 'in.jsonl');
    const output = path.join(dir, 'out.jsonl');
    writeJsonl(input, [q]);
    writeJsonl(output, [made(first, 0, 'first copy'), made(second, 0, 'second copy')]);
    assert.deepEqual(await removeVanishedRows(input, output), { rows: 1, failures: 0 });
    assert.deepEqual(readJsonl(output).map((row) => row.prompt), ['first copy']);
  });

  describe('in a pipeline', () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer({ seed: 4 });
    });
    after(() => server.close());

    it('filter → generate: after the filter drops a prompt on a re-run, generate keeps no answer to it and answers the new one', async () => {
      const client = testClient(server);
      const models: PipelineModels = {
        model: () => chatModelOf(client),
        teachers: [chatModelOf(client)],
        critic: undefined,
        judges: [],
        ledger: new UsageLedger(),
      };
      const prompt = (text: string, reward: number): Record<string, unknown> => ({ ...chat(text, 'a draft answer'), distillery: { score: score(reward) } });
      const input = path.join(dir, 'prompts.jsonl');
      writeJsonl(input, [prompt('Name a river.', 5), prompt('Name a mountain.', 5), prompt('Name a desert.', 5)]);
      const steps: PipelineStep[] = [
        { type: 'filter', id: 'filter', index: 1, location, minScore: 3 },
        { type: 'generate', id: 'answers', index: 2, location, maxTokens: 24 },
      ];
      const pipeline: PipelineDefinition = { file: path.join(dir, 'p.distillery.jsonc'), name: 'p', input, outputDir: path.join(dir, 'out'), steps, sha256: 'x' };
      const first = await runPipeline({ pipeline, models });
      assert.equal(first.outcome, 'success');
      const answers = path.join(dir, 'out', '02-answers.jsonl');
      assert.equal(readJsonl(answers).length, 3);

      // The mountain is now scored below the filter's bar, and a new prompt arrives.
      writeJsonl(input, [prompt('Name a river.', 5), prompt('Name a mountain.', 1), prompt('Name a desert.', 5), prompt('Name a lake.', 5)]);
      const logs: string[] = [];
      const second = await runPipeline({ pipeline, models, log: (line) => logs.push(line) });
      assert.equal(second.outcome, 'success');

      const filtered = readJsonl(path.join(dir, 'out', '01-filter.jsonl'));
      const wanted = new Set(keysOf(filtered));
      const rows = readJsonl(answers);
      const asked = rows.map((row) => ((row.messages as { content: string }[] | undefined)?.[0]?.content ?? row.prompt) as string);
      assert.deepEqual(asked.sort(), ['Name a desert.', 'Name a lake.', 'Name a river.']);
      assert.ok(rows.every((row) => wanted.has(sourceOf(row).input)), 'every answer comes from a row of the filter\'s current output');
      assert.ok(logs.some((line) => /removed 1 output row and 0 recorded failures/.test(line)), logs.join('\n'));
      assert.equal(second.steps.find((step) => step.id === 'answers')?.result?.rowsOut, 3);
    });
  });
});
