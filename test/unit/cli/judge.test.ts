import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createJudgeCommand } from '../../../src/cli/commands/judge';
import { ExitCode } from '../../../src/cli/exitCodes';
import { runCli } from '../../../src/cli/run';
import type { PairVerdict } from '../../../src/core/tasks/judgeTypes';
import { startTestServer, type TestServer } from '../../support/openaiServer';
import { readJsonl, writeJsonl } from '../pipeline/support';
import { fakeIo } from './fakeIo';

const KEY = 'sk-test-judge-key-0123456';

const rows = [
  { prompt: 'Why is the sky blue? <<r0>>', chosen: 'Rayleigh scattering. [[quality:0.9]]', rejected: 'Paint. [[quality:0.1]]' },
  { prompt: 'Capital of France? <<r1>>', chosen: 'Lyon. [[quality:0.2]]', rejected: 'Paris. [[quality:0.8]]' },
];

const CONSTITUTION = '# J\n\n## Principle: kind\nCompare: Which answer is kinder?\n\n## Principle: true\nCompare: Which answer is more accurate?\n\n## Rubric: clarity\nCriterion: Is it clear?\nScore 1: No.\nScore 5: Yes.\n';

const judgementOf = (row: Record<string, unknown>) => (row.distillery as { judgement: PairVerdict }).judgement;

