/**
 * A length-controlled win rate, in the manner of AlpacaEval 2 (Dubois et al. 2024).
 *
 * What is fitted, exactly: over the decisive verdicts only (ties left out), with y = 1 when A won
 * and 0 when B won, and d = characters of A − characters of B,
 *
 *     P(y = 1) = σ(θ + β · x),   x = tanh(d / s),   s = the standard deviation of d over those verdicts,
 *
 * by maximum likelihood (Newton's method; a very light ridge, 1e-6 · (θ² + β²), keeps the fit finite
 * when the outcomes are perfectly separated). The length-controlled win rate is the model's
 * prediction with the length term at 0, averaged over the verdicts: mean σ(θ) = σ(θ). It answers
 * "how often would the judge prefer A if both answers were the same length?". AlpacaEval's GLM also
 * has a per-instruction difficulty term; with one pair per prompt it is not identifiable, so it is
 * left out. The tanh bounds the influence of a few very long answers, as in AlpacaEval.
 */

export interface LengthControlledFit {
  /** Decisive verdicts the fit used. */
  readonly n: number;
  /** Share of those won by A. */
  readonly rawWinRate: number;
  /** σ(θ): the win rate of A with the length term at 0. */
  readonly winRate: number;
  readonly theta: number;
  /** The weight of tanh(d / s): positive when the judge favours the longer answer. */
  readonly beta: number;
  /** s, in characters; 0 when every pair had the same length difference (then β is 0). */
  readonly scale: number;
  readonly converged: boolean;
}

export interface DecisiveVerdict {
  readonly aWon: boolean;
  /** Characters of A − characters of B. */
  readonly lengthDifference: number;
}

const RIDGE = 1e-6;
const MAX_ITERATIONS = 100;

export const sigmoid = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

/** The fit described above; undefined without any decisive verdict. */
export function lengthControlledWinRate(verdicts: readonly DecisiveVerdict[]): LengthControlledFit | undefined {
  const n = verdicts.length;
  if (n === 0) return undefined;
  const wins = verdicts.filter((v) => v.aWon).length;
  const meanD = verdicts.reduce((sum, v) => sum + v.lengthDifference, 0) / n;
  const scale = Math.sqrt(verdicts.reduce((sum, v) => sum + (v.lengthDifference - meanD) ** 2, 0) / n);
  const xs = verdicts.map((v) => (scale > 0 ? Math.tanh(v.lengthDifference / scale) : 0));
  const ys = verdicts.map((v) => (v.aWon ? 1 : 0));

  let theta = 0;
  let beta = 0;
  let converged = false;
  for (let iteration = 0; iteration < MAX_ITERATIONS; iteration++) {
    // Gradient and Hessian of the penalised log-likelihood.
    let g0 = -2 * RIDGE * theta;
    let g1 = -2 * RIDGE * beta;
    let h00 = 2 * RIDGE;
    let h01 = 0;
    let h11 = 2 * RIDGE;
    for (let i = 0; i < n; i++) {
      const x = xs[i] as number;
      const p = sigmoid(theta + beta * x);
      const r = (ys[i] as number) - p;
      const w = p * (1 - p);
      g0 += r;
      g1 += r * x;
      h00 += w;
      h01 += w * x;
      h11 += w * x * x;
    }
    const det = h00 * h11 - h01 * h01;
    if (!(det > 0)) break;
    const step0 = (h11 * g0 - h01 * g1) / det;
    const step1 = (h00 * g1 - h01 * g0) / det;
    theta += step0;
    beta += step1;
    if (Math.abs(step0) < 1e-10 && Math.abs(step1) < 1e-10) {
      converged = true;
      break;
    }
  }
  return { n, rawWinRate: wins / n, winRate: sigmoid(theta), theta, beta, scale, converged };
}
