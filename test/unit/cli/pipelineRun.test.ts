import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { runCli } from '../../../src/cli/run';
import { ExitCode } from '../../../src/cli/exitCodes';
import { createRunCommand } from '../../../src/cli/commands/pipelineRun';
import type { PipelineEstimate } from '../../../src/core/pipeline/run/dryRun';
import type { Manifest } from '../../../src/core/pipeline/run/manifest';
import { startTestServer, type TestServer } from '../../support/openaiServer';
import { readJsonl, sourceOf, writeJsonl } from '../pipeline/support';
import { fakeIo } from './fakeIo';

const KEY = 'sk-test-pipeline-canary-4471';
const prompts = (count: number) => Array.from({ length: count }, (_, i) => ({ prompt: `Question ${i}: name a thing <<q${i}>>.` }));

/** Two teachers answer each prompt (two candidates), a judge compares them in both orders. */
function pipelineText(options: { judgeSamples?: number; steps?: string } = {}): string {
  return `// a test pipeline
{
  "input": "in.jsonl",
  "outputDir": "out",
  "models": {
    "profiles": {
      "small": { "baseURL": "\${BASE}", "model": "sim-small", "apiKeyEnv": "TEST_KEY", "concurrency": 4, "pricePerMillionInput": 1, "pricePerMillionOutput": 2 },
      "large": { "baseURL": "\${BASE}", "model": "sim-large", "apiKeyEnv": "TEST_KEY", "concurrency": 4, "pricePerMillionInput": 3, "pricePerMillionOutput": 6 }
    },
    "roles": { "teacher": ["small", "large"], "judge": "large" }
  },
  "steps": ${options.steps ?? `[
    { "id": "answers", "type": "generate", "candidates": true, "maxTokens": 64 },
    { "id": "verdicts", "type": "judge", "samples": ${options.judgeSamples ?? 1}, "maxTokens": 200 }
  ]`}
}
`;
}