describe('distillery judge', function () {
  this.timeout(20_000);
  let server: TestServer;
  let dir: string;
  const at = (name: string) => path.join(dir, name);
  const commands = [createJudgeCommand({ client: { retry: { baseDelayMs: 5, maxDelayMs: 20, maxAttempts: 3 }, attemptTimeoutMs: 2000, idleTimeoutMs: 500 } })];

  before(async () => {
    server = await startTestServer({ seed: 8, apiKey: KEY });
  });
  after(() => server.close());
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'distillery-cli-judge-'));
    writeFileSync(at('j.constitution.md'), CONSTITUTION);
    writeJsonl(at('in.jsonl'), rows);
  });
  afterEach(() => {
    server.reset();
    rmSync(dir, { recursive: true, force: true });
  });

  function cli(args: string[], key = KEY) {
    const captured = fakeIo({ cwd: dir, env: { OPENAI_BASE_URL: server.baseURL, OPENAI_API_KEY: key, OPENAI_MODEL: 'sim-judge' } });
    return runCli(['judge', ...args], captured.io, commands).then((code) => ({ code, stdout: captured.stdout.text, stderr: captured.stderr.text }));
  }

  it('judges every row in both orders, prints counts, verdicts and usage, and a re-run resumes', async () => {
    const result = await cli(['in.jsonl', '-o', 'out/judged.jsonl']);
    assert.equal(result.code, ExitCode.Success, result.stderr);
    assert.match(result.stdout, /^out\/judged\.jsonl: 2 rows written, 2 of 2 done, 0 cached answers$/m);
    assert.match(result.stdout, /^verdicts: A 1, B 1, tie 0; 0 position-inconsistent \(a tie\)$/m);
    assert.match(result.stdout, /^default\s+sim-judge\s+4\s+/m);
    assert.match(result.stderr, /default \(judge\): sim-judge at http:\/\/127\.0\.0\.1:\d+\/v1, key set \(from OPENAI_API_KEY\)/);
    assert.ok(!`${result.stdout}${result.stderr}`.includes(KEY));
    const out = readJsonl(at('out/judged.jsonl'));
    const winnerOf = (marker: string) => judgementOf(out.find((row) => String(row.prompt).includes(marker)) as Record<string, unknown>).winner;
    assert.deepEqual([winnerOf('<<r0>>'), winnerOf('<<r1>>')], ['A', 'B']);
    for (const row of out) {
      const verdict = judgementOf(row);
      assert.deepEqual(verdict.samples.map((s) => s.order).sort(), ['AB', 'BA']);
      assert.deepEqual(verdict.criteria, { kind: 'default' });
      assert.ok(verdict.pA !== undefined);
    }
    const again = await cli(['in.jsonl', '-o', 'out/judged.jsonl']);
    assert.equal(again.code, ExitCode.Success);
    assert.match(again.stdout, /0 rows written, 2 of 2 done, 2 resumed/);
    assert.equal(server.chatRequests().length, 4);
  });

  it('--constitution --principles K, --samples K, --one-order, --rubric', async () => {
    const result = await cli(['in.jsonl', '-o', 'p.jsonl', '--constitution', 'j.constitution.md', '--principles', '2', '--samples', '3', '--one-order', '--seed', '5']);
    assert.equal(result.code, ExitCode.Success, result.stderr);
    assert.match(result.stdout, /^verdicts: A 1, B 1, tie 0$/m);
    for (const row of readJsonl(at('p.jsonl'))) {
      const verdict = judgementOf(row);
      assert.deepEqual(verdict.samples.map((s) => `${s.order}${s.sample}`), ['AB0', 'AB1', 'AB2']);
      assert.equal(verdict.criteria.kind, 'principles');
      assert.deepEqual([...(verdict.criteria as { readonly ids: readonly string[] }).ids].sort(), ['kind', 'true']);
    }
    assert.ok(server.chatRequests().every((r) => r.rawBody.includes('Which answer is kinder?') && r.rawBody.includes('Which answer is more accurate?')));
    const rubric = await cli(['in.jsonl', '-o', 'r.jsonl', '--constitution', 'j.constitution.md', '--rubric', 'clarity', '--no-logprobs']);
    assert.equal(rubric.code, ExitCode.Success, rubric.stderr);
    const verdict = judgementOf(readJsonl(at('r.jsonl'))[0] as Record<string, unknown>);
    assert.deepEqual(verdict.criteria, { kind: 'rubric', id: 'clarity', criterion: 'Is it clear?' });
    assert.equal(verdict.pA, undefined);
  });

  it('a row without a pair: exit 1, named at its line; a refused key: exit 3', async () => {
    writeJsonl(at('in.jsonl'), [...rows, { messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: 'a' }] }]);
    const failed = await cli(['in.jsonl', '-o', 'out.jsonl']);
    assert.equal(failed.code, ExitCode.PartialFailure, failed.stderr);
    assert.match(failed.stderr, /^in\.jsonl:3: error: a chat \(messages\) row has no pair to judge/m);
    assert.equal(readJsonl(at('out.jsonl')).length, 2);

    const refused = await cli(['in.jsonl', '-o', 'refused.jsonl', '--no-cache'], 'sk-wrong-key-9876543210');
    assert.equal(refused.code, ExitCode.Failure, refused.stderr);
    assert.match(refused.stderr, /the run stopped: profile "default": the service refused the key \(HTTP 401/);
    assert.ok(!refused.stderr.includes('sk-wrong-key-9876543210'));
  });

  it('n-way: a row with more than two candidates is ranked by a tournament; --preferences writes preference rows', async () => {
    const nway = {
      messages: [{ role: 'user', content: 'Name a planet. <<nway>>' }],
      distillery: { candidates: [0.2, 0.7, 0.95, 0.4, 0.1].map((q, k) => ({ teacher: { profile: 't', model: 'sim-small' }, content: `Planet ${k}. [[quality:${q}]]` })) },
    };
    writeJsonl(at('in.jsonl'), [...rows, nway]);
    const result = await cli(['in.jsonl', '-o', 'ranked.jsonl']);
    assert.equal(result.code, ExitCode.Success, result.stderr);
    assert.match(result.stdout, /^ranked\.jsonl: 3 rows written, 3 of 3 done, 0 cached answers$/m);
    assert.match(result.stdout, /^verdicts: A 1, B 1, tie 0; 0 position-inconsistent \(a tie\)$/m);
    assert.match(result.stdout, /^ranked: 1 row by tournament \(10 matches\)$/m);
    const ranked = readJsonl(at('ranked.jsonl')).find((row) => JSON.stringify(row).includes('<<nway>>')) as Record<string, unknown>;
    const ranking = (ranked.distillery as { ranking: { ranking: number[]; best: number; format: string } }).ranking;
    assert.deepEqual([ranking.format, ranking.best, ranking.ranking], ['round-robin', 2, [2, 1, 3, 0, 4]]);
    assert.equal((ranked.messages as Array<{ content: string }>).at(-1)?.content, 'Planet 2. [[quality:0.95]]');

    const prefs = await cli(['in.jsonl', '-o', 'prefs.jsonl', '--preferences', 'best-vs-worst', '--min-margin', '0.5']);
    assert.equal(prefs.code, ExitCode.Success, prefs.stderr);
    assert.match(prefs.stdout, /^preference rows: 3 written \(best-vs-worst\)$/m);
    const written = readJsonl(at('prefs.jsonl'));
    assert.equal(written.length, 3);
    const quality = (answer: unknown) => Number(/\[\[quality:([\d.]+)\]\]/.exec(JSON.stringify(answer))?.[1]);
    assert.ok(written.every((row) => quality(row.chosen) > quality(row.rejected) && (row.distillery as { margin: number }).margin > 0.5));
    const planet = written.find((row) => JSON.stringify(row).includes('<<nway>>')) as Record<string, unknown>;
    assert.deepEqual([quality(planet.chosen), quality(planet.rejected)], [0.95, 0.1]);
  });

  it('bad options and inputs: exit 2, naming the option or the place, nothing sent', async () => {
    writeFileSync(at('bad.constitution.md'), '# Bad\n\n## Principle: Not A Slug\nCompare: c\n');
    const cases: Array<[string[], RegExp]> = [
      [['in.jsonl'], /judge needs an output file: -o OUTPUT/],
      [['in.jsonl', '-o', 'o.jsonl', '--rubric', 'clarity'], /--rubric names a rubric of a constitution: give it with --constitution FILE/],
      [['in.jsonl', '-o', 'o.jsonl', '--principles', '2'], /--principles and --tags draw from a constitution/],
      [['in.jsonl', '-o', 'o.jsonl', '--constitution', 'j.constitution.md', '--rubric', 'clarity', '--principles', '2'], /--rubric compares on one rubric/],
      [['in.jsonl', '-o', 'o.jsonl', '--constitution', 'j.constitution.md', '--rubric', 'nope'], /j\.constitution\.md: rubric: the constitution has no rubric "nope" \(known: clarity\)/],
      [['in.jsonl', '-o', 'o.jsonl', '--constitution', 'missing.md'], /missing\.md: cannot read \(ENOENT\)/],
      [['in.jsonl', '-o', 'o.jsonl', '--constitution', 'bad.constitution.md'], /^bad\.constitution\.md:3:\d+: error: /m],
      [['in.jsonl', '-o', 'o.jsonl', '--samples', '0'], /--samples must be a whole number ≥ 1, not "0"/],
      [['in.jsonl', '-o', 'o.jsonl', '--judge', 'nobody'], /--judge: no profile named "nobody"/],
      [['in.jsonl', '-o', 'o.jsonl', '--preferences', 'best'], /--preferences must be best-vs-rest, best-vs-worst, all-pairs, not "best"/],
      [['in.jsonl', '-o', 'o.jsonl', '--min-margin', '1'], /--min-margin applies to preference rows: give --preferences too/],
      [['in.jsonl', '-o', 'o.jsonl', '--preferences', 'all-pairs', '--min-margin=-1'], /--min-margin must be a number ≥ 0, not "-1"/],
    ];
    for (const [args, message] of cases) {
      const result = await cli(args);
      assert.equal(result.code, ExitCode.BadInput, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message, args.join(' '));
    }
    assert.equal(server.chatRequests().length, 0, 'nothing was sent');
    assert.equal(existsSync(at('o.jsonl')), false);
  });
});
