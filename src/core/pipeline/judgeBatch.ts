/**
 * Judging over a whole file: the row-batch runner with, for each input row,
 * - a pair (a preference row, or two `distillery.candidates`): `judgePair`, the row written with
 *   its verdict under `distillery.judgement`;
 * - more than two candidates: a tournament of `judgePair` matches (rankCandidates.ts), the row
 *   written with `distillery.ranking` and its best answer (best of n);
 * - with `preferences`, every row is ranked (a pair is a tournament of one match) and becomes
 *   preference rows `{prompt, chosen, rejected}` with their margin instead.
 * One runner for both, rather than a separate n-way batch, because files mix pairs and n-way rows
 * (`generate --candidates` keeps what its filters let through) and the CLI and the pipeline's
 * judge step take any of them. With principles, each row draws its own (seeded by the run's seed
 * and the row's key), so rows are not all judged on the same question and a run resumed or
 * repeated draws the same ones.
 */
import type { ConstitutionDocument } from '../constitution/types';
import { isJsonObject } from '../dataset/jsonValue';
import { DISTILLERY_KEY } from '../dataset/rowEdit';
import type { ChatModel } from '../llm/chatModel';
import { JudgeSettingsError, judgeCriteria, judgePair, judgeSettingsProblems } from '../tasks/judgePair';
import { judgeInputOf, judgedRow } from '../tasks/judgeRows';
import { PREFERENCE_PAIRS, candidateCount, rankCandidates, rankInputOf, rankedPreferenceRows, rankedRow, type PreferencePairs } from '../tasks/rankCandidates';
import type { JudgeCriteria, JudgeSettings, PairVerdict } from '../tasks/judgeTypes';
import { rowSeed } from './critiqueBatch';
import { runRowBatch, type RowProcessor } from './rowBatch';
import type { BatchProgress, BatchSummary } from './types';

/** What each row is judged against. */
export type JudgeCriteriaSource =
  | { readonly kind: 'default' }
  | { readonly kind: 'principles'; readonly constitution: ConstitutionDocument; readonly count: number; readonly tags?: readonly string[] }
  | { readonly kind: 'rubric'; readonly constitution: ConstitutionDocument; readonly id: string };

export interface JudgeBatchOptions {
  readonly input: string;
  /** How messages name the input file; its path by default. */
  readonly inputName?: string;
  readonly output: string;
  readonly judges: readonly ChatModel[];
  readonly criteria: JudgeCriteriaSource;
  readonly settings: JudgeSettings;
  /** The seed of each row's principle draw, with the row's key (0 by default). */
  readonly seed?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: BatchProgress) => void;
  /** Only these input lines (1-based). */
  readonly selectLines?: (line: number) => boolean;
  /** Input rows in flight at once (32 by default); the engine queues their calls per profile. */
  readonly concurrency?: number;
  /** Applied to every error message written or returned. */
  readonly redact?: (text: string) => string;
  readonly now?: () => Date;
  /** Write preference rows (from every row's ranking) instead of judged or ranked rows. */
  readonly preferences?: PreferencePairs;
  /** With `preferences`: only pairs whose margin (log-odds under the ratings) is above this; 0 by default. */
  readonly minMargin?: number;
  /** N-way tournaments: round-robin up to this many answers (8 by default), Swiss above. */
  readonly roundRobinUpTo?: number;
  /** Swiss rounds; ⌈log2 n⌉ + 1 by default. */
  readonly swissRounds?: number;
}

export interface JudgeBatchSummary extends BatchSummary {
  /** Final labels of the pairs judged in this run (rows judged pairwise, not ranked). */
  readonly verdicts: { readonly A: number; readonly B: number; readonly tie: number };
  /** Rows judged in this run whose two orders disagreed (their label is a tie). */
  readonly positionInconsistent: number;
  /** Rows judged in this run where a judge's model also wrote one of the answers. */
  readonly selfPreference: number;
  /** Rows ranked by a tournament in this run. */
  readonly ranked: number;
  /** Judge calls (pairs) made for the rankings of this run. */
  readonly matches: number;
  /** With `preferences`: rows written, and ranked rows that gave none (every margin at or below the minimum). */
  readonly preferenceRows: number;
  readonly withoutPreference: number;
  /** Candidates rows left one answer (or none) by the teachers' sample filters: written through unjudged. */
  readonly singleAnswer: number;
}

/** Problems with the n-way options, each naming its field; empty when fine. */
export function rankingOptionProblems(options: Pick<JudgeBatchOptions, 'preferences' | 'minMargin' | 'roundRobinUpTo' | 'swissRounds'>): string[] {
  const problems: string[] = [];
  if (options.preferences !== undefined && !PREFERENCE_PAIRS.includes(options.preferences)) {
    problems.push(`preferences must be ${PREFERENCE_PAIRS.map((p) => `"${p}"`).join(', ')}, not ${JSON.stringify(options.preferences)}`);
  }
  if (options.minMargin !== undefined) {
    if (options.preferences === undefined) problems.push('minMargin applies to preference rows: give preferences too');
    if (!(Number.isFinite(options.minMargin) && options.minMargin >= 0)) problems.push(`minMargin must be a number ≥ 0, not ${String(options.minMargin)}`);
  }
  if (options.roundRobinUpTo !== undefined && !(Number.isInteger(options.roundRobinUpTo) && options.roundRobinUpTo >= 2)) problems.push(`roundRobinUpTo must be a whole number ≥ 2, not ${String(options.roundRobinUpTo)}`);
  if (options.swissRounds !== undefined && !(Number.isInteger(options.swissRounds) && options.swissRounds >= 1)) problems.push(`swissRounds must be a whole number ≥ 1, not ${String(options.swissRounds)}`);
  return problems;
}

