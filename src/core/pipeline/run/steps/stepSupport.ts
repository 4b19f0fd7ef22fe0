/** What the curation step executors share: progress every ~100 ms, cancellation, file names. */
import type { PassObserver } from '../../../curation/passObserver';
import { InputError } from '../../../errors/located';
import type { PipelineStep } from '../pipelineTypes';
import type { StepContext, StepResult } from '../runnerTypes';

const PROGRESS_INTERVAL_MS = 100;

/**
 * Progress of a step that reads its input in `passes` passes. `done` counts input rows: a row is
 * done once every pass has seen it, so `done` grows by 1/passes per row and pass and ends at the
 * row count. The total is known once the first pass has counted the rows.
 */
export class PassProgress implements PassObserver {
  private pass = 0;
  private total: number | undefined;
  private last = 0;

  private passes = 1;

  constructor(private readonly context: Pick<StepContext, 'onProgress'>) {}

  passStarted(pass: number, passes: number, rows: number | undefined): void {
    this.pass = pass - 1;
    this.passes = passes;
    if (rows !== undefined) this.total = rows;
  }

  /** `rowsThisPass` rows of the current pass are handled; reports at most every ~100 ms. */
  rowsDone(rowsThisPass: number): void {
    const now = Date.now();
    if (now - this.last < PROGRESS_INTERVAL_MS) return;
    this.last = now;
    this.report(rowsThisPass);
  }

  /** The final report, at once. */
  done(rows: number): void {
    this.total = rows;
    this.pass = this.passes;
    this.report(0);
  }

  private report(rowsThisPass: number): void {
    const done = Math.min(this.total ?? Infinity, Math.round((this.pass * (this.total ?? 0) + rowsThisPass) / this.passes));
    this.context.onProgress({ done, total: this.total, failed: 0, cached: 0, costUsd: 0 });
  }
}

/** The input the step reads; a curation step with none is a mistake in the pipeline, named at the step. */
export function requireInput(step: PipelineStep, context: StepContext): { path: string; shown: string } {
  if (context.input === undefined) throw new InputError(`step "${step.id}" (${step.type}) needs input rows`, step.location);
  return { path: context.input, shown: context.inputName ?? context.input };
}

/** A file beside the step's output: `<NN>-<id>.jsonl` → `<NN>-<id><suffix>`. */
export function besideOutput(output: string, suffix: string): string {
  return output.replace(/\.jsonl$/i, '') + suffix;
}


/** A result with the parts every curation step leaves at zero. */
export function curationResult(rowsIn: number, rowsOut: number, extra: Pick<StepResult, 'details' | 'files'> = {}): StepResult {
  return { rowsIn, rowsOut, failed: 0, cached: 0, costUsd: 0, ...extra };
}

/**
 * Runs a curation step's body. A cancelled step ends with `stoppedBy: 'cancelled'` (the body's
 * writers have already removed their temporary files, so no output is left); other errors propagate.
 */
export async function runCuration(context: StepContext, body: () => Promise<StepResult>): Promise<StepResult> {
  try {
    context.signal.throwIfAborted();
    return await body();
  } catch (error) {
    // Whatever the body threw once the signal fired (its AbortError, a closed file), the step was cancelled.
    if (context.signal.aborted) return { rowsIn: undefined, rowsOut: 0, failed: 0, cached: 0, costUsd: 0, stoppedBy: 'cancelled' };
    throw error;
  }
}
