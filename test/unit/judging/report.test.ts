import * as assert from 'node:assert/strict';
import { readJudgedRow, type JudgedRow } from '../../../src/core/judging/judgedRows';
import { judgeLabel, judgeReport, pearson } from '../../../src/core/judging/report';
import type { Verdict } from '../../../src/core/tasks/judgeTypes';

type Sample = JudgedRow['judgement']['samples'][number];

/** A judged row: one sample per (judge, order) from `votes`, e.g. { j1: ['A', 'B'] } is j1 saying A in order AB and B in order BA. */
function row(winner: Verdict, votes: Record<string, readonly Verdict[]>, options: { lengthDifference?: number; human?: Verdict } = {}): JudgedRow {
  const samples: Sample[] = Object.entries(votes).flatMap(([judge, verdicts]) => verdicts.map((verdict, k): Sample => ({ judge, order: k % 2 === 0 ? 'AB' : 'BA', verdict })));
  const agreeing = samples.filter((s) => s.verdict === winner).length;
  const orders = new Set(samples.map((s) => s.order));
  const majority = (order: 'AB' | 'BA') => samples.filter((s) => s.order === order).map((s) => s.verdict);
  const consistent = orders.size < 2 || JSON.stringify([...new Set(majority('AB'))]) === JSON.stringify([...new Set(majority('BA'))]);
  return {
    judgement: { winner, positionConsistent: consistent, agreement: agreeing / samples.length, lengthDifference: options.lengthDifference ?? 0, samples },
    ...(options.human ? { human: { winner: options.human } } : {}),
  };
}

describe('judging: the judge report', () => {
  const rows: JudgedRow[] = [
    row('A', { j1: ['A', 'A'], j2: ['A', 'A'] }, { lengthDifference: 120, human: 'A' }),
    row('A', { j1: ['A', 'A'], j2: ['A', 'B'] }, { lengthDifference: 80, human: 'B' }),
    row('B', { j1: ['B', 'B'], j2: ['B', 'B'] }, { lengthDifference: -50, human: 'B' }),
    row('tie', { j1: ['A', 'B'], j2: ['A', 'B'] }, { lengthDifference: 10, human: 'tie' }),
    row('B', { j1: ['B', 'B'], j2: ['A', 'A'] }, { lengthDifference: -20 }),
  ];

  it('counts win, tie and position-flip rates, and agreement across samples', () => {
    const r = judgeReport(rows);
    assert.equal(r.rows, 5);
    assert.deepEqual(r.counts, { A: 2, B: 2, tie: 1 });
    assert.deepEqual([r.winRateA, r.winRateB, r.tieRate, r.decisiveWinRateA], [0.4, 0.4, 0.2, 0.5]);
    assert.equal(r.bothOrders, 5);
    // Rows 2 (j2 flipped) and 4 (both flipped) are position-inconsistent.
    assert.equal(r.positionFlipRate, 2 / 5);
    // Agreement per row: 4/4, 3/4, 4/4, 0/4, 2/4.
    assert.ok(Math.abs((r.sampleAgreement ?? NaN) - (1 + 0.75 + 1 + 0 + 0.5) / 5) < 1e-12);
  });

  it('agreement across judges: each judge\'s own label (a tie when its orders disagree), pairwise, with kappa', () => {
    const r = judgeReport(rows);
    assert.deepEqual(r.judges, ['j1', 'j2']);
    // j1: A, A, B, tie, B. j2: A, tie, B, tie, A. Agree on rows 1, 3, 4: 3/5.
    assert.deepEqual(rows.map((x) => judgeLabel(x.judgement.samples, 'j2')), ['A', 'tie', 'B', 'tie', 'A']);
    const [pair] = r.judgeAgreement.pairs;
    assert.deepEqual(pair?.judges, ['j1', 'j2']);
    assert.equal(pair?.rows, 5);
    assert.equal(pair?.agreement, 0.6);
    assert.equal(r.judgeAgreement.mean, 0.6);
    // κ: p_o 0.6; j1 uses A 2, B 2, tie 1; j2 A 2, B 1, tie 2 → p_e = (4 + 2 + 2) / 25 = 0.32.
    assert.ok(Math.abs((pair?.kappa ?? NaN) - (0.6 - 0.32) / 0.68) < 1e-12);
  });

  it('against human labels: accuracy, kappa and the confusion table, over labelled rows only', () => {
    const r = judgeReport(rows);
    assert.equal(r.human.rows, 4);
    assert.equal(r.human.accuracy, 0.75);
    // judge A,A,B,tie vs human A,B,B,tie: p_o 0.75, p_e = (2·1 + 1·2 + 1·1) / 16 = 5/16.
    assert.ok(Math.abs((r.human.kappa ?? NaN) - (0.75 - 5 / 16) / (1 - 5 / 16)) < 1e-12);
    assert.equal(r.human.confusion.A.B, 1);
    assert.equal(r.human.confusion.A.A, 1);
    assert.equal(r.human.confusion.tie.tie, 1);
  });

  it('correlation with the length difference over decisive rows (point-biserial)', () => {
    const r = judgeReport(rows);
    // Decisive: A at +120, +80; B at −50, −20.
    assert.ok(Math.abs((r.lengthCorrelation ?? NaN) - (pearson([1, 1, 0, 0], [120, 80, -50, -20]) as number)) < 1e-12);
    assert.ok((r.lengthCorrelation as number) > 0.9);
    assert.ok(r.lengthControlled && r.lengthControlled.n === 4 && r.lengthControlled.beta > 0);
  });

  it('one order and one judge: no flip rate, no judge agreement, no human figures', () => {
    const single = judgeReport([row('A', { only: ['A'] }), row('B', { only: ['B'] })]);
    assert.equal(single.bothOrders, 0);
    assert.equal(single.positionFlipRate, undefined);
    assert.deepEqual(single.judgeAgreement, { mean: undefined, pairs: [] });
    assert.deepEqual([single.human.rows, single.human.accuracy, single.human.kappa], [0, undefined, undefined]);
    const empty = judgeReport([]);
    assert.equal(empty.winRateA, undefined);
    assert.equal(empty.lengthControlled, undefined);
  });

  it('reads judged rows and names the bad field of a malformed judgement by its path', () => {
    const good = { winner: 'A', positionConsistent: true, agreement: 1, lengthDifference: 3, samples: [{ judge: 'j', order: 'AB', verdict: 'A' }] };
    assert.equal(readJudgedRow({ prompt: 'p' }).kind, 'unjudged');
    const read = readJudgedRow({ distillery: { judgement: good, human: { winner: 'B', by: 'ana', time: 't' } } });
    assert.equal(read.kind, 'judged');
    assert.deepEqual(read.kind === 'judged' ? read.row.human : undefined, { winner: 'B' });
    assert.deepEqual(readJudgedRow({ distillery: { judgement: { ...good, winner: 'C' } } }), {
      kind: 'invalid', path: ['distillery', 'judgement', 'winner'], message: 'must be "A", "B" or "tie", not "C"',
    });
    const badSample = readJudgedRow({ distillery: { judgement: { ...good, samples: [{ judge: 'j', order: 'XY', verdict: 'A' }] } } });
    assert.deepEqual(badSample.kind === 'invalid' ? badSample.path : undefined, ['distillery', 'judgement', 'samples', 0, 'order']);
    const missing = readJudgedRow({ distillery: { judgement: { winner: 'A' } } });
    assert.deepEqual(missing.kind === 'invalid' ? [missing.path, missing.message] : undefined, [['distillery', 'judgement'], 'has no "positionConsistent" (true or false)']);
  });
});
