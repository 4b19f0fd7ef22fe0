/**
 * N-way judging as a tournament among the answers to one prompt: every pair when there are at
 * most 8 answers (round-robin), else Swiss rounds (answers with similar scores meet, no pair twice
 * where that can be avoided). The matches go through a `compare(i, j)` callback, so the judge
 * behind it (judgePair, with both orders and its bias controls) is the caller's choice. The
 * results give Bradley–Terry ratings, the best of n, and preference rows.
 */
import type { Verdict } from '../tasks/judgeTypes';
import { bradleyTerry, winProbability, type BradleyTerryRatings, type PairResult } from './bradleyTerry';

/** 'A': answer i is better; 'B': answer j is better. */
export type Compare = (i: number, j: number) => Promise<Verdict>;

export interface Match {
  readonly i: number;
  readonly j: number;
  readonly verdict: Verdict;
  /** 1-based. */
  readonly round: number;
}

export interface TournamentOptions {
  readonly signal?: AbortSignal;
  /** Round-robin up to this many answers (default 8), Swiss above. */
  readonly roundRobinUpTo?: number;
  /** Swiss rounds; default ⌈log2 n⌉ + 1. */
  readonly swissRounds?: number;
}

export interface TournamentResult {
  readonly format: 'round-robin' | 'swiss';
  readonly answers: number;
  readonly matches: readonly Match[];
  readonly ratings: BradleyTerryRatings;
  /** The best of n: the answer with the highest rating. */
  readonly best: number;
}

export const ROUND_ROBIN_UP_TO = 8;

export async function runTournament(answers: number, compare: Compare, options: TournamentOptions = {}): Promise<TournamentResult> {
  if (!Number.isInteger(answers) || answers < 2) throw new RangeError(`a tournament needs at least 2 answers, not ${answers}`);
  const roundRobin = answers <= (options.roundRobinUpTo ?? ROUND_ROBIN_UP_TO);
  const matches: Match[] = [];
  const play = async (pairs: readonly (readonly [number, number])[], round: number): Promise<void> => {
    options.signal?.throwIfAborted();
    const verdicts = await Promise.all(pairs.map(([i, j]) => compare(i, j)));
    pairs.forEach(([i, j], k) => matches.push({ i, j, verdict: verdicts[k] as Verdict, round }));
  };
  if (roundRobin) {
    await play(roundRobinPairs(answers), 1);
  } else {
    const rounds = options.swissRounds ?? Math.ceil(Math.log2(answers)) + 1;
    if (!Number.isInteger(rounds) || rounds < 1) throw new RangeError(`swissRounds must be a whole number ≥ 1, not ${rounds}`);
    const byes = new Set<number>();
    for (let round = 1; round <= rounds; round++) {
      const { pairs, bye } = swissPairing(answers, matches, byes);
      if (bye !== undefined) byes.add(bye);
      await play(pairs, round);
    }
  }
  const ratings = bradleyTerry(answers, matches.map(resultOf));
  return { format: roundRobin ? 'round-robin' : 'swiss', answers, matches, ratings, best: ratings.ranking[0] as number };
}

/** Every pair once, alternating who is shown first so that no answer is always A. */
export function roundRobinPairs(n: number): Array<[number, number]> {
  const pairs: Array<[number, number]> = [];
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) pairs.push((i + j) % 2 === 0 ? [i, j] : [j, i]);
  }
  return pairs;
}

/** Points so far: 1 a win, ½ a tie. */
export function swissScores(n: number, matches: readonly Match[]): number[] {
  const scores = new Array<number>(n).fill(0);
  for (const m of matches) {
    if (m.verdict === 'A') scores[m.i] = (scores[m.i] as number) + 1;
    else if (m.verdict === 'B') scores[m.j] = (scores[m.j] as number) + 1;
    else {
      scores[m.i] = (scores[m.i] as number) + 0.5;
      scores[m.j] = (scores[m.j] as number) + 0.5;
    }
  }
  return scores;
}

/**
 * The next Swiss round: answers sorted by points (then index) are paired from the top, each with
 * the nearest one it has not met yet, backtracking when that leaves someone without a partner; a
 * repeat is allowed only when no pairing without one exists. With an odd count, the lowest-placed
 * answer that has had no bye sits the round out.
 */
