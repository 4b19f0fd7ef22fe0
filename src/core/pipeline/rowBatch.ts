/**
 * The resumable row-batch runner that generate (and later critique and judge) run on: it streams
 * the input file (never holding it), keeps a bounded number of input rows in flight, writes what
 * each produces through the append-only writer, records failed rows in `<output>.errors.jsonl`,
 * and resumes a run that was interrupted, killed or crashed without repeating or losing a row.
 *
 * Keys. Each input row is keyed by a hash of its value plus its occurrence among identical rows
 * (see inputKeys.ts). Every output row carries `distillery.source.input` (that key) and
 * `distillery.source.outputs` (how many rows its input row produced), and its own unique
 * `distillery.source.key` (the writer's key).
 *
 * Resume. Opening the output reads it once: an input row is done when all `outputs` of its rows
 * are there. A row cut short by a kill between two of its lines is not done: it is processed again,
 * and the writer skips the lines already written (same keys; with the response cache the answers
 * are the same too). A row whose processing produced no row at all (every sample filtered out)
 * leaves nothing in the output, so it is processed again on the next run; the writer's keys make
 * that harmless, and the response cache makes it free.
 *
 * Failures. A row whose processing reports an error writes none of its rows (all or nothing, so
 * that a retry cannot duplicate); the error goes to the errors file and the row is retried by the
 * next run. A malformed input line is a failed row too, with its line and column. A fatal error
 * (a refused key, no quota) stops the run at once: nothing more is started, rows in flight are
 * abandoned unwritten. Cancellation does the same within a second.
 *
 * Order. Rows are written in the order they finish, not the input order.
 */
