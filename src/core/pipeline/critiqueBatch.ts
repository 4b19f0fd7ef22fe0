/**
 * Critique–revise over a whole file: the row-batch runner with `critiqueRevise` as the work for
 * each input row, writing either the row with its answer revised (SFT) or a preference pair
 * (revision chosen, original rejected). Each row draws its own principles, with a seed derived
 * from the run's seed and the row's key (recorded in the row), so rows do not all get the same
 * principles and a run resumed or repeated draws the same ones again.
 */
import { hashSeed } from '../random';
import type { ChatModel } from '../llm/chatModel';
import { CritiqueSettingsError, critiqueRevise, critiqueSettingsProblems, chainPrinciples, type CritiqueConstitution } from '../tasks/critiqueRevise';
import { critiqueInputOf, preferencePairRow, revisedRow } from '../tasks/critiqueRows';
import type { CritiqueChain, CritiqueSettings } from '../tasks/critiqueTypes';
import { runRowBatch, type RowProcessor } from './rowBatch';
import type { BatchProgress, BatchSummary } from './types';

export interface CritiqueBatchOptions {
  readonly input: string;
  /** How messages name the input file; its path by default. */
  readonly inputName?: string;
  readonly output: string;
  readonly critic: ChatModel;
  readonly constitution: CritiqueConstitution;
  /** `seed` is the run's seed: each row's draw uses `rowSeed(seed, row key)`. */
  readonly settings: CritiqueSettings;
  /** Write preference pairs (revision chosen, original rejected) instead of revised rows. */
  readonly pairs: boolean;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: BatchProgress) => void;
  /** Only these input lines (1-based). */
  readonly selectLines?: (line: number) => boolean;
  /** Input rows in flight at once (32 by default); each runs its rounds one after another. */
  readonly concurrency?: number;
  /** Applied to every error message written or returned. */
  readonly redact?: (text: string) => string;
  readonly now?: () => Date;
  /** Recorded in every row's `distillery.critique.constitution`. */
  readonly constitutionPath?: string;
  /** The constitution file's text, whose SHA-256 every row records. */
  readonly constitutionText?: string;
}

export interface CritiqueBatchSummary extends BatchSummary {
  /** Rows done whose chain revised nothing (with `pairs`, these write no row). */
  readonly unrevised: number;
}

/** The seed of one row's draw: the run's seed and the row's key, hashed to a 32-bit whole number. */
export function rowSeed(seed: number, inputKey: string): number {
  return hashSeed(`${seed}:${inputKey}`)[0];
}

/**
 * Runs the batch. Throws CritiqueSettingsError before anything is sent when the settings cannot
 * work for any row (no principle matches the tags, an unknown principle id).
 */
export async function runCritiqueBatch(options: CritiqueBatchOptions): Promise<CritiqueBatchSummary> {
  const { critic, constitution, settings } = options;
  const problems = critiqueSettingsProblems(settings);
  if (problems.length > 0) throw new CritiqueSettingsError(problems);
  // Fails now, for every row alike, when no principle can be drawn.
  chainPrinciples(constitution, settings);
  let unrevised = 0;
  const process: RowProcessor = async (row, inputKey, signal) => {
    // A row without an answer fails with the reason (critiqueInputOf throws an InputError).
    const { input, kind } = critiqueInputOf(row.value);
    const chain: CritiqueChain = await critiqueRevise(input, critic, constitution, { ...settings, seed: rowSeed(settings.seed, inputKey) }, {
      signal,
      ...(options.now ? { now: options.now } : {}),
      ...(options.constitutionPath !== undefined ? { constitutionPath: options.constitutionPath } : {}),
      ...(options.constitutionText !== undefined ? { constitutionText: options.constitutionText } : {}),
    });
    // A round is one call, or two when it revised; `cached` says all of them were.
    const cached = chain.rounds.reduce((sum, round) => sum + (round.cached ? (round.revision === undefined ? 1 : 2) : 0), 0);
    const costUsd = chain.rounds.reduce((sum, round) => sum + (round.costUsd ?? 0), 0);
    if (chain.final === chain.original) unrevised++;
    const written = options.pairs ? preferencePairRow(row.value, chain) : revisedRow(row.value, kind, chain);
    return { rows: written ? [written] : [], cached, costUsd };
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
  return { ...summary, unrevised };
}