export function swissPairing(n: number, matches: readonly Match[], byes: ReadonlySet<number> = new Set()): { pairs: Array<[number, number]>; bye: number | undefined } {
  const scores = swissScores(n, matches);
  const order = [...Array(n).keys()].sort((a, b) => (scores[b] as number) - (scores[a] as number) || a - b);
  let bye: number | undefined;
  if (n % 2 === 1) {
    bye = [...order].reverse().find((p) => !byes.has(p)) ?? (order[order.length - 1] as number);
    order.splice(order.indexOf(bye), 1);
  }
  const met = new Set(matches.map((m) => pairKey(m.i, m.j)));
  const pairs = pairWithoutRepeats(order, met) ?? greedyPairs(order);
  // Whoever was shown first less often goes first.
  const firsts = new Array<number>(n).fill(0);
  for (const m of matches) firsts[m.i] = (firsts[m.i] as number) + 1;
  return { pairs: pairs.map(([a, b]) => ((firsts[a] as number) <= (firsts[b] as number) ? [a, b] : [b, a])), bye };
}

function pairKey(i: number, j: number): string {
  return i < j ? `${i}-${j}` : `${j}-${i}`;
}

/** Depth-first, nearest partner first; undefined when every pairing repeats a match. */
function pairWithoutRepeats(order: readonly number[], met: ReadonlySet<string>): Array<[number, number]> | undefined {
  const used = new Set<number>();
  const pairs: Array<[number, number]> = [];
  let steps = 0;
  const search = (): boolean => {
    if (++steps > 200_000) return false; // give up: fall back to the greedy pairing
    const first = order.find((p) => !used.has(p));
    if (first === undefined) return true;
    used.add(first);
    for (const second of order) {
      if (used.has(second) || met.has(pairKey(first, second))) continue;
      used.add(second);
      pairs.push([first, second]);
      if (search()) return true;
      pairs.pop();
      used.delete(second);
    }
    used.delete(first);
    return false;
  };
  return search() ? pairs : undefined;
}

function greedyPairs(order: readonly number[]): Array<[number, number]> {
  const pairs: Array<[number, number]> = [];
  for (let k = 0; k + 1 < order.length; k += 2) pairs.push([order[k] as number, order[k + 1] as number]);
  return pairs;
}

function resultOf(m: Match): PairResult {
  if (m.verdict === 'B') return { winner: m.j, loser: m.i };
  return { winner: m.i, loser: m.j, ...(m.verdict === 'tie' ? { tie: true } : {}) };
}

export interface PreferenceRow<Prompt, Answer> {
  readonly prompt: Prompt;
  readonly chosen: Answer;
  readonly rejected: Answer;
  /** log(p_chosen / p_rejected) under the Bradley–Terry ratings: the log-odds that chosen beats rejected (> 0). */
  readonly margin: number;
}

export interface PreferenceRowOptions {
  /** 'best-vs-rest' (default): the best answer against every other; 'best-vs-worst': one row; 'all': every pair, better one chosen. */
  readonly pairs?: 'best-vs-rest' | 'best-vs-worst' | 'all';
  /** Leave out pairs whose margin is at most this (default 0: equal ratings give no row). */
  readonly minMargin?: number;
}

/** Preference rows from a tournament's ratings: the higher-rated answer of each pair is chosen. */
export function preferenceRows<Prompt, Answer>(
  prompt: Prompt,
  answers: readonly Answer[],
  result: TournamentResult,
  options: PreferenceRowOptions = {},
): Array<PreferenceRow<Prompt, Answer>> {
  if (answers.length !== result.answers) throw new RangeError(`the tournament was over ${result.answers} answers, not ${answers.length}`);
  const ranking = result.ratings.ranking;
  const best = ranking[0] as number;
  const which = options.pairs ?? 'best-vs-rest';
  const candidates: Array<[number, number]> =
    which === 'best-vs-worst' ? [[best, ranking[ranking.length - 1] as number]]
      : which === 'best-vs-rest' ? ranking.slice(1).map((other) => [best, other])
        : ranking.flatMap((a, k) => ranking.slice(k + 1).map((b): [number, number] => [a, b]));
  const minMargin = options.minMargin ?? 0;
  return candidates.flatMap(([chosen, rejected]) => {
    const p = winProbability(result.ratings, chosen, rejected);
    const margin = Math.log(p / (1 - p));
    return margin > minMargin ? [{ prompt, chosen: answers[chosen] as Answer, rejected: answers[rejected] as Answer, margin }] : [];
  });
}
