import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createScoreCommand } from '../../../src/cli/commands/score';
import { ExitCode } from '../../../src/cli/exitCodes';
import { runCli } from '../../../src/cli/run';
import type { ScoreResult } from '../../../src/core/tasks/judgeTypes';
import { startTestServer, type TestServer } from '../../support/openaiServer';
import { readJsonl, writeJsonl } from '../pipeline/support';
import { fakeIo } from './fakeIo';

const KEY = 'sk-test-score-key-0123456';

const CONSTITUTION = [
  '# Grading',
  '',
  '## Rubric: accuracy',
  'Criterion: Is every statement correct?',
  'Score 1: Mostly wrong.',
  'Score 5: Entirely correct.',
  '',
  '## Rubric: clarity',
  'Criterion: Is it easy to follow?',
  'Score 1: Confusing.',
  'Score 5: Clear.',
  '',
].join('\n');

/** Accuracy is graded by the simulated judge from the quality marker (1 + 4·quality); clarity from the planted tag. */
const sft = (id: string, quality: number, clarity: number) => ({
  prompt: `Explain rain. <<${id}>>`,
  completion: `Water vapour condenses and falls. [[quality:${quality}]] <<clarity:${clarity}>>`,
});
const rows = [sft('a', 1, 1), sft('b', 0.25, 5), sft('c', 0.5, 3)];

const scoreOf = (row: Record<string, unknown>) => (row.distillery as { score: ScoreResult }).score;
const idOf = (row: Record<string, unknown>) => /<<(\w)>>/.exec(String(row.prompt))?.[1];