/**
 * Runs the batch. Throws JudgeSettingsError before anything is sent when the settings cannot work
 * for any row (no judge, no principle with a Compare question, an unknown rubric).
 */
export async function runJudgeBatch(options: JudgeBatchOptions): Promise<JudgeBatchSummary> {
  const { judges, settings } = options;
  const problems = [...judgeSettingsProblems(settings, judges), ...rankingOptionProblems(options)];
  if (problems.length > 0) throw new JudgeSettingsError(problems);
  const seed = options.seed ?? 0;
  const criteriaFor = (inputKey: string): JudgeCriteria => {
    const source = options.criteria;
    if (source.kind === 'default') return { kind: 'default' };
    if (source.kind === 'rubric') return judgeCriteria(source.constitution, { kind: 'rubric', id: source.id });
    return judgeCriteria(source.constitution, { kind: 'principles', count: source.count, seed: String(rowSeed(seed, inputKey)), ...(source.tags ? { tags: source.tags } : {}) });
  };
  // Fails now, for every row alike, when the criteria cannot be had.
  criteriaFor('');

  const verdicts = { A: 0, B: 0, tie: 0 };
  let positionInconsistent = 0;
  let selfPreference = 0;
  let ranked = 0;
  let matches = 0;
  let preferenceRows = 0;
  let withoutPreference = 0;
  let singleAnswer = 0;
  const rank: RowProcessor = async (row, inputKey, signal) => {
    // A row without answers to rank fails with the reason (rankInputOf throws an InputError).
    const input = rankInputOf(row.value);
    const result = await rankCandidates(input, judges, criteriaFor(inputKey), settings, {
      signal,
      ...(options.now ? { now: options.now } : {}),
      ...(options.roundRobinUpTo !== undefined ? { roundRobinUpTo: options.roundRobinUpTo } : {}),
      ...(options.swissRounds !== undefined ? { swissRounds: options.swissRounds } : {}),
    });
    ranked++;
    matches += result.ranking.matches.length;
    if (result.ranking.selfPreference.length > 0) selfPreference++;
    let rows: Record<string, unknown>[];
    if (options.preferences !== undefined) {
      rows = rankedPreferenceRows(input, result, { pairs: options.preferences, ...(options.minMargin !== undefined ? { minMargin: options.minMargin } : {}) });
      preferenceRows += rows.length;
      if (rows.length === 0) withoutPreference++;
    } else {
      rows = [rankedRow(row.value, input, result.ranking)];
    }
    return { rows, cached: result.cached, costUsd: result.costUsd };
  };
  const process: RowProcessor = async (row, inputKey, signal) => {
    if (hasFewerThanTwoCandidates(row.value)) {
      // A teacher's sample filters (near-duplicates, refusals, length) can leave a candidates row
      // one answer: nothing to compare. It goes through unjudged (as no preference row in that
      // mode) and is counted, rather than failing again on every run.
      singleAnswer++;
      return { rows: options.preferences !== undefined ? [] : [withoutSource(row.value)], cached: 0, costUsd: 0 };
    }
    if (options.preferences !== undefined || candidateCount(row.value) > 2) return rank(row, inputKey, signal);
    // A row without a pair fails with the reason (judgeInputOf throws an InputError).
    const { input } = judgeInputOf(row.value);
    const verdict: PairVerdict = await judgePair(input, judges, criteriaFor(inputKey), settings, { signal, ...(options.now ? { now: options.now } : {}) });
    verdicts[verdict.winner]++;
    if (!verdict.positionConsistent) positionInconsistent++;
    if (verdict.selfPreference.length > 0) selfPreference++;
    return {
      rows: [judgedRow(row.value, verdict)],
      cached: verdict.samples.filter((s) => s.cached).length,
      costUsd: verdict.samples.reduce((sum, s) => sum + (s.costUsd ?? 0), 0),
    };
  };
  const summary = await runRowBatch({
    input: options.input,
    output: options.output,
    process,
    ...(options.selectLines ? { selectLines: options.selectLines } : {}),
    ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.redact ? { redact: options.redact } : {}),
    ...(options.inputName !== undefined ? { inputName: options.inputName } : {}),
  });
  return { ...summary, verdicts, positionInconsistent, selfPreference, ranked, matches, preferenceRows, withoutPreference, singleAnswer };
}

/** A candidates row (`distillery.candidates`) with fewer than two answers. */
function hasFewerThanTwoCandidates(row: unknown): boolean {
  const metadata = isJsonObject(row) ? row[DISTILLERY_KEY] : undefined;
  const candidates = isJsonObject(metadata) ? metadata.candidates : undefined;
  return Array.isArray(candidates) && candidates.length < 2;
}

/** The row as it came, less `source` (another run's key): the batch runner writes this run's. */
function withoutSource(row: Record<string, unknown>): Record<string, unknown> {
  const { source: _source, ...kept } = isJsonObject(row[DISTILLERY_KEY]) ? (row[DISTILLERY_KEY] as Record<string, unknown>) : {};
  return { ...row, [DISTILLERY_KEY]: kept };
}
