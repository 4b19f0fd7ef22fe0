/**
 * Pairwise judging over a whole file: the row-batch runner with `judgePair` as the work for each
 * input row; each output row is the input row with its verdict under `distillery.judgement`.
 * With principles, each row draws its own (seeded by the run's seed and the row's key), so rows
 * are not all judged on the same question and a run resumed or repeated draws the same ones.
 */
import type { ConstitutionDocument } from '../constitution/types';
import type { ChatModel } from '../llm/chatModel';
import { JudgeSettingsError, judgeCriteria, judgePair, judgeSettingsProblems } from '../tasks/judgePair';
import { judgeInputOf, judgedRow } from '../tasks/judgeRows';
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
}

export interface JudgeBatchSummary extends BatchSummary {
  /** Final labels of the rows judged in this run. */
  readonly verdicts: { readonly A: number; readonly B: number; readonly tie: number };
  /** Rows judged in this run whose two orders disagreed (their label is a tie). */
  readonly positionInconsistent: number;
  /** Rows judged in this run where a judge's model also wrote one of the answers. */
  readonly selfPreference: number;
}

/**
 * Runs the batch. Throws JudgeSettingsError before anything is sent when the settings cannot work
 * for any row (no judge, no principle with a Compare question, an unknown rubric).
 */
export async function runJudgeBatch(options: JudgeBatchOptions): Promise<JudgeBatchSummary> {
  const { judges, settings } = options;
  const problems = judgeSettingsProblems(settings, judges);
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
  const process: RowProcessor = async (row, inputKey, signal) => {
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
  return { ...summary, verdicts, positionInconsistent, selfPreference };
}
