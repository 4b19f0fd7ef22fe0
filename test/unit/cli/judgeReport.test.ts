import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cliCommands } from '../../../src/cli/commands/index';
import { judgeReportCommand } from '../../../src/cli/commands/judgeReport';
import { ExitCode } from '../../../src/cli/exitCodes';
import { runCli } from '../../../src/cli/run';
import type { JudgeReport } from '../../../src/core/judging/report';
import type { PairVerdict, Verdict } from '../../../src/core/tasks/judgeTypes';
import { fakeIo } from './fakeIo';

/** A PairVerdict as judgePair writes it: two judges, both orders, one sample each. */
function judgement(winner: Verdict, votes: { j1: [Verdict, Verdict]; j2: [Verdict, Verdict] }, lengthDifference: number): PairVerdict {
  const samples = (['j1', 'j2'] as const).flatMap((judge) =>
    (['AB', 'BA'] as const).map((order, k) => ({
      judge, model: `model-${judge}`, order, sample: 0, verdict: votes[judge][k] as Verdict, confidence: 0.8, reasoning: 'r', pA: undefined, cached: false, costUsd: undefined,
    })),
  );
  const consistent = votes.j1[0] === votes.j1[1] && votes.j2[0] === votes.j2[1];
  return {
    winner, positionConsistent: consistent, agreement: samples.filter((s) => s.verdict === winner).length / samples.length, pA: undefined,
    selfPreference: [], lengthDifference, judges: [{ profile: 'j1', model: 'model-j1' }, { profile: 'j2', model: 'model-j2' }],
    criteria: { kind: 'default' }, samples, time: '2026-01-01T00:00:00.000Z',
  };
}

const judged = (winner: Verdict, votes: { j1: [Verdict, Verdict]; j2: [Verdict, Verdict] }, lengthDifference: number, human?: Verdict) => ({
  prompt: 'Q?', chosen: 'first answer', rejected: 'second answer',
  distillery: { judgement: judgement(winner, votes, lengthDifference), ...(human ? { human: { winner: human, by: 'ana', time: '2026-01-02T00:00:00.000Z' } } : {}) },
});