import { open, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { JsonlAppendWriter, defaultRowKey } from '../dataset/appendWriter';
import { isJsonObject, type JsonObject } from '../dataset/jsonValue';
import { DISTILLERY_KEY } from '../dataset/rowEdit';
import type { JsonlRow } from '../dataset/rowParser';
import { streamJsonlRows } from '../dataset/rowStream';
import { holdsJsonArray } from '../curation/curationFormat';
import { InputError } from '../errors/located';
import { FatalModelError, ModelCancelledError } from '../llm/errors';
import { MAX_TEXT_CHARS, errorsFileFor, readFailedRows, writeFailedRows, type FailedRow } from './errorsFile';
import { InputRowKeys, malformedLineKey } from './inputKeys';
import { countRowLines } from './rowCount';
import type { BatchProgress, BatchSummary } from './types';

/** One input row as the processor gets it. */
export interface BatchInputRow {
  readonly value: JsonObject;
  /** 1-based line in the input file. */
  readonly line: number;
}

/** What processing one input row gave. */
export interface RowOutcome {
  /** Rows to write; each gets `distillery.source.input` and `.outputs`, and a `source.key` if it has none. */
  readonly rows: readonly Record<string, unknown>[];
  /** The row failed: nothing of it is written. `fatal` stops the whole run. */
  readonly error?: { readonly message: string; readonly fatal: boolean };
  /** Model calls answered from the cache. */
  readonly cached: number;
  readonly costUsd: number;
}

/**
 * Processes one input row. It may also throw: a FatalModelError stops the run, a cancellation
 * while the run stops is ignored, anything else fails that row with the error's message.
 */
export type RowProcessor = (row: BatchInputRow, inputKey: string, signal: AbortSignal) => Promise<RowOutcome>;

export interface RowBatchOptions {
  readonly input: string;
  readonly output: string;
  readonly process: RowProcessor;
  /** Only these input lines (1-based) are run; the others are left alone. */
  readonly selectLines?: (line: number) => boolean;
  /** Input rows in flight at once; 32 by default. The model engine queues their calls per profile. */
  readonly concurrency?: number;
  readonly signal?: AbortSignal;
  /** Called at most every `progressIntervalMs` while the run goes, and once at its end. */
  readonly onProgress?: (progress: BatchProgress) => void;
  /** 100 ms by default. */
  readonly progressIntervalMs?: number;
  /** Applied to every error message written or returned (e.g. to remove secrets the caller knows). */
  readonly redact?: (text: string) => string;
  /** How messages name the input file (a malformed line's `FILE:LINE:COLUMN`); its path by default. */
  readonly inputName?: string;
  /** fsync each batch of output lines (default true). */
  readonly fsync?: boolean;
}

export const DEFAULT_BATCH_CONCURRENCY = 32;
/** How long a stopping run waits for rows in flight to notice before it closes the output. */
const STOP_GRACE_MS = 1000;

/** Runs `process` over every selected input row not already done in `output`. */
export async function runRowBatch(options: RowBatchOptions): Promise<BatchSummary> {
  const run = await BatchRun.start(options);
  return run.execute();
}

interface CompletionState {
  /** Rows of this input key found in the output. */
  found: number;
  /** How many rows the input row produced, as its rows say (1 when they do not say). */
  expected: number;
}

class BatchRun {
  private readonly stop = new AbortController();
  /** Resolves when the run is halted, so that waits for a free slot end at once. */
  private readonly stopped = new Promise<void>((resolve) => this.stop.signal.addEventListener('abort', () => resolve(), { once: true }));
  private readonly keys = new InputRowKeys();
  private readonly failures = new Map<string, FailedRow>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly concurrency: number;
  private readonly redact: (text: string) => string;
  private stoppedBy: 'cancelled' | 'fatal' | undefined;
  private fatal: string | undefined;
  private writeFailure: unknown;
  private total: number | undefined;
  private done = 0;
  private failed = 0;
  private cached = 0;
  private resumed = 0;
  private written = 0;
  private costUsd = 0;
  private lastProgressAt = -Infinity;

  private constructor(
    private readonly options: RowBatchOptions,
    private readonly writer: JsonlAppendWriter<Record<string, unknown>>,
    private readonly completion: Map<string, CompletionState>,
    /** Failures recorded by earlier runs; each is dropped once this run settles its row. */
    private readonly earlierFailures: Map<string, FailedRow>,
    private readonly errorsFile: string,
  ) {
    this.concurrency = options.concurrency ?? DEFAULT_BATCH_CONCURRENCY;
    this.redact = options.redact ?? ((text) => text);
  }

  static async start(options: RowBatchOptions): Promise<BatchRun> {
    const { input, output, signal } = options;
    const concurrency = options.concurrency ?? DEFAULT_BATCH_CONCURRENCY;
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a positive integer, not ${concurrency}`);
    if (path.resolve(input) === path.resolve(output)) throw new InputError(`the output must be another file than the input (${input})`);
    try {
      const info = await stat(input);
      if (!info.isFile()) throw new InputError(`${input}: not a file`);
      // Read line by line, a JSON array would fail on every line with a puzzling reason.
      if (await holdsJsonArray(input)) {
        throw new InputError(`${input}: a JSON array file; this reads JSONL (one row per line): convert it first (distillery convert ${path.basename(input)} -o ${path.basename(input).replace(/\.json$/i, '')}.jsonl)`);
      }
    } catch (error) {
      if (error instanceof InputError) throw error;
      throw new InputError(`${input}: cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
    const completion = new Map<string, CompletionState>();
    let opening = true;
    // The writer reads every existing row once, to load its keys; the same pass notes which input
    // rows are complete, so a large output is read only once.
    const writer = await JsonlAppendWriter.open<Record<string, unknown>>(output, {
      signal,
      fsync: options.fsync,
      rowKey: (row) => {
        if (opening) noteExistingRow(row, completion);
        return defaultRowKey(row);
      },
    });
    opening = false;
    const errorsFile = errorsFileFor(output);
    let earlierFailures: Map<string, FailedRow>;
    try {
      earlierFailures = await readFailedRows(errorsFile, signal);
    } catch (error) {
      await writer.close();
      throw error;
    }
    return new BatchRun(options, writer, completion, earlierFailures, errorsFile);
  }

  async execute(): Promise<BatchSummary> {
    const { signal } = this.options;
    const onAbort = (): void => this.halt('cancelled');
    if (signal?.aborted) this.halt('cancelled');
    else signal?.addEventListener('abort', onAbort, { once: true });
    // The total is counted alongside, so the first rows start at once.
    const counting = new AbortController();
    countRowLines(this.options.input, this.options.selectLines, counting.signal).then(
      (total) => {
        this.total = total;
      },
      () => undefined,
    );
    let readFailure: unknown;
    try {
      await this.readInput();
    } catch (error) {
      // The input could not be read on (an I/O error): stop the rows in flight, keep what is done.
      readFailure = error;
      if (!this.stop.signal.aborted) this.stop.abort(error);
    }
    try {
      await this.settleInFlight();
    } finally {
      counting.abort();
      signal?.removeEventListener('abort', onAbort);
      await this.writer.close().catch((error: unknown) => {
        this.writeFailure ??= error;
      });
    }
    const failures = new Map([...this.earlierFailures, ...this.failures]);
    const errorsFile = await writeFailedRows(this.errorsFile, failures.values());
    if (readFailure !== undefined) throw readFailure;
    if (this.writeFailure !== undefined) throw this.writeFailure;
    this.emitProgress(true);
    return {
      ...this.progress(),
      output: this.options.output,
      errorsFile,
      ...(this.stoppedBy ? { stoppedBy: this.stoppedBy } : {}),
      ...(this.fatal !== undefined ? { fatal: this.fatal } : {}),
    };
  }

  private async readInput(): Promise<void> {
    const { input, selectLines } = this.options;
    try {
      for await (const row of streamJsonlRows(input, { signal: this.stop.signal })) {
        if (row.kind === 'blank') continue;
        // Keys are counted over every row, selected or not, so a row's key never depends on the selection.
        const key = row.kind === 'object' ? this.keys.next(row.value) : malformedLineKey(row.line);
        if (selectLines && !selectLines(row.line)) continue;
        // A line that was malformed in an earlier run is settled here, fixed or failed again.
        this.earlierFailures.delete(malformedLineKey(row.line));
        if (row.kind === 'invalid') {
          await this.recordMalformed(row);
          continue;
        }
        if (this.isComplete(key)) {
          this.earlierFailures.delete(key);
          this.resumed++;
          this.done++;
          this.emitProgress(false);
          continue;
        }
        while (this.inFlight.size >= this.concurrency && !this.stop.signal.aborted) await Promise.race([...this.inFlight, this.stopped]);
        if (this.stop.signal.aborted) break;
        const task = this.runRow({ value: row.value, line: row.line }, key).finally(() => this.inFlight.delete(task));
        this.inFlight.add(task);
      }
    } catch (error) {
      // The stream stops by throwing the abort reason once the run is halted.
      if (!this.stop.signal.aborted) throw error;
    }
  }

  private async runRow(row: BatchInputRow, key: string): Promise<void> {
    let outcome: RowOutcome;
    try {
      outcome = await this.options.process(row, key, this.stop.signal);
    } catch (error) {
      if (this.stop.signal.aborted) return;
      if (error instanceof ModelCancelledError) {
        // Cancelled by something other than this run: the row is not done; a later run retries it.
        return;
      }
      const message = this.redact(errorMessage(error));
      this.fail(row, key, message, error instanceof FatalModelError);
      if (error instanceof FatalModelError) this.halt('fatal', message);
      return;
    }
    // Stopped while this row was in flight: it is abandoned, not written (the next run redoes it).
    if (this.stop.signal.aborted) return;
    this.cached += outcome.cached;
    this.costUsd += outcome.costUsd;
    if (outcome.error) {
      const message = this.redact(outcome.error.message);
      this.fail(row, key, message, outcome.error.fatal);
      if (outcome.error.fatal) this.halt('fatal', message);
      return;
    }
    try {
      const rows = outcome.rows.map((output, index) => withSource(output, key, index, outcome.rows.length));
      const appended = await Promise.all(rows.map((output) => this.writer.append(output)));
      this.written += appended.filter(Boolean).length;
    } catch (error) {
      // The output cannot be written (disk full, say): the run cannot go on.
      this.writeFailure ??= error;
      this.halt('fatal', this.redact(`cannot write ${this.options.output}: ${errorMessage(error)}`));
      return;
    }
    this.earlierFailures.delete(key);
    this.done++;
    this.emitProgress(false);
  }

  private async recordMalformed(row: Extract<JsonlRow, { kind: 'invalid' }>): Promise<void> {
    const { problem } = row;
    const text = await readLineText(this.options.input, row.start, row.end);
    this.failures.set(malformedLineKey(row.line), {
      line: row.line,
      column: problem.column,
      key: malformedLineKey(row.line),
      error: `${this.options.inputName ?? this.options.input}:${problem.line}:${problem.column}: ${problem.message}`,
      text,
    });
    this.failed++;
    this.emitProgress(false);
  }

  private fail(row: BatchInputRow, key: string, message: string, fatal: boolean): void {
    this.failures.set(key, { line: row.line, key, error: message, ...(fatal ? { fatal } : {}), row: row.value });
    this.failed++;
    this.emitProgress(false);
  }

  private isComplete(key: string): boolean {
    const state = this.completion.get(key);
    return state !== undefined && state.found >= state.expected;
  }

  private halt(reason: 'cancelled' | 'fatal', message?: string): void {
    if (this.stop.signal.aborted) return;
    this.stoppedBy = reason;
    if (message !== undefined) this.fatal = message;
    this.stop.abort(new DOMException(`the batch run was ${reason === 'fatal' ? 'stopped by a fatal error' : 'cancelled'}`, 'AbortError'));
  }

  /** Waits for the rows in flight; when the run is stopping, for at most {@link STOP_GRACE_MS}. */
  private async settleInFlight(): Promise<void> {
    if (!this.stop.signal.aborted) {
      while (this.inFlight.size > 0 && !this.stop.signal.aborted) await Promise.race([...this.inFlight, this.stopped]);
      if (!this.stop.signal.aborted) return;
    }
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, STOP_GRACE_MS);
    });
    try {
      await Promise.race([Promise.all(this.inFlight), grace]);
    } finally {
      clearTimeout(timer);
    }
  }

  private progress(): BatchProgress {
    return {
      total: this.total,
      done: this.done,
      failed: this.failed,
      cached: this.cached,
      resumed: this.resumed,
      written: this.written,
      costUsd: this.costUsd,
    };
  }

  private emitProgress(final: boolean): void {
    const { onProgress } = this.options;
    if (!onProgress) return;
    const now = Date.now();
    if (!final && now - this.lastProgressAt < (this.options.progressIntervalMs ?? 100)) return;
    this.lastProgressAt = now;
    onProgress(this.progress());
  }
}

