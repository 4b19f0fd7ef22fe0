import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createCritiqueCommand } from '../../../src/cli/commands/critique';
import { ExitCode } from '../../../src/cli/exitCodes';
import { runCli } from '../../../src/cli/run';
import { detectRowKind } from '../../../src/core/dataset/rowKinds';
import { startTestServer, type TestServer } from '../../support/openaiServer';
import { readJsonl, writeJsonl } from '../pipeline/support';
import { CONSTITUTION_TEXT, criticRules, principleOf } from '../tasks/critiqueScript';
import { fakeIo } from './fakeIo';

const rows = [
  { messages: [{ role: 'user', content: 'Name a tree <<r0>>.' }, { role: 'assistant', content: 'Oak, you fool.' }] },
  { prompt: 'Name a bird <<r1>>.', completion: 'Owl, idiot.' },
];

describe('distillery critique', function () {
  this.timeout(20_000);
  let server: TestServer;
  let dir: string;
  const at = (name: string) => path.join(dir, name);
  const commands = [createCritiqueCommand({ client: { retry: { baseDelayMs: 5, maxDelayMs: 20, maxAttempts: 3 }, attemptTimeoutMs: 2000, idleTimeoutMs: 500 } })];

  before(async () => {
    server = await startTestServer({ seed: 6 });
  });
  after(() => server.close());
  beforeEach(() => {
    for (const rule of criticRules()) server.addRule(rule);
    dir = mkdtempSync(path.join(tmpdir(), 'distillery-cli-critique-'));
    writeFileSync(at('p.constitution.md'), CONSTITUTION_TEXT);
    writeJsonl(at('in.jsonl'), rows);
  });
  afterEach(() => {
    server.reset();
    rmSync(dir, { recursive: true, force: true });
  });

  const env = () => ({ OPENAI_BASE_URL: server.baseURL, OPENAI_API_KEY: 'sk-test-critique-key-0123', OPENAI_MODEL: 'sim-small' });
  function cli(args: string[], signal?: AbortSignal) {
    const captured = fakeIo({ cwd: dir, env: env(), ...(signal ? { signal } : {}) });
    return runCli(['critique', ...args], captured.io, commands).then((code) => ({ code, stdout: captured.stdout.text, stderr: captured.stderr.text }));
  }
  /** `schema:principle` of each request sent, in order. */
  const sent = () => server.chatRequests().map((r) => {
    const body = r.body as { messages: { role: string; content: string }[]; response_format: { json_schema: { name: string } } };
    return `${body.response_format.json_schema.name}:${principleOf(body as never)}`;
  });

  it('revises every answer, prints counts and usage, records the chain, and a re-run resumes', async () => {
    const result = await cli(['in.jsonl', '--constitution', 'p.constitution.md', '-o', 'out/rev.jsonl', '--rounds', '2', '--seed', '3', '--tags', 'safety']);
    assert.equal(result.code, ExitCode.Success, result.stderr);
    assert.match(result.stdout, /^out\/rev\.jsonl: 2 rows written, 2 of 2 done, 0 cached answers$/m);
    assert.match(result.stdout, /^default\s+sim-small\s+8\s+0\s+0\s+\d+\s+\d+\s+unknown$/m);
    assert.match(result.stderr, /default \(critic\): sim-small at http:\/\/127\.0\.0\.1:\d+\/v1, key set \(from OPENAI_API_KEY\)/);
    assert.ok(!result.stderr.includes('sk-test-critique-key-0123') && !result.stdout.includes('sk-test-critique-key-0123'));
    const out = readJsonl(at('out/rev.jsonl'));
    assert.equal(out.length, 2);
    for (const row of out) {
      const critique = (row.distillery as { critique: { rounds: { principle: string }[]; constitution: { path: string } } }).critique;
      assert.deepEqual(critique.rounds.map((r) => r.principle).sort(), ['alpha', 'beta'], 'two rounds, drawn among the safety principles');
      assert.equal(critique.constitution.path, 'p.constitution.md');
    }
    const bird = out.find((row) => String(row.prompt).includes('<<r1>>')) as Record<string, unknown>;
    assert.match(String(bird.completion), /^Revised for (alpha|beta)\.$/);

    const again = await cli(['in.jsonl', '--constitution', 'p.constitution.md', '-o', 'out/rev.jsonl', '--rounds', '2', '--seed', '3', '--tags', 'safety']);
    assert.equal(again.code, ExitCode.Success);
    assert.match(again.stdout, /0 rows written, 2 of 2 done, 2 resumed/);
    assert.equal(server.chatRequests().length, 8);
    // Into a new file: every call answered from the response cache.
    const replay = await cli(['in.jsonl', '--constitution', 'p.constitution.md', '-o', 'replay.jsonl', '--rounds', '2', '--seed', '3', '--tags', 'safety']);
    assert.match(replay.stdout, /2 rows written, 2 of 2 done, 8 cached answers/);
    assert.equal(server.chatRequests().length, 8);
  });

  it('--pairs writes preference rows; --principle picks the principles; --few-shot adds examples', async () => {
    writeFileSync(at('shots.jsonl'), `${JSON.stringify({ prompt: 'Is fire cold?', answer: 'Yes.', critique: 'Wrong.', revision: 'No, fire is hot.' })}\n`);
    const result = await cli(['in.jsonl', '--constitution', 'p.constitution.md', '-o', 'pairs.jsonl', '--pairs', '--principle', 'gamma', '--principle', 'beta', '--few-shot', 'shots.jsonl']);
    assert.equal(result.code, ExitCode.Success, result.stderr);
    const out = readJsonl(at('pairs.jsonl'));
    assert.equal(out.length, 2);
    assert.ok(out.every((row) => detectRowKind(row) === 'preference'));
    const bird = out.find((row) => String(row.prompt).includes('<<r1>>')) as Record<string, unknown>;
    assert.deepEqual([bird.chosen, bird.rejected], ['Revised for beta.', 'Owl, idiot.']);
    assert.deepEqual(sent().sort(), ['critique:gamma', 'revision:gamma', 'critique:beta', 'revision:beta'].flatMap((step) => [step, step]).sort(), 'both rows: gamma, then beta');
    assert.deepEqual(sent().slice(0, 2).map((step) => step.split(':')[1]), ['gamma', 'gamma'], 'gamma first');
    assert.ok(server.chatRequests().every((r) => r.rawBody.includes('Is fire cold?')), 'the example goes with every request');
  });

  it('a bad constitution is reported at FILE:LINE:COLUMN, exit 2, nothing sent', async () => {
    writeFileSync(at('bad.constitution.md'), '# Bad\n\n## Principle: ok-one\nCritique: c\nRevision: r\n\n## Principle: Not A Slug\nCritique: c\nRevision: r\n');
    const result = await cli(['in.jsonl', '--constitution', 'bad.constitution.md', '-o', 'o.jsonl']);
    assert.equal(result.code, ExitCode.BadInput, result.stderr);
    assert.match(result.stderr, /^bad\.constitution\.md:7:15: error: /m);
    assert.match(result.stderr, /bad\.constitution\.md has 1 error; nothing was sent/);
    assert.equal(server.chatRequests().length, 0);
    assert.equal(existsSync(at('o.jsonl')), false);
  });

  it('bad options and inputs: exit 2, naming the option or the place', async () => {
    writeFileSync(at('shots.jsonl'), '{"prompt": "p"}\n');
    const cases: Array<[string[], RegExp]> = [
      [['in.jsonl', '--constitution', 'p.constitution.md'], /critique needs an output file: -o OUTPUT/],
      [['in.jsonl', '-o', 'o.jsonl'], /critique needs a constitution: --constitution FILE/],
      [['in.jsonl', '--constitution', 'missing.md', '-o', 'o.jsonl'], /missing\.md: cannot read \(ENOENT\)/],
      [['in.jsonl', '--constitution', 'p.constitution.md', '-o', 'o.jsonl', '--rounds', '0'], /--rounds must be a whole number ≥ 1, not "0"/],
      [['in.jsonl', '--constitution', 'p.constitution.md', '-o', 'o.jsonl', '--tags', 'none'], /p\.constitution\.md: no principle with Critique and Revision requests and any of the tags none/],
      [['in.jsonl', '--constitution', 'p.constitution.md', '-o', 'o.jsonl', '--principle', 'zeta'], /principleIds\[0\]: the constitution has no principle "zeta"/],
      [['in.jsonl', '--constitution', 'p.constitution.md', '-o', 'o.jsonl', '--principle', 'beta', '--rounds', '2'], /--principle chooses the principles itself/],
      [['in.jsonl', '--constitution', 'p.constitution.md', '-o', 'o.jsonl', '--few-shot', 'shots.jsonl'], /shots\.jsonl:1:1: the example has no "answer"/],
      [['in.jsonl', '--constitution', 'p.constitution.md', '-o', 'o.jsonl', '--critic', 'nobody'], /--critic: no profile named "nobody"/],
    ];
    for (const [args, message] of cases) {
      const result = await cli(args);
      assert.equal(result.code, ExitCode.BadInput, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message, args.join(' '));
    }
    assert.equal(server.chatRequests().length, 0, 'nothing was sent');
    assert.equal(existsSync(at('o.jsonl')), false);
  });

  it('failed rows: exit 1, each named at its line; Ctrl-C: exit 130, and the same command resumes', async () => {
    writeJsonl(at('in.jsonl'), [...rows, { prompt: 'No answer here.' }]);
    const failed = await cli(['in.jsonl', '--constitution', 'p.constitution.md', '-o', 'out.jsonl']);
    assert.equal(failed.code, ExitCode.PartialFailure, failed.stderr);
    assert.match(failed.stderr, /^in\.jsonl:3: error: a prompt only row cannot be critiqued/m);

    writeJsonl(at('in2.jsonl'), rows);
    server.fault({ kind: 'stall', count: Infinity, match: { marker: '<<r1>>' } });
    const controller = new AbortController();
    const sentBefore = server.chatRequests().length;
    const running = cli(['in2.jsonl', '--constitution', 'p.constitution.md', '-o', 'out2.jsonl', '--no-cache'], controller.signal);
    while (!server.chatRequests().slice(sentBefore).some((request) => request.rawBody.includes('<<r1>>'))) await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort();
    const interrupted = await running;
    assert.equal(interrupted.code, ExitCode.Interrupted);
    assert.match(interrupted.stderr, /interrupted; run the same command again to resume/);
    server.clearFaults();
    const again = await cli(['in2.jsonl', '--constitution', 'p.constitution.md', '-o', 'out2.jsonl']);
    assert.equal(again.code, ExitCode.Success, again.stderr);
    assert.equal(readJsonl(at('out2.jsonl')).length, 2);
  });
});
