/**
 * Self-Instruct as a resumable run: instructions go to the output through the append-only writer
 * as they are kept; a resumed run reads the instructions already in the output into the pool (so
 * new ones are compared with them) and asks only for the ones still missing.
 */
import { JsonlAppendWriter } from '../dataset/appendWriter';
import { isJsonObject } from '../dataset/jsonValue';
import { streamJsonlRows } from '../dataset/rowStream';
import type { ChatModel, ChatResult } from '../llm/chatModel';
import { FatalModelError, ModelCancelledError } from '../llm/errors';
import {
  readSeedTasks, synthesizeInstructions, type SeedTask, type SelfInstructOptions, type SelfInstructResult,
} from '../tasks/selfInstruct';
import type { BatchProgress, BatchSummary } from './types';

/** The filters and sampling of `synthesizeInstructions`, as a run passes them on. */
export type SelfInstructFilters = Omit<SelfInstructOptions, 'seeds' | 'pool' | 'model' | 'count' | 'signal' | 'onInstruction' | 'now'>;

export interface SelfInstructBatchOptions extends SelfInstructFilters {
  /** A seed file (Self-Instruct seeds or prompt rows), or the tasks themselves. */
  readonly seeds: string | readonly SeedTask[];
  readonly output: string;
  readonly model: ChatModel;
  /** Instructions wanted in the output in all, those of earlier runs included. */
  readonly count: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: BatchProgress) => void;
  /** 100 ms by default. */
  readonly progressIntervalMs?: number;
  readonly redact?: (text: string) => string;
  readonly now?: () => Date;
}

export interface SelfInstructBatchSummary extends BatchSummary {
  /** What this run's synthesis did (undefined when the output already held `count`). */
  readonly synthesis: SelfInstructResult | undefined;
}

const PROGRESS_INTERVAL_MS = 100;

export async function runSelfInstruct(options: SelfInstructBatchOptions): Promise<SelfInstructBatchSummary> {
  const { output, count, signal } = options;
  const redact = options.redact ?? ((text: string) => text);
  const seeds = typeof options.seeds === 'string' ? await readSeedTasks(options.seeds) : options.seeds;
  const writer = await JsonlAppendWriter.open<Record<string, unknown>>(output, { signal });
  const pool = await instructionsIn(output, signal);
  const resumed = pool.length;
  let written = 0;
  let cached = 0;
  let costUsd = 0;
  let failed = 0;
  let lastProgressAt = -Infinity;
  const progress = (): BatchProgress => ({ total: count, done: Math.min(count, resumed + written), failed, cached, resumed, written, costUsd });
  const emit = (final: boolean): void => {
    const now = Date.now();
    if (!options.onProgress || (!final && now - lastProgressAt < (options.progressIntervalMs ?? PROGRESS_INTERVAL_MS))) return;
    lastProgressAt = now;
    options.onProgress(progress());
  };

  // Counts what the run costs, call by call, for the progress display.
  const model: ChatModel = {
    profile: options.model.profile,
    model: options.model.model,
    sampling: options.model.sampling,
    async complete(request, callOptions): Promise<ChatResult> {
      const result = await options.model.complete(request, callOptions);
      if (result.cached) cached++;
      costUsd += result.costUsd ?? 0;
      return result;
    },
  };

  let synthesis: SelfInstructResult | undefined;
  let stoppedBy: BatchSummary['stoppedBy'];
  let fatal: string | undefined;
  try {
    if (resumed < count) {
      const { seeds: _seeds, output: _output, count: _count, onProgress: _onProgress, progressIntervalMs: _interval, redact: _redact, model: _model, ...filters } = options;
      synthesis = await synthesizeInstructions({
        ...filters,
        seeds,
        pool,
        model,
        count: count - resumed,
        ...(signal ? { signal } : {}),
        onInstruction: async ({ row }) => {
          if (await writer.append(row)) written++;
          emit(false);
        },
      });
      failed = synthesis.failedRequests.length;
    }
  } catch (error) {
    if (error instanceof ModelCancelledError || signal?.aborted) {
      stoppedBy = 'cancelled';
    } else if (error instanceof FatalModelError) {
      stoppedBy = 'fatal';
      fatal = redact(error.message);
    } else {
      await writer.close();
      throw error;
    }
  }
  await writer.close();
  emit(true);
  return {
    ...progress(),
    output,
    errorsFile: undefined,
    ...(stoppedBy ? { stoppedBy } : {}),
    ...(fatal !== undefined ? { fatal } : {}),
    synthesis,
  };
}

/** The instructions already in an output: the first user turn of each row. */
async function instructionsIn(output: string, signal: AbortSignal | undefined): Promise<string[]> {
  const instructions: string[] = [];
  for await (const row of streamJsonlRows(output, { signal })) {
    if (row.kind !== 'object') continue;
    const messages = row.value.messages;
    if (!Array.isArray(messages)) continue;
    const first = messages.find((message) => isJsonObject(message) && message.role === 'user');
    if (isJsonObject(first) && typeof first.content === 'string') instructions.push(first.content);
  }
  return instructions;
}
