/**
 * Distillation over a whole file: the row-batch runner with `generateForRow` as the work for each
 * input row. An input row is all or nothing: when any of its samples failed, none of its rows is
 * written and the row goes to the errors file with every sample's error, to be retried by the next
 * run (its samples that did answer come back from the response cache for free).
 */
import type { ChatModel } from '../llm/chatModel';
import { generateForRow, generateSettingsProblems } from '../tasks/generate';
import type { GenerateRowResult, GenerateSettings } from '../tasks/types';
import { VerifierStartError } from '../tasks/verifier';
import { runRowBatch, type RowOutcome, type RowProcessor } from './rowBatch';
import type { BatchProgress, BatchSummary } from './types';

export interface GenerateBatchOptions {
  readonly input: string;
  /** How messages name the input file; its path by default. */
  readonly inputName?: string;
  readonly output: string;
  readonly teachers: readonly ChatModel[];
  readonly settings: GenerateSettings;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: BatchProgress) => void;
  /** Only these input lines (1-based). */
  readonly selectLines?: (line: number) => boolean;
  /** Input rows in flight at once (32 by default); each sends n × teachers calls, queued per profile. */
  readonly concurrency?: number;
  /** Applied to every error message written or returned. */
  readonly redact?: (text: string) => string;
  readonly now?: () => Date;
}

/** Settings that cannot work for any row, found before anything is sent. */
export class GenerateBatchSettingsError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`generate: ${problems.join('; ')}`);
    this.name = 'GenerateBatchSettingsError';
  }
}

export async function runGenerateBatch(options: GenerateBatchOptions): Promise<BatchSummary> {
  const { teachers, settings } = options;
  const problems = generateSettingsProblems(settings, teachers);
  if (problems.length > 0) throw new GenerateBatchSettingsError(problems);
  const process: RowProcessor = async (row, inputKey, signal) => {
    let result: GenerateRowResult;
    try {
      result = await generateForRow(row.value, inputKey, teachers, settings, { signal, ...(options.now ? { now: options.now } : {}) });
    } catch (error) {
      // A verifier that cannot start would fail every row the same way: stop the run instead.
      if (error instanceof VerifierStartError) return { rows: [], error: { message: error.message, fatal: true }, cached: 0, costUsd: 0 };
      throw error;
    }
    return outcomeOf(result);
  };
  return runRowBatch({
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
}

function outcomeOf(result: GenerateRowResult): RowOutcome {
  const cached = result.samples.filter((sample) => sample.cached).length;
  const costUsd = result.samples.reduce((sum, sample) => sum + (sample.costUsd ?? 0), 0);
  if (result.errors.length === 0) return { rows: result.rows, cached, costUsd };
  const fatal = result.errors.find((error) => error.fatal);
  // A fatal error says it all; otherwise every failed sample is named.
  const message = fatal
    ? fatal.message
    : result.errors.map((error) => `${error.teacher} sample ${error.sample}: ${error.message}`).join('; ');
  return { rows: [], error: { message, fatal: fatal !== undefined }, cached, costUsd };
}
