import * as assert from 'node:assert/strict';
import { lengthControlledWinRate, sigmoid } from '../../../src/core/judging/lengthControl';
import { judgeReport } from '../../../src/core/judging/report';
import { simulatePairs, type SimulationOptions } from './simulation';

/** A judge that prefers the longer answer, on pairs where A is longer on average and truly better a bit over half the time. */
const LENGTH_BIASED: Omit<SimulationOptions, 'seed'> = { pairs: 2000, qualityEdge: 0.05, lengthBias: 0.3, lengthA: 800, lengthB: 500, noise: 0.05 };

function measure(options: SimulationOptions): { truth: number; raw: number; lc: number; beta: number; correlation: number } {
  const simulated = simulatePairs(options);
  const truth = simulated.filter((pair) => pair.aTrulyBetter).length / simulated.length;
  const report = judgeReport(simulated.map((pair) => pair.row));
  assert.ok(report.lengthControlled && report.decisiveWinRateA !== undefined && report.lengthCorrelation !== undefined);
  assert.ok(report.lengthControlled.converged);
  return { truth, raw: report.decisiveWinRateA, lc: report.lengthControlled.winRate, beta: report.lengthControlled.beta, correlation: report.lengthCorrelation };
}

const points = (share: number): number => share * 100;

describe('judging: the length-controlled win rate', () => {
  it('with a judge that prefers the longer answer, on 2,000 pairs: LC within 3 points of the true win rate, the raw rate not', () => {
    const m = measure({ ...LENGTH_BIASED, seed: 'length-control' });
    assert.ok(Math.abs(points(m.lc - m.truth)) <= 3, `LC ${points(m.lc).toFixed(1)}% vs true ${points(m.truth).toFixed(1)}%`);
    assert.ok(Math.abs(points(m.raw - m.truth)) > 3, `raw ${points(m.raw).toFixed(1)}% vs true ${points(m.truth).toFixed(1)}%`);
    assert.ok(m.beta > 0, 'the fitted length weight says the judge favours length');
    assert.ok(m.correlation > 0.1, 'A wins correlate with A being longer');
  });

  it('holds across seeds: LC within 3 points in most runs, the raw rate off by more than 5 in every run', () => {
    const runs = Array.from({ length: 12 }, (_, i) => measure({ ...LENGTH_BIASED, seed: `length-control-${i}` }));
    const within = runs.filter((m) => Math.abs(points(m.lc - m.truth)) <= 3).length;
    assert.ok(within >= 10, `${within} of 12 within 3 points`);
    const lcErrors = runs.map((m) => Math.abs(points(m.lc - m.truth)));
    const rawErrors = runs.map((m) => Math.abs(points(m.raw - m.truth)));
    assert.ok(Math.min(...rawErrors) > 5, `raw errors ${rawErrors.map((e) => e.toFixed(1)).join(', ')}`);
    assert.ok(lcErrors.reduce((s, e) => s + e, 0) / runs.length < 2.5, `LC errors ${lcErrors.map((e) => e.toFixed(1)).join(', ')}`);
  });

  it('with a judge that ignores length, LC and raw agree with the truth and β is near 0', () => {
    const m = measure({ ...LENGTH_BIASED, lengthBias: 0, seed: 'no-length-bias' });
    assert.ok(Math.abs(points(m.lc - m.raw)) < 2, `LC ${points(m.lc).toFixed(1)}% vs raw ${points(m.raw).toFixed(1)}%`);
    assert.ok(Math.abs(points(m.raw - m.truth)) < 2);
    assert.ok(Math.abs(m.beta) < 0.3, `β = ${m.beta}`);
  });

  it('with equal lengths throughout, β is 0 and the LC rate is the raw rate', () => {
    const verdicts = [
      ...Array.from({ length: 30 }, () => ({ aWon: true, lengthDifference: 0 })),
      ...Array.from({ length: 10 }, () => ({ aWon: false, lengthDifference: 0 })),
    ];
    const fit = lengthControlledWinRate(verdicts);
    assert.ok(fit);
    assert.equal(fit.scale, 0);
    assert.equal(fit.beta, 0);
    assert.ok(Math.abs(fit.winRate - 0.75) < 1e-6);
    assert.ok(Math.abs(sigmoid(fit.theta) - 0.75) < 1e-6);
    assert.equal(lengthControlledWinRate([]), undefined);
  });

  it('stays finite when the outcomes are perfectly separated by length', () => {
    const fit = lengthControlledWinRate([-300, -200, -100, 100, 200, 300].map((d) => ({ aWon: d > 0, lengthDifference: d })));
    assert.ok(fit && Number.isFinite(fit.theta) && Number.isFinite(fit.beta));
    assert.ok(fit.beta > 5, 'a very strong length effect');
    assert.ok(Math.abs(fit.winRate - 0.5) < 0.01, 'symmetric data: equal lengths would be a coin toss');
  });
});