describe('distillery judge-report', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'distillery-judge-report-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string): string => {
    writeFileSync(path.join(dir, name), text);
    return name;
  };
  const run = async (args: string[]) => {
    const { io, stdout, stderr } = fakeIo({ cwd: dir });
    const code = await runCli(['judge-report', ...args], io, [judgeReportCommand]);
    return { code, stdout: stdout.text, stderr: stderr.text };
  };
  const rows = [
    judged('A', { j1: ['A', 'A'], j2: ['A', 'A'] }, 200, 'A'),
    judged('A', { j1: ['A', 'A'], j2: ['A', 'A'] }, 150, 'B'),
    judged('B', { j1: ['B', 'B'], j2: ['B', 'B'] }, -40, 'B'),
    judged('tie', { j1: ['A', 'B'], j2: ['A', 'A'] }, 30),
  ];
  const text = `${rows.map((r) => JSON.stringify(r)).join('\n')}\n{"prompt":"not judged yet","chosen":"a","rejected":"b"}\n\n`;

  it('is in the command table', () => {
    assert.ok(cliCommands.some((command) => command.name === 'judge-report'));
  });

  it('prints the report as text: win rates, flips, agreement, length, human agreement', async () => {
    const { code, stdout, stderr } = await run([file('judged.jsonl', text)]);
    assert.equal(code, ExitCode.Success, stderr);
    assert.match(stdout, /^judged\.jsonl: judge report$/m);
    assert.match(stdout, /^judged rows\s+4$/m);
    assert.match(stdout, /^rows without a judgement \(skipped\)\s+1$/m);
    assert.match(stdout, /^A wins\s+50\.0% \(2\)$/m);
    assert.match(stdout, /^B wins\s+25\.0% \(1\)$/m);
    assert.match(stdout, /^ties\s+25\.0% \(1\)$/m);
    assert.match(stdout, /^A wins among decisive\s+66\.7%$/m);
    assert.match(stdout, /^position flips \(both orders\)\s+25\.0% of 4$/m);
    assert.match(stdout, /^agreement across samples\s+75\.0%$/m, 'per row 1, 1, 1, and 0 (no sample said tie)');
    assert.match(stdout, /^ {2}j1 vs j2\s+75\.0% of 4, κ = /m);
    assert.match(stdout, /^length-controlled A win rate\s+\d+\.\d% \(β = /m);
    assert.match(stdout, /^human-labelled rows\s+3$/m);
    assert.match(stdout, /^judge accuracy vs humans\s+66\.7%$/m);
    assert.match(stdout, /^Cohen's κ vs humans\s+0\.40$/m, 'judge A,A,B vs human A,B,B: p_o 2/3, p_e 4/9 → κ 0.4');
  });

  it('--json prints the report data', async () => {
    const { code, stdout } = await run([file('judged.jsonl', text), '--json']);
    assert.equal(code, ExitCode.Success);
    const report = JSON.parse(stdout) as JudgeReport & { file: string; unjudged: number };
    assert.equal(report.file, 'judged.jsonl');
    assert.equal(report.unjudged, 1);
    assert.deepEqual(report.counts, { A: 2, B: 1, tie: 1 });
    assert.equal(report.positionFlipRate, 0.25);
    assert.deepEqual(report.judges, ['j1', 'j2']);
    assert.equal(report.judgeAgreement.pairs[0]?.agreement, 0.75);
    assert.equal(report.human.rows, 3);
    assert.ok(Math.abs((report.human.kappa ?? NaN) - 0.4) < 1e-12);
    assert.ok(report.lengthCorrelation !== undefined && report.lengthCorrelation > 0.5);
  });

  it('exit 2 at FILE:LINE:COLUMN for a line that is not JSON', async () => {
    const { code, stderr } = await run([file('broken.jsonl', `${JSON.stringify(rows[0])}\n{"prompt": oops}\n`)]);
    assert.equal(code, ExitCode.BadInput);
    assert.match(stderr, /^distillery: error: broken\.jsonl:2:12: /m);
  });

  it('exit 2 at FILE:LINE:COLUMN of the bad field for a malformed judgement', async () => {
    const bad = `${JSON.stringify(rows[0])}\n${JSON.stringify(rows[1]).replace('"winner":"A"', '"winner":"C"')}\n`;
    const line = bad.split('\n')[1] as string;
    const { code, stderr } = await run([file('bad.jsonl', bad)]);
    assert.equal(code, ExitCode.BadInput);
    const column = line.indexOf('"C"') + 1;
    assert.ok(stderr.includes(`bad.jsonl:2:${column}: distillery.judgement.winner: must be "A", "B" or "tie", not "C"`), stderr);
  });

  it('exit 2 when no row is judged, or the file cannot be read', async () => {
    const none = await run([file('plain.jsonl', '{"prompt":"p","chosen":"a","rejected":"b"}\n')]);
    assert.equal(none.code, ExitCode.BadInput);
    assert.match(none.stderr, /plain\.jsonl: no row has a "distillery\.judgement"/);
    const missing = await run(['missing.jsonl']);
    assert.equal(missing.code, ExitCode.BadInput);
    assert.match(missing.stderr, /missing\.jsonl: cannot read \(ENOENT\)/);
  });

  describe('n-way rankings', () => {
    /** A row as rankCandidates writes it: the tournament's ratings and matches. */
    const ranked = (ratings: number[], matches: Array<[Verdict, boolean, number]>, selfPreference = false) => ({
      prompt: 'Q?',
      completions: ratings.map((_, i) => `answer ${i}`),
      distillery: {
        ranking: {
          format: 'round-robin', answers: ratings.length, ratings, ranking: ratings.map((_, i) => i), best: 0,
          matches: matches.map(([winner, positionConsistent, agreement], k) => ({ i: 0, j: k + 1, round: 0, winner, positionConsistent, agreement, pA: null })),
          judges: [{ profile: 'j1', model: 'model-j1' }], criteria: { kind: 'default' },
          selfPreference: selfPreference ? [{ judge: 'j1', model: 'model-j1', answers: [0] }] : [], time: '2026-01-01T00:00:00.000Z',
        },
      },
    });
    const rankedRows = [
      ranked([1100, 1000, 900], [['A', true, 1], ['A', true, 1], ['tie', false, 0.5]]),
      ranked([1050, 1040, 1000, 910], [['B', true, 0.75], ['A', false, 0.5], ['A', true, 1]], true),
    ];
    const lines = (values: unknown[]): string => `${values.map((v) => JSON.stringify(v)).join('\n')}\n`;

    it('summarises the tournaments\' matches beside the pair verdicts: ties, flips, agreement, the gap at the top, self-preference', async () => {
      const { code, stdout, stderr } = await run([file('mixed.jsonl', lines([...rows.slice(0, 2), ...rankedRows]))]);
      assert.equal(code, ExitCode.Success, stderr);
      assert.match(stdout, /^judged rows\s+2$/m, 'the pair verdicts are reported as before');
      assert.doesNotMatch(stdout, /rows without a judgement/, 'ranked rows are not counted as unjudged');
      assert.match(stdout, /^mixed\.jsonl: n-way rankings$/m);
      assert.match(stdout, /^ranked rows\s+2 \(2 round-robin, 0 Swiss\)$/m);
      assert.match(stdout, /^answers per row\s+3–4 \(mean 3\.5\)$/m);
      assert.match(stdout, /^matches judged\s+6$/m);
      assert.match(stdout, /^ties among matches\s+16\.7%$/m);
      assert.match(stdout, /^position flips among matches\s+33\.3%$/m);
      assert.match(stdout, /^agreement across samples\s+79\.2%$/m, '(1 + 1 + 0.5 + 0.75 + 0.5 + 1) / 6');
      assert.match(stdout, /^rating gap, best to second\s+55\.0 Elo points \(mean\)$/m, '(100 + 10) / 2');
      assert.match(stdout, /^rows a judge may self-prefer\s+1 /m);

      const json = JSON.parse((await run([file('mixed.jsonl', lines([...rows.slice(0, 2), ...rankedRows])), '--json'])).stdout) as JudgeReport & { ranking: { rows: number; matches: number; positionFlipRate: number } };
      assert.equal(json.rows, 2);
      assert.deepEqual([json.ranking.rows, json.ranking.matches], [2, 6]);
      assert.equal(json.ranking.positionFlipRate, 2 / 6);
    });

    it('a file of ranked rows only is reported (exit 0); a malformed ranking is named at FILE:LINE:COLUMN (exit 2)', async () => {
      const only = await run([file('ranked.jsonl', lines(rankedRows))]);
      assert.equal(only.code, ExitCode.Success, only.stderr);
      assert.match(only.stdout, /^ranked\.jsonl: n-way rankings$/m);
      assert.doesNotMatch(only.stdout, /judge report/, 'no pair section without pair verdicts');

      const broken = ranked([1000, 900], [['A', true, 1]]);
      (broken.distillery.ranking.matches[0] as { agreement: unknown }).agreement = 2;
      const bad = await run([file('bad-ranking.jsonl', lines([rankedRows[0], broken]))]);
      assert.equal(bad.code, ExitCode.BadInput);
      assert.match(bad.stderr, /bad-ranking\.jsonl:2:\d+: distillery\.ranking\.matches\.0\.agreement: must be a number from 0 to 1/);
    });
  });
});
