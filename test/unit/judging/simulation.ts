/**
 * Synthetic judged pairs from a known truth model, for the report's statistics (no server).
 * Each pair: true qualities of A and B, lengths; the judge's score difference is the quality
 * difference plus `lengthBias` · (len A − len B) / max len plus Gaussian noise, as the test
 * server's simulated judge scores answers. The truth: A is better when its quality is higher.
 */
import { seededRandom } from '../../../src/core/random';
import type { JudgedRow } from '../../../src/core/judging/judgedRows';
import type { Verdict } from '../../../src/core/tasks/judgeTypes';

export interface SimulatedPair {
  readonly row: JudgedRow;
  /** Whether A is truly the better answer. */
  readonly aTrulyBetter: boolean;
}

export interface SimulationOptions {
  readonly pairs: number;
  readonly seed: string;
  /** Mean quality advantage of A (qualities are Normal(mean, 0.25)). */
  readonly qualityEdge: number;
  readonly lengthBias: number;
  /** A's mean length and B's, in characters (each Normal(mean, mean/3), at least 20). */
  readonly lengthA: number;
  readonly lengthB: number;
  readonly noise: number;
}

export function simulatePairs(options: SimulationOptions): SimulatedPair[] {
  const random = seededRandom(options.seed);
  const normal = (mean: number, sd: number): number => {
    const u = 1 - random();
    const v = random();
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
  return Array.from({ length: options.pairs }, () => {
    const qa = normal(options.qualityEdge, 0.25);
    const qb = normal(0, 0.25);
    const la = Math.max(20, Math.round(normal(options.lengthA, options.lengthA / 3)));
    const lb = Math.max(20, Math.round(normal(options.lengthB, options.lengthB / 3)));
    const score = qa - qb + (options.lengthBias * (la - lb)) / Math.max(la, lb) + normal(0, options.noise);
    const winner: Verdict = score > 0 ? 'A' : 'B';
    const row: JudgedRow = {
      judgement: { winner, positionConsistent: true, agreement: 1, lengthDifference: la - lb, samples: [{ judge: 'sim', order: 'AB', verdict: winner }] },
    };
    return { row, aTrulyBetter: qa > qb };
  });
}
