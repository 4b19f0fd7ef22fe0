/**
 * Bradley–Terry ratings from pairwise results: P(i beats j) = p_i / (p_i + p_j), fitted by
 * Hunter's (2004) MM algorithm, p_i ← W_i / Σ_j n_ij / (p_i + p_j). A tie counts half a win to
 * each side. So that an answer that never won (or never lost) keeps a finite rating, every player
 * also gets one virtual game, shared evenly among the others and drawn (a weak prior that pulls
 * ratings toward each other and vanishes as results accumulate). Only ratios of strengths matter,
 * so each step rescales them to a geometric mean of 1.
 */

export interface PairResult {
  readonly winner: number;
  readonly loser: number;
  /** A draw: half a win to each. */
  readonly tie?: boolean;
}

export interface BradleyTerryRatings {
  /** p_i, scaled so that their geometric mean is 1. */
  readonly strengths: readonly number[];
  /** On the Elo scale: 1000 + 400 · log10(p_i). */
  readonly ratings: readonly number[];
  /** Player indices from the strongest. */
  readonly ranking: readonly number[];
  readonly iterations: number;
  readonly converged: boolean;
}

const MAX_ITERATIONS = 10_000;
const TOLERANCE = 1e-10;

export function bradleyTerry(players: number, results: readonly PairResult[]): BradleyTerryRatings {
  if (!Number.isInteger(players) || players < 1) throw new RangeError(`players must be a whole number ≥ 1, not ${players}`);
  const wins = new Array<number>(players).fill(players > 1 ? 0.5 : 0); // the virtual draw's half win
  const virtual = players > 1 ? 1 / (players - 1) : 0;
  const games = Array.from({ length: players }, (_, i) => Array.from({ length: players }, (_, j) => (i === j ? 0 : virtual)));
  for (const [index, result] of results.entries()) {
    const { winner, loser } = result;
    for (const player of [winner, loser]) {
      if (!Number.isInteger(player) || player < 0 || player >= players) throw new RangeError(`results[${index}]: player ${player} is not in 0..${players - 1}`);
    }
    if (winner === loser) throw new RangeError(`results[${index}]: a player cannot play itself`);
    (games[winner] as number[])[loser] = ((games[winner] as number[])[loser] as number) + 1;
    (games[loser] as number[])[winner] = ((games[loser] as number[])[winner] as number) + 1;
    if (result.tie) {
      wins[winner] = (wins[winner] as number) + 0.5;
      wins[loser] = (wins[loser] as number) + 0.5;
    } else {
      wins[winner] = (wins[winner] as number) + 1;
    }
  }

  let strengths = new Array<number>(players).fill(1);
  let iterations = 0;
  let converged = false;
  while (iterations < MAX_ITERATIONS) {
    iterations++;
    const raw = strengths.map((p, i) => {
      let denominator = 0;
      const row = games[i] as number[];
      for (let j = 0; j < players; j++) {
        const n = row[j] as number;
        if (n > 0) denominator += n / (p + (strengths[j] as number));
      }
      return denominator > 0 ? (wins[i] as number) / denominator : p;
    });
    const logMean = raw.reduce((sum, p) => sum + Math.log(p), 0) / players;
    const next = raw.map((p) => Math.exp(Math.log(p) - logMean));
    const change = Math.max(...next.map((p, i) => Math.abs(Math.log(p) - Math.log(strengths[i] as number))));
    strengths = next;
    if (change < TOLERANCE) {
      converged = true;
      break;
    }
  }
  const scaled = strengths;
  const ranking = scaled.map((_, i) => i).sort((a, b) => (scaled[b] as number) - (scaled[a] as number) || a - b);
  return { strengths: scaled, ratings: scaled.map((p) => 1000 + 400 * Math.log10(p)), ranking, iterations, converged };
}

/** P(i beats j) under the ratings. */
export function winProbability(ratings: BradleyTerryRatings, i: number, j: number): number {
  const pi = ratings.strengths[i];
  const pj = ratings.strengths[j];
  if (pi === undefined || pj === undefined) throw new RangeError(`no player ${pi === undefined ? i : j}`);
  return pi / (pi + pj);
}
