import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { BatchIndex } from '../../../src/core/batch/batchIndex';
import { createBatchCommand } from '../../../src/cli/commands/batch';
import { createRunCommand } from '../../../src/cli/commands/pipelineRun';
import { ExitCode } from '../../../src/cli/exitCodes';
import { runCli } from '../../../src/cli/run';
import { startTestServer, type ChatRequest, type ReplyContext, type TestServer } from '../../support/openaiServer';
import { runBatchFile } from '../../support/openaiServer/batchRunner';
import { distinctAnswer, readJsonl, writeJsonl } from '../pipeline/support';
import { fakeIo } from '../cli/fakeIo';

const PIPELINE = `{
  // Two teachers answer each prompt; a judge compares the two answers in both orders; exact duplicates go.
  "name": "tiny",
  "input": "prompts.jsonl",
  "outputDir": "out",
  "models": {
    "profiles": {
      "teacher-a": { "baseURL": "\${SIM_BASE_URL}", "model": "sim-small", "apiKeyEnv": "SIM_API_KEY" },
      "teacher-b": { "baseURL": "\${SIM_BASE_URL}", "model": "sim-large", "apiKeyEnv": "SIM_API_KEY" },
      "judge": { "baseURL": "\${SIM_BASE_URL}", "model": "sim-judge", "apiKeyEnv": "SIM_API_KEY" }
    },
    "roles": { "teacher": ["teacher-a", "teacher-b"], "judge": "judge" }
  },
  "steps": [
    { "type": "generate", "candidates": true, "seed": 1 },
    { "type": "judge", "samples": 1, "bothOrders": true },
    { "type": "dedup", "field": "prompt", "exactOnly": true }
  ]
}
`;

const execFileAsync = promisify(execFile);

function teacherAnswer(request: ChatRequest, context: ReplyContext): string {
  return `${distinctAnswer(request, context)} [[quality:${request.model === 'sim-large' ? 0.8 : 0.3}]]`;
}