describe('distillery score', function () {
  this.timeout(20_000);
  let server: TestServer;
  let dir: string;
  const at = (name: string) => path.join(dir, name);
  const commands = [createScoreCommand({ client: { retry: { baseDelayMs: 5, maxDelayMs: 20, maxAttempts: 3 }, attemptTimeoutMs: 2000, idleTimeoutMs: 500 } })];

  before(async () => {
    server = await startTestServer({ seed: 8, apiKey: KEY });
  });
  after(() => server.close());
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'distillery-cli-score-'));
    writeFileSync(at('g.constitution.md'), CONSTITUTION);
    writeJsonl(at('in.jsonl'), rows);
    server.addRule({
      match: { marker: '("clarity")' },
      reply: (_request, context) => ({ json: { rationale: 'Planted clarity.', score: Number(/<<clarity:(\d)>>/.exec(context.lastUserText)?.[1] ?? 3) } }),
    });
  });
  afterEach(() => {
    server.reset();
    rmSync(dir, { recursive: true, force: true });
  });

  function cli(args: string[], key = KEY, signal?: AbortSignal) {
    const captured = fakeIo({ cwd: dir, env: { OPENAI_BASE_URL: server.baseURL, OPENAI_API_KEY: key, OPENAI_MODEL: 'sim-judge' }, ...(signal ? { signal } : {}) });
    return runCli(['score', ...args], captured.io, commands).then((code) => ({ code, stdout: captured.stdout.text, stderr: captured.stderr.text }));
  }

  it('grades every answer on every rubric, weights the reward, prints counts and usage, and a re-run resumes', async () => {
    const result = await cli(['in.jsonl', '-o', 'out/scored.jsonl', '--constitution', 'g.constitution.md', '--weight', 'accuracy=3']);
    assert.equal(result.code, ExitCode.Success, result.stderr);
    assert.match(result.stdout, /^out\/scored\.jsonl: 3 rows written, 3 of 3 done, 0 cached answers$/m);
    assert.match(result.stdout, /^reward: mean 3\.25 over 3 rows \(3 answers graded on accuracy, clarity\)$/m);
    assert.match(result.stdout, /^default\s+sim-judge\s+6\s+/m);
    assert.match(result.stderr, /default \(judge\): sim-judge at http:\/\/127\.0\.0\.1:\d+\/v1, key set \(from OPENAI_API_KEY\)/);
    assert.ok(!`${result.stdout}${result.stderr}`.includes(KEY));
    const out: Record<string, ScoreResult | undefined> = Object.fromEntries(readJsonl(at('out/scored.jsonl')).map((row) => [idOf(row), scoreOf(row)]));
    // accuracy: a 5, b 2, c 3 (weight 3); clarity: a 1, b 5, c 3.
    assert.deepEqual([out.a?.reward, out.b?.reward, out.c?.reward], [4, 2.75, 3]);
    assert.deepEqual(out.a?.scores.map((s) => [s.rubric, s.score, s.weight]), [['accuracy', 5, 3], ['clarity', 1, 1]]);
    const again = await cli(['in.jsonl', '-o', 'out/scored.jsonl', '--constitution', 'g.constitution.md', '--weight', 'accuracy=3']);
    assert.equal(again.code, ExitCode.Success);
    assert.match(again.stdout, /0 rows written, 3 of 3 done, 3 resumed/);
    assert.equal(server.chatRequests().length, 6);
  });

  it('--rubric picks the rubrics, --threshold drops the rows below it (filtered, not failed)', async () => {
    const result = await cli(['in.jsonl', '-o', 'kept.jsonl', '--constitution', 'g.constitution.md', '--rubric', 'accuracy', '--threshold', '3']);
    assert.equal(result.code, ExitCode.Success, result.stderr);
    assert.match(result.stdout, /^kept\.jsonl: 2 rows written, 3 of 3 done/m);
    assert.match(result.stdout, /^reward: mean 3\.33 over 3 rows \(3 answers graded on accuracy\); 1 below 3 not written$/m);
    const kept = readJsonl(at('kept.jsonl'));
    assert.deepEqual(kept.map(idOf).sort(), ['a', 'c']);
    assert.ok(kept.every((row) => scoreOf(row).scores.length === 1));
    assert.equal(existsSync(at('kept.jsonl.errors.jsonl')), false);
  });

  it('a row without an answer: exit 1, named at its line; a refused key: exit 3', async () => {
    writeJsonl(at('in.jsonl'), [...rows, { prompt: 'No answer yet' }]);
    const failed = await cli(['in.jsonl', '-o', 'out.jsonl', '--constitution', 'g.constitution.md']);
    assert.equal(failed.code, ExitCode.PartialFailure, failed.stderr);
    assert.match(failed.stderr, /^in\.jsonl:4: error: a prompt only row has no answer to score/m);
    assert.equal(readJsonl(at('out.jsonl')).length, 3);
    const refused = await cli(['in.jsonl', '-o', 'refused.jsonl', '--constitution', 'g.constitution.md', '--no-cache'], 'sk-wrong-key-9876543210');
    assert.equal(refused.code, ExitCode.Failure, refused.stderr);
    assert.match(refused.stderr, /the run stopped: profile "default": the service refused the key \(HTTP 401/);
    assert.ok(!refused.stderr.includes('sk-wrong-key-9876543210'));
  });

  it('interrupted: exit 130, and the same command finishes the rest', async () => {
    writeJsonl(at('in.jsonl'), Array.from({ length: 12 }, (_, i) => sft(`r${i}`, (i % 5) / 4, 3)));
    const controller = new AbortController();
    let calls = 0;
    server.addRule({
      reply: (_request, context) => {
        if (++calls === 4) controller.abort();
        return context.judge();
      },
    });
    const stopped = await cli(['in.jsonl', '-o', 'out.jsonl', '--constitution', 'g.constitution.md', '--rubric', 'accuracy', '--concurrency', '1'], KEY, controller.signal);
    assert.equal(stopped.code, ExitCode.Interrupted, stopped.stderr);
    assert.match(stopped.stderr, /interrupted; run the same command again to resume/);
    const done = readJsonl(at('out.jsonl')).length;
    assert.ok(done < 12);
    const resumed = await cli(['in.jsonl', '-o', 'out.jsonl', '--constitution', 'g.constitution.md', '--rubric', 'accuracy']);
    assert.equal(resumed.code, ExitCode.Success, resumed.stderr);
    assert.match(resumed.stdout, new RegExp(`12 of 12 done, ${done} resumed`));
    assert.equal(readJsonl(at('out.jsonl')).length, 12);
  });

  it('bad options and inputs: exit 2, naming the option or the place, nothing sent', async () => {
    writeFileSync(at('none.constitution.md'), '# Only principles\n\n## Principle: kind\nCompare: Which is kinder?\n');
    writeFileSync(at('bad.constitution.md'), '# Bad\n\n## Rubric: Not A Slug\nCriterion: c\n');
    const base = ['in.jsonl', '-o', 'o.jsonl', '--constitution', 'g.constitution.md'];
    const cases: Array<[string[], RegExp]> = [
      [['in.jsonl', '--constitution', 'g.constitution.md'], /score needs an output file: -o OUTPUT/],
      [['in.jsonl', '-o', 'o.jsonl'], /score needs the rubrics: --constitution FILE/],
      [[...base, '--rubric', 'style'], /--rubric style: g\.constitution\.md has no rubric "style" \(known: accuracy, clarity\)/],
      [[...base, '--rubric', 'accuracy', '--weight', 'clarity=2'], /--weight clarity: no rubric "clarity" is graded \(graded: accuracy\)/],
      [[...base, '--weight', 'accuracy'], /--weight must be ID=W with W a number > 0, not "accuracy"/],
      [[...base, '--weight', 'accuracy=0'], /--weight must be ID=W with W a number > 0, not "accuracy=0"/],
      [[...base, '--threshold', '6'], /--threshold must be a number from 1 to 5, not "6"/],
      [[...base, '--judge', 'nobody'], /--judge: no profile named "nobody"/],
      [['in.jsonl', '-o', 'o.jsonl', '--constitution', 'none.constitution.md'], /none\.constitution\.md: has no rubric to grade on/],
      [['in.jsonl', '-o', 'o.jsonl', '--constitution', 'missing.md'], /missing\.md: cannot read \(ENOENT\)/],
      [['in.jsonl', '-o', 'o.jsonl', '--constitution', 'bad.constitution.md'], /^bad\.constitution\.md:3:\d+: error: /m],
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
