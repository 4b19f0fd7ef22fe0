import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../../../src/cli/run';
import { ExitCode } from '../../../src/cli/exitCodes';
import type { CliIo } from '../../../src/cli/io';
import { parseCommandLine, parseLineSelection } from '../../../src/cli/batchCommand';
import { createGenerateCommand } from '../../../src/cli/commands/generate';
import { startTestServer, type TestServer } from '../../support/openaiServer';
import { distinctAnswer, readJsonl, sourceOf, writeJsonl } from '../pipeline/support';
import { CapturedStream, fakeIo } from './fakeIo';

const prompts = (count: number) => Array.from({ length: count }, (_, i) => ({ prompt: `Question ${i}: name a thing <<q${i}>>.` }));

describe('distillery generate', function () {
  this.timeout(20_000);
  let server: TestServer;
  let dir: string;
  const at = (name: string) => path.join(dir, name);
  // Short waits, so that faults are retried quickly; the binary uses the defaults.
  const commands = [createGenerateCommand({ client: { retry: { baseDelayMs: 5, maxDelayMs: 20, maxAttempts: 3 }, attemptTimeoutMs: 2000, idleTimeoutMs: 500 } })];

  before(async () => {
    server = await startTestServer({ seed: 2 });
  });
  after(() => server.close());
  beforeEach(() => {
    server.addRule({ name: 'distinct', reply: distinctAnswer });
    dir = mkdtempSync(path.join(tmpdir(), 'distillery-cli-generate-'));
  });
  afterEach(() => {
    server.reset();
    rmSync(dir, { recursive: true, force: true });
  });

  const env = () => ({ OPENAI_BASE_URL: server.baseURL, OPENAI_API_KEY: 'sk-test-generate-key', OPENAI_MODEL: 'sim-small' });
  function cli(args: string[], options: { signal?: AbortSignal; io?: CliIo } = {}) {
    const captured = fakeIo({ cwd: dir, env: env(), ...(options.signal ? { signal: options.signal } : {}) });
    return runCli(['generate', ...args], options.io ?? captured.io, commands).then((code) => ({ code, stdout: captured.stdout.text, stderr: captured.stderr.text }));
  }

  it('answers every prompt n times, prints the counts and the usage, and a re-run resumes with nothing to do', async () => {
    writeJsonl(at('in.jsonl'), prompts(3));
    const first = await cli(['in.jsonl', '-o', 'out/gen.jsonl', '--n', '2', '--seed', '5', '--temperature', '0.3', '--max-tokens', '64']);
    assert.equal(first.code, ExitCode.Success, first.stderr);
    assert.match(first.stdout, /^out\/gen\.jsonl: 6 rows written, 3 of 3 done, 0 cached answers$/m);
    assert.match(first.stdout, /^profile\s+model\s+requests\s+cached\s+failed\s+tokens in\s+tokens out\s+cost$/m);
    assert.match(first.stdout, /^default\s+sim-small\s+6\s+0\s+0\s+\d+\s+\d+\s+unknown$/m);
    assert.match(first.stderr, /default \(teacher\): sim-small at http:\/\/127\.0\.0\.1:\d+\/v1, key set \(from OPENAI_API_KEY\)/);
    const rows = readJsonl(at('out/gen.jsonl'));
    assert.equal(rows.length, 6);
    const body = server.chatRequests()[0]?.body as { temperature: number; max_tokens: number; seed: number };
    assert.deepEqual([body.temperature, body.max_tokens], [0.3, 64]);
    assert.deepEqual(server.chatRequests().map((r) => (r.body as { seed: number }).seed).sort(), [5, 5, 5, 6, 6, 6]);

    const again = await cli(['in.jsonl', '-o', 'out/gen.jsonl', '--n', '2', '--seed', '5', '--temperature', '0.3', '--max-tokens', '64']);
    assert.equal(again.code, ExitCode.Success);
    assert.match(again.stdout, /0 rows written, 3 of 3 done, 3 resumed, 0 cached answers/);
    assert.equal(server.chatRequests().length, 6, 'nothing asked again');

    // Into a new file: every answer from the cache; with --no-cache, asked again.
    const replay = await cli(['in.jsonl', '-o', 'replay.jsonl', '--n', '2', '--seed', '5', '--temperature', '0.3', '--max-tokens', '64']);
    assert.match(replay.stdout, /6 rows written, 3 of 3 done, 6 cached answers/);
    assert.equal(server.chatRequests().length, 6);
    assert.deepEqual(readJsonl(at('replay.jsonl')).map((row) => row.completion).sort(), rows.map((row) => row.completion).sort());
    const fresh = await cli(['in.jsonl', '-o', 'fresh.jsonl', '--n', '2', '--seed', '5', '--temperature', '0.3', '--max-tokens', '64', '--no-cache']);
    assert.match(fresh.stdout, /6 rows written, 3 of 3 done, 0 cached answers/);
    assert.equal(server.chatRequests().length, 12);
  });

  it('bad options and inputs: exit 2, naming the option or the place', async () => {
    writeJsonl(at('in.jsonl'), prompts(1));
    const cases: Array<[string[], RegExp]> = [
      [['in.jsonl'], /needs an output file: -o OUTPUT/],
      [['in.jsonl', '-o', 'in.jsonl'], /another file than the input/],
      [['in.jsonl', '-o', 'o.jsonl', '--n', '0'], /--n must be a whole number ≥ 1, not "0"/],
      [['in.jsonl', '-o', 'o.jsonl', '--temperature', 'hot'], /--temperature must be a number from 0 to 2, not "hot"/],
      [['in.jsonl', '-o', 'o.jsonl', '--dedupe', 'fuzzy'], /--dedupe must be off, exact or near, not "fuzzy"/],
      [['in.jsonl', '-o', 'o.jsonl', '--lines', '3,x'], /--lines: "x" \(item 2\) is not a line or a range/],
      [['in.jsonl', '-o', 'o.jsonl', '--system', 'a', '--system-file', 's.txt'], /--system or --system-file, not both/],
      [['in.jsonl', '-o', 'o.jsonl', '--system-file', 'missing.txt'], /--system-file missing\.txt: cannot read \(ENOENT\)/],
      [['in.jsonl', '-o', 'o.jsonl', '--teacher', 'nobody'], /--teacher: no profile named "nobody"/],
      [['in.jsonl', '-o', 'o.jsonl', '--verifier', '"unclosed'], /--verifier: unclosed " quote/],
      [['missing.jsonl', '-o', 'o.jsonl'], /missing\.jsonl: cannot read \(ENOENT\)/],
    ];
    for (const [args, message] of cases) {
      const result = await cli(args);
      assert.equal(result.code, ExitCode.BadInput, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message, args.join(' '));
    }
    assert.equal(server.chatRequests().length, 0, 'nothing was sent');
    assert.equal(existsSync(at('o.jsonl')), false);
  });

  it('malformed lines and failed rows: exit 1, each named at its place, and retried by the next run', async () => {
    writeFileSync(at('in.jsonl'), `${JSON.stringify(prompts(1)[0])}\n{"prompt": oops}\n${JSON.stringify({ prompt: 'Always fails <<doomed>>.' })}\n`);
    server.fault({ kind: 'status', status: 400, count: Infinity, match: { marker: '<<doomed>>' } });
    const result = await cli(['in.jsonl', '-o', 'out.jsonl']);
    assert.equal(result.code, ExitCode.PartialFailure, result.stderr);
    assert.match(result.stdout, /1 rows written, 1 of 3 done, 2 failed/);
    assert.match(result.stderr, /^error: in\.jsonl:2:12: /m);
    assert.match(result.stderr, /^in\.jsonl:3: error: default sample 0: profile "default": request refused \(HTTP 400/m);
    assert.match(result.stderr, /2 failed rows listed in out\.jsonl\.errors\.jsonl; run the same command again to retry them/);

    server.clearFaults();
    writeFileSync(at('in.jsonl'), `${JSON.stringify(prompts(1)[0])}\n{"prompt": "mended"}\n${JSON.stringify({ prompt: 'Always fails <<doomed>>.' })}\n`);
    const again = await cli(['in.jsonl', '-o', 'out.jsonl']);
    assert.equal(again.code, ExitCode.Success, again.stderr);
    assert.match(again.stdout, /2 rows written, 3 of 3 done, 1 resumed/);
    assert.equal(existsSync(at('out.jsonl.errors.jsonl')), false);
  });

  it('a refused key stops the run: exit 3, with a clear message; the rows done are kept', async () => {
    writeJsonl(at('in.jsonl'), prompts(6));
    server.fault({ kind: 'unauthorized', count: Infinity, match: { predicate: (request) => !request.messages.some((m) => m.content.includes('<<q0>>')) } });
    const result = await cli(['in.jsonl', '-o', 'out.jsonl', '--concurrency', '1']);
    assert.equal(result.code, ExitCode.Failure, result.stderr);
    assert.match(result.stderr, /the run stopped: profile "default": the service refused the key \(HTTP 401 invalid_api_key\); check the key named by apiKeyRef "OPENAI_API_KEY"/);
    assert.equal(readJsonl(at('out.jsonl')).length, 1);
    assert.equal(server.chatRequests().length, 2, 'nothing sent after the refusal');
  });

  it('Ctrl-C: exit 130, and the same command resumes', async () => {
    writeJsonl(at('in.jsonl'), prompts(8));
    server.fault({ kind: 'stall', count: Infinity, match: { marker: '<<q5>>' } });
    const controller = new AbortController();
    const running = cli(['in.jsonl', '-o', 'out.jsonl', '--concurrency', '2'], { signal: controller.signal });
    while (!server.chatRequests().some((request) => request.rawBody.includes('<<q5>>'))) await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort();
    const result = await running;
    assert.equal(result.code, ExitCode.Interrupted);
    assert.match(result.stderr, /interrupted; run the same command again to resume/);
    server.clearFaults();
    const again = await cli(['in.jsonl', '-o', 'out.jsonl']);
    assert.equal(again.code, ExitCode.Success);
    assert.equal(readJsonl(at('out.jsonl')).length, 8);
    assert.equal(new Set(readJsonl(at('out.jsonl')).map((row) => sourceOf(row).input)).size, 8);
  });

  it('--lines, --candidates, a system prompt and a verifier', async () => {
    writeJsonl(at('in.jsonl'), prompts(5).map((row, i) => ({ ...row, topic: `topic-${i}` })));
    writeFileSync(at('verify.js'), "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{const j=JSON.parse(s);process.exit(j.prompt.includes('<<q3>>')?1:0)});");
    const result = await cli([
      'in.jsonl', '-o', 'out.jsonl', '--lines', '2,4-5', '--candidates', '--n', '2', '--seed', '1', '--system', 'You know {{topic}}.',
      '--verifier', `"${process.execPath}" verify.js`,
    ]);
    assert.equal(result.code, ExitCode.Success, result.stderr);
    const rows = readJsonl(at('out.jsonl')) as Array<{ messages: Array<{ role: string; content: string }>; distillery: { candidates: unknown[] } }>;
    assert.deepEqual(rows.map((row) => row.messages.at(-1)?.content).sort(), ['Question 1: name a thing <<q1>>.', 'Question 4: name a thing <<q4>>.'], 'line 4 (q3) is rejected by the verifier');
    assert.ok(rows.every((row) => row.distillery.candidates.length === 2));
    const systems = server.chatRequests().map((request) => (request.body as { messages: Array<{ role: string; content: string }> }).messages[0]);
    assert.ok(systems.some((message) => message?.role === 'system' && message.content === 'You know topic-1.'));
  });

  it('shows done, failed, cached and cost on a terminal', async () => {
    writeJsonl(at('in.jsonl'), prompts(4));
    const { io } = fakeIo({ cwd: dir, env: env() });
    const stderr = new CapturedStream(true, 200);
    await runCli(['generate', 'in.jsonl', '-o', 'a.jsonl'], { ...io, stderr }, commands);
    const second = fakeIo({ cwd: dir, env: env() });
    const terminal = new CapturedStream(true, 200);
    assert.equal(await runCli(['generate', 'in.jsonl', '-o', 'b.jsonl'], { ...second.io, stderr: terminal }, commands), ExitCode.Success);
    const draws = terminal.text.split('\r\x1b[2K').filter(Boolean);
    assert.match(draws.at(-1) ?? '', /^\[#{20}\] generate · 4 cached {2}100% {2}4\/4/);
  });

  it('parses line selections and verifier command lines', () => {
    const select = parseLineSelection('3, 5-7');
    assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 8].filter(select), [3, 5, 6, 7]);
    assert.deepEqual(parseCommandLine(`python3 -m "my checker" --flag='a b' plain\\ word`, '--verifier'), ['python3', '-m', 'my checker', '--flag=a b', 'plain word']);
  });

  it('is listed in --help', async () => {
    const { io, stdout } = fakeIo();
    assert.equal(await runCli(['--help'], io), ExitCode.Success);
    assert.match(stdout.text, /^ {2}generate +Distil/m);
    assert.match(stdout.text, /^ {2}self-instruct +Synthesise/m);
  });
});