/** Notes a row found in the output on resume: which input row it came from, and of how many. */
function noteExistingRow(row: unknown, completion: Map<string, CompletionState>): void {
  const source = sourceOf(row);
  const input = source?.input;
  if (typeof input !== 'string') return;
  const outputs = source?.outputs;
  const expected = typeof outputs === 'number' && Number.isInteger(outputs) && outputs > 0 ? outputs : 1;
  const state = completion.get(input);
  if (state) {
    state.found++;
    state.expected = Math.max(state.expected, expected);
  } else {
    completion.set(input, { found: 1, expected });
  }
}

/** `row.distillery.source`, as this runner writes it; undefined for a row it did not write. */
export function sourceOf(row: unknown): Record<string, unknown> | undefined {
  if (!isJsonObject(row)) return undefined;
  const metadata = row[DISTILLERY_KEY];
  const source = isJsonObject(metadata) ? metadata.source : undefined;
  return isJsonObject(source) ? source : undefined;
}

/** The row with `distillery.source` completed: `input`, `outputs`, and a `key` when it had none. */
function withSource(row: Record<string, unknown>, inputKey: string, index: number, outputs: number): Record<string, unknown> {
  const metadata = isJsonObject(row[DISTILLERY_KEY]) ? (row[DISTILLERY_KEY] as Record<string, unknown>) : {};
  const source = isJsonObject(metadata.source) ? (metadata.source as Record<string, unknown>) : {};
  const key = typeof source.key === 'string' ? source.key : `${inputKey}#${index}`;
  return { ...row, [DISTILLERY_KEY]: { ...metadata, source: { ...source, key, input: inputKey, outputs } } };
}

async function readLineText(file: string, start: number, end: number): Promise<string> {
  const length = Math.min(end - start, MAX_TEXT_CHARS * 4);
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, start);
    const text = buffer.toString('utf8', 0, bytesRead);
    return text.length > MAX_TEXT_CHARS ? text.slice(0, MAX_TEXT_CHARS) : text;
  } finally {
    await handle.close();
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