describe('distillery batch export|import (CLI)', function () {
  this.timeout(60_000);
  let server: TestServer;
  let dir: string;
  const at = (...names: string[]) => path.join(dir, ...names);
  const commands = [
    createBatchCommand({ client: { retry: { baseDelayMs: 5, maxDelayMs: 20, maxAttempts: 3 }, attemptTimeoutMs: 3000, idleTimeoutMs: 1000 } }),
    createRunCommand({ client: { retry: { baseDelayMs: 5, maxDelayMs: 20, maxAttempts: 3 }, attemptTimeoutMs: 3000, idleTimeoutMs: 1000 } }),
  ];

  before(async () => {
    server = await startTestServer({ seed: 3 });
  });
  after(() => server.close());
  beforeEach(() => {
    server.addRule({ name: 'teacher', match: { predicate: (request) => request.responseFormat.type !== 'json_schema' }, reply: teacherAnswer });
    dir = mkdtempSync(path.join(tmpdir(), 'distillery-batch-cli-'));
    writeFileSync(at('tiny.distillery.jsonc'), PIPELINE);
    writeJsonl(at('prompts.jsonl'), Array.from({ length: 3 }, (_, i) => ({ prompt: `Question ${i}: say something <<c${i}>>.` })));
  });
  afterEach(() => {
    server.reset();
    rmSync(dir, { recursive: true, force: true });
  });

  const secret = 'sk-batch-cli-secret-key';
  async function cli(args: string[], signal?: AbortSignal) {
    const captured = fakeIo({ cwd: dir, env: { SIM_BASE_URL: server.baseURL, SIM_API_KEY: secret }, ...(signal ? { signal } : {}) });
    const code = await runCli(args, captured.io, commands);
    const result = { code, stdout: captured.stdout.text, stderr: captured.stderr.text };
    assert.doesNotMatch(result.stdout + result.stderr, new RegExp(secret), 'the key is never printed');
    return result;
  }

  /** Runs every request file of the export as a batch job would; the first through the script, as `vllm run-batch` is run. */
  async function runExport(wave: string): Promise<string[]> {
    const index = JSON.parse(readFileSync(at('out', 'batch', 'batch-index.json'), 'utf8')) as BatchIndex;
    assert.doesNotMatch(JSON.stringify(index), new RegExp(secret));
    const results: string[] = [];
    for (const [n, entry] of index.files.entries()) {
      const result = `${wave}-${entry.file}`;
      if (n === 0) {
        const script = path.resolve(__dirname, '../../support/openaiServer/batchRunner.ts');
        const { stdout } = await execFileAsync(process.execPath, ['--import', 'tsx', script, '-i', at('out', 'batch', entry.file), '-o', at(result), '--base-url', server.baseURL]);
        assert.match(stdout, new RegExp(`^${entry.requests} requests: ${entry.requests} succeeded, 0 failed$`, 'm'));
      } else {
        await runBatchFile(server.baseURL, at('out', 'batch', entry.file), at(result));
      }
      results.push(result);
    }
    return results;
  }

  it('export → batch runner → import, wave by wave, until run finishes from the cache with no request', async () => {
    const first = await cli(['batch', 'export', 'tiny.distillery.jsonc', '--max-requests', '2']);
    assert.equal(first.code, ExitCode.Success, first.stderr);
    assert.equal(server.chatRequests().length, 0, 'export sends nothing');
    assert.match(first.stdout, /^6 requests in 4 files \(out\/batch\/batch-index\.json\):$/m);
    assert.match(first.stdout, /^ {2}out\/batch\/teacher-a-0001\.jsonl: 2 requests, [\d.]+ k?B, profile teacher-a \(sim-small at http:\/\/127\.0\.0\.1:\d+\/v1\)$/m);
    assert.match(first.stdout, /^then: distillery batch import tiny\.distillery\.jsonc RESULTS\.jsonl\.\.\.$/m);
    assert.deepEqual(readdirSync(at('out', 'batch')).sort(), ['batch-index.json', 'teacher-a-0001.jsonl', 'teacher-a-0002.jsonl', 'teacher-b-0001.jsonl', 'teacher-b-0002.jsonl']);

    const generateResults = await runExport('generate');
    const imported = await cli(['batch', 'import', 'tiny.distillery.jsonc', ...generateResults]);
    assert.equal(imported.code, ExitCode.Success, imported.stderr);
    assert.match(imported.stdout, /^profile\s+model\s+imported\s+failed\s+skipped\s+tokens in\s+tokens out$/m);
    assert.match(imported.stdout, /^teacher-a\s+sim-small\s+3\s+0\s+0\s+\d+\s+\d+$/m);
    assert.match(imported.stdout, /^6 imported, 0 failed, 0 skipped \(already cached\), into \.distillery\/cache$/m);

    // The next wave: the answers come from the cache, the judge's calls are exported.
    const second = await cli(['batch', 'export', 'tiny.distillery.jsonc']);
    assert.equal(second.code, ExitCode.Success, second.stderr);
    assert.match(second.stdout, /^6 requests in 1 file/m);
    assert.match(second.stderr, /replaced the earlier export in out\/batch \(4 old files removed\)/);
    const judgeResults = await runExport('judge');
    const sentByBatches = server.chatRequests().length;
    assert.equal(sentByBatches, 12);

    // A reply that breaks the verdict schema is refused at its line; the others are imported.
    const broken = readFileSync(at(judgeResults[0] as string), 'utf8').split('\n');
    const line = JSON.parse(broken[1] as string) as { response: { body: { choices: Array<{ message: { content: string } }> } } };
    (line.response.body.choices[0] as { message: { content: string } }).message.content = '{"winner": "C"}';
    broken[1] = JSON.stringify(line);
    writeFileSync(at('judge-broken.jsonl'), broken.join('\n'));
    const partly = await cli(['batch', 'import', 'tiny.distillery.jsonc', 'judge-broken.jsonl']);
    assert.equal(partly.code, ExitCode.PartialFailure);
    assert.match(partly.stderr, /^judge-broken\.jsonl:2: error: the reply does not match the json_schema "\w+": /m);
    assert.match(partly.stdout, /^5 imported, 1 failed, 0 skipped/m);
    assert.match(partly.stdout, /^1 exported request has no reply yet/m);
    const rest = await cli(['batch', 'import', 'tiny.distillery.jsonc', ...judgeResults]);
    assert.equal(rest.code, ExitCode.Success, rest.stderr);
    assert.match(rest.stdout, /^1 imported, 0 failed, 5 skipped \(already cached\)/m);

    const third = await cli(['batch', 'export', 'tiny.distillery.jsonc']);
    assert.equal(third.code, ExitCode.Success, third.stderr);
    assert.match(third.stdout, /^nothing to export: the response cache answers every model call of the pipeline$/m);
    assert.equal(existsSync(at('out', '03-dedup.jsonl')), false, 'export stops after the last model step');

    const run = await cli(['run', 'tiny.distillery.jsonc']);
    assert.equal(run.code, ExitCode.Success, run.stderr);
    assert.equal(server.chatRequests().length, sentByBatches, 'the final run sends no request');
    const judged = readJsonl(at('out', '02-judge.jsonl'));
    assert.equal(judged.length, 3);
    assert.ok(judged.every((row) => ['A', 'B', 'tie'].includes((row.distillery as { judgement: { winner: string } }).judgement.winner)));
    assert.equal(existsSync(at('out', '02-judge.jsonl.errors.jsonl')), false, 'no row left failed');
    assert.equal(readJsonl(at('out', '03-dedup.jsonl')).length, 3);
  });

  it('bad input: exit 2 naming the problem; nothing is exported or imported', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['batch', 'send', 'tiny.distillery.jsonc'], /unknown action "send": use export or import/],
      [['batch', 'export', 'tiny.distillery.jsonc', '--max-requests', '0'], /--max-requests must be a whole number ≥ 1, not "0"/],
      [['batch', 'export', 'tiny.distillery.jsonc', '--until', 'nope'], /--until: no step named "nope" \(steps: generate, judge, dedup\)/],
      [['batch', 'import', 'tiny.distillery.jsonc'], /batch import needs the result files/],
      [['batch', 'import', 'tiny.distillery.jsonc', 'results.jsonl'], /out\/batch\/batch-index\.json: cannot read the batch export's index \(ENOENT\)/],
    ];
    for (const [args, message] of cases) {
      const result = await cli(args);
      assert.equal(result.code, ExitCode.BadInput, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message, args.join(' '));
    }
    writeFileSync(at('nocache.distillery.jsonc'), PIPELINE.replace('"name": "tiny",', '"name": "tiny", "cache": false,'));
    const noCache = await cli(['batch', 'export', 'nocache.distillery.jsonc']);
    assert.equal(noCache.code, ExitCode.BadInput);
    assert.match(noCache.stderr, /nocache\.distillery\.jsonc: the pipeline turns the response cache off/);
    assert.equal(existsSync(at('out', 'batch', 'batch-index.json')), false);
    assert.equal(server.chatRequests().length, 0);
  });

  it('an interrupted export writes nothing and leaves the earlier export as it was', async () => {
    const first = await cli(['batch', 'export', 'tiny.distillery.jsonc']);
    assert.equal(first.code, ExitCode.Success, first.stderr);
    const index = readFileSync(at('out', 'batch', 'batch-index.json'), 'utf8');
    writeJsonl(at('prompts.jsonl'), Array.from({ length: 5 }, (_, i) => ({ prompt: `Another question ${i} <<d${i}>>.` })));
    const stop = new AbortController();
    stop.abort();
    const interrupted = await cli(['batch', 'export', 'tiny.distillery.jsonc'], stop.signal);
    assert.equal(interrupted.code, ExitCode.Interrupted, interrupted.stderr);
    assert.match(interrupted.stderr, /interrupted; nothing was exported \(an earlier export in the folder is unchanged\)/);
    assert.equal(readFileSync(at('out', 'batch', 'batch-index.json'), 'utf8'), index);
    assert.deepEqual(readdirSync(at('out', 'batch')).sort(), ['batch-index.json', 'teacher-a-0001.jsonl', 'teacher-b-0001.jsonl'], 'no temporary file is left');
  });
});