describe('distillery run', function () {
  this.timeout(30_000);
  let server: TestServer;
  let dir: string;
  const at = (name: string) => path.join(dir, name);
  const commands = [createRunCommand({ client: { retry: { baseDelayMs: 5, maxDelayMs: 20, maxAttempts: 2 }, attemptTimeoutMs: 3000, idleTimeoutMs: 1000 } }, async () => countTokens)];

  before(async () => {
    // Usage counted with o200k_base, the tokenizer the dry run counts with.
    server = await startTestServer({ seed: 3, usageTokenizer: countTokens });
  });
  after(() => server.close());
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'distillery-cli-run-'));
  });
  afterEach(() => {
    server.reset();
    rmSync(dir, { recursive: true, force: true });
  });

  function cli(args: string[], env: Record<string, string> = {}) {
    const captured = fakeIo({ cwd: dir, env: { BASE: server.baseURL, TEST_KEY: KEY, ...env } });
    return runCli(['run', ...args], captured.io, commands).then((code) => ({ code, stdout: captured.stdout.text, stderr: captured.stderr.text }));
  }
  const manifest = (): Manifest => JSON.parse(readFileSync(at('out/manifest.json'), 'utf8')) as Manifest;
  const usageTokens = (requests = server.chatRequests()) => requests.reduce((sum, request) => sum + (request.usage?.prompt_tokens ?? 0), 0);

  it('a dry run counts the requests and prompt tokens the run then spends, and sends nothing', async () => {
    writeJsonl(at('in.jsonl'), prompts(5));
    writeFileSync(at('p.distillery.jsonc'), pipelineText());
    const dry = await cli(['p.distillery.jsonc', '--dry-run', '--json']);
    assert.equal(dry.code, ExitCode.Success, dry.stderr);
    assert.equal(server.chatRequests().length, 0, 'a dry run sends nothing');
    assert.ok(!existsSync(at('out/01-answers.jsonl')), 'a dry run writes no output');
    const estimate = JSON.parse(dry.stdout) as PipelineEstimate;
    const [answers, verdicts] = estimate.steps;
    assert.deepEqual([answers?.requests, answers?.exact], [10, true], 'five prompts, two teachers');
    assert.equal(verdicts?.requests, 10, 'five pairs, both orders');

    const run = await cli(['p.distillery.jsonc']);
    assert.equal(run.code, ExitCode.Success, run.stderr);
    const generateRequests = server.chatRequests().filter((request) => !JSON.stringify(request.body).includes('json_schema'));
    assert.equal(server.chatRequests().length, estimate.requests, 'the estimate counted every request the run made');
    assert.equal(generateRequests.length, 10);
    assert.equal(answers?.promptTokens, usageTokens(generateRequests), 'the first step\'s prompt tokens exactly');
    // Upper bounds hold.
    const spent = manifest().costUsd;
    assert.ok(estimate.costUsdUpTo !== undefined && estimate.costUsdUpTo >= spent, `estimate ${estimate.costUsdUpTo} ≥ spent ${spent}`);
  });

  it('runs the steps, prints the summary, leaves a manifest without keys, and a second run skips them all', async () => {
    writeJsonl(at('in.jsonl'), prompts(4));
    writeFileSync(at('p.distillery.jsonc'), pipelineText());
    const first = await cli(['p.distillery.jsonc']);
    assert.equal(first.code, ExitCode.Success, first.stderr);
    assert.match(first.stdout, /^answers\s+generate\s+done\s+4\s+4\s+0\s+0\s+\$\d\.\d{4}\s+out\/01-answers\.jsonl$/m);
    assert.match(first.stdout, /^verdicts\s+judge\s+done\s+4\s+4\s+0\s+0\s+\$\d\.\d{4}\s+out\/02-verdicts\.jsonl$/m);
    assert.match(first.stdout, /^manifest: out\/manifest\.json$/m);
    const verdictRows = readJsonl(at('out/02-verdicts.jsonl'));
    assert.equal(verdictRows.length, 4);
    assert.ok(verdictRows.every((row) => (row.distillery as { judgement?: unknown }).judgement !== undefined));

    const written = manifest();
    assert.equal(written.outcome, 'success');
    assert.deepEqual(written.steps.map((step) => [step.id, step.status, step.result?.rowsOut]), [['answers', 'done', 4], ['verdicts', 'done', 4]]);
    assert.deepEqual(written.profiles.map((profile) => [profile.name, profile.model, profile.apiKeyEnv]), [['small', 'sim-small', 'TEST_KEY'], ['large', 'sim-large', 'TEST_KEY']]);
    assert.ok(written.costUsd > 0);
    for (const file of ['out/manifest.json', 'out/01-answers.jsonl', 'out/02-verdicts.jsonl']) {
      assert.ok(!readFileSync(at(file), 'utf8').includes(KEY), `${file} holds no key`);
    }
    assert.ok(!first.stdout.includes(KEY) && !first.stderr.includes(KEY));

    const requests = server.chatRequests().length;
    const second = await cli(['p.distillery.jsonc']);
    assert.equal(second.code, ExitCode.Success, second.stderr);
    assert.match(second.stderr, /\[1\/2\] answers \(generate\): already done \(4 rows\), skipped/);
    assert.match(second.stderr, /\[2\/2\] verdicts \(judge\): already done \(4 rows\), skipped/);
    assert.equal(server.chatRequests().length, requests, 'nothing asked again');

    // A changed judge option runs that step again (from scratch), and only it.
    writeFileSync(at('p.distillery.jsonc'), pipelineText({ judgeSamples: 2 }));
    const third = await cli(['p.distillery.jsonc']);
    assert.equal(third.code, ExitCode.Success, third.stderr);
    assert.match(third.stderr, /answers \(generate\): already done/);
    assert.match(third.stderr, /step "verdicts": its options, models or files changed since the last run/);
    const judged = readJsonl(at('out/02-verdicts.jsonl'));
    assert.equal(judged.length, 4, 'each row once');
    const samples = judged.map((row) => (row.distillery as { judgement: { samples: unknown[] } }).judgement.samples.length);
    assert.deepEqual(samples, [4, 4, 4, 4], 'two samples in each order');
  });

  it('exit codes: 1 when rows failed (the next run retries only them), 3 when the key is refused, 2 for a bad pipeline at its place', async () => {
    writeJsonl(at('in.jsonl'), prompts(3));
    writeFileSync(at('p.distillery.jsonc'), pipelineText());
    server.addRule({ name: 'broken', match: { marker: '<<q1>>' }, fault: { kind: 'status', status: 500 } });
    const partial = await cli(['p.distillery.jsonc']);
    assert.equal(partial.code, ExitCode.PartialFailure, partial.stderr);
    assert.match(partial.stdout, /^answers\s+generate\s+partial\s+3\s+2\s+1\s/m);
    assert.match(partial.stdout, /^verdicts\s+judge\s+done\s+2\s+2\s/m);
    assert.equal(manifest().outcome, 'partial');
    assert.ok(existsSync(at('out/01-answers.jsonl.errors.jsonl')));

    server.reset();
    const retried = await cli(['p.distillery.jsonc']);
    assert.equal(retried.code, ExitCode.Success, retried.stderr);
    assert.ok(server.chatRequests().every((request) => JSON.stringify(request.body).includes('<<q1>>')), 'only the failed row is asked again');
    const answers = readJsonl(at('out/01-answers.jsonl'));
    assert.equal(answers.length, 3);
    assert.equal(new Set(answers.map((row) => sourceOf(row).input)).size, 3, 'each input row once');
    assert.equal(readJsonl(at('out/02-verdicts.jsonl')).length, 3);

    rmSync(at('out'), { recursive: true });
    server.addRule({ name: 'refused', fault: { kind: 'unauthorized' } });
    const refused = await cli(['p.distillery.jsonc', '--no-cache'], { TEST_KEY: 'sk-wrong-key' });
    assert.equal(refused.code, ExitCode.Failure, refused.stderr);
    assert.match(refused.stderr, /refused the key/);
    assert.equal(manifest().outcome, 'stopped');
    assert.ok(!refused.stderr.includes('sk-wrong-key'));

    writeFileSync(at('bad.distillery.jsonc'), pipelineText({ steps: '[\n    { "type": "generate" },\n    { "type": "summarise" }\n  ]' }));
    const bad = await cli(['bad.distillery.jsonc']);
    assert.equal(bad.code, ExitCode.BadInput);
    assert.match(bad.stderr, /bad\.distillery\.jsonc:14:15: unknown step type "summarise" \(known: self-instruct, generate/);
  });

  it('a pipeline that only curates needs no endpoint: no models section, no OPENAI_* variables', async () => {
    writeJsonl(at('in.jsonl'), [...prompts(3), prompts(1)[0]]);
    writeFileSync(at('c.distillery.jsonc'), '{ "input": "in.jsonl", "outputDir": "out", "steps": [ { "type": "dedup" }, { "type": "export", "to": "train.jsonl" } ] }');
    const captured = fakeIo({ cwd: dir, env: {} });
    const code = await runCli(['run', 'c.distillery.jsonc'], captured.io, commands);
    assert.equal(code, ExitCode.Success, captured.stderr.text);
    assert.equal(readJsonl(at('train.jsonl')).length, 3, 'the repeated row removed');
    assert.equal(server.chatRequests().length, 0);
  });
});
