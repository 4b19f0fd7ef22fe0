/**
 * The runner's contract with its callers (the CLI's `distillery run`, the editor's Run Pipeline,
 * `distillery batch export`) and with the step executors (steps/*.ts).
 */
import type { ChatModel } from '../../llm/chatModel';
import type { UsageLedger } from '../../llm/accounting';
import type { PipelineDefinition, PipelineStep, StepType } from './pipelineTypes';

/** The models a pipeline's steps may call, by profile name and by role. */
export interface PipelineModels {
  model(profile: string): ChatModel;
  readonly teachers: readonly ChatModel[];
  readonly critic: ChatModel | undefined;
  readonly judges: readonly ChatModel[];
  readonly ledger: UsageLedger;
}

/** What one step reports while it runs. */
export interface StepProgress {
  /** Units done (input rows; instructions for self-instruct), earlier runs' included. */
  readonly done: number;
  readonly total: number | undefined;
  readonly failed: number;
  readonly cached: number;
  readonly costUsd: number;
}

/** What one step did. */
export interface StepResult {
  /** Rows read (undefined for a step that reads nothing, such as self-instruct). */
  readonly rowsIn: number | undefined;
  /** Rows in the step's output file when it ended. */
  readonly rowsOut: number;
  /** Input rows that failed (model steps); each is in `errorsFile`. */
  readonly failed: number;
  readonly errorsFile?: string;
  /** Model calls answered from the cache. */
  readonly cached: number;
  readonly costUsd: number;
  /** Set when the step ended early. */
  readonly stoppedBy?: 'cancelled' | 'fatal';
  /** The fatal error's message (free of secrets). */
  readonly fatal?: string;
  /** Other files the step wrote, by what they are (e.g. `{ "report": "/…/05-dedup.report.json" }`). */
  readonly files?: Readonly<Record<string, string>>;
  /** Counts worth a column in the summary (e.g. `{ duplicates: 12 }`). */
  readonly details?: Readonly<Record<string, number | string>>;
}

export interface StepContext {
  readonly pipeline: PipelineDefinition;
  /** The file the step reads (absolute); undefined for a step that reads none (self-instruct). */
  readonly input: string | undefined;
  /** How messages name the input file (relative to the pipeline's folder). */
  readonly inputName: string | undefined;
  /** The file the step writes (absolute): `<outputDir>/<NN>-<id>.jsonl`. */
  readonly output: string;
  readonly models: PipelineModels;
  readonly signal: AbortSignal;
  onProgress(progress: StepProgress): void;
  /** Applied to every message a step writes or returns. */
  redact(text: string): string;
  /** Warnings for the user (stderr on the CLI, the log in the editor). */
  log(message: string): void;
  readonly now?: () => Date;
}

/** Runs one step of a type. Bad options found only now throw an InputError at `step.location`. */
export type StepExecutor<S extends PipelineStep = PipelineStep> = (step: S, context: StepContext) => Promise<StepResult>;

export type StepStatus = 'pending' | 'running' | 'done' | 'partial' | 'failed' | 'cancelled' | 'skipped';

/** What the runner tells its caller as it goes. */
export type PipelineEvent =
  | { readonly kind: 'step-start'; readonly step: PipelineStep; readonly output: string; readonly resumed: boolean }
  | { readonly kind: 'step-progress'; readonly step: PipelineStep; readonly progress: StepProgress }
  | { readonly kind: 'step-end'; readonly step: PipelineStep; readonly status: StepStatus; readonly result: StepResult }
  /** A step already done (same input, same options) and not run again. */
  | { readonly kind: 'step-skipped'; readonly step: PipelineStep; readonly result: StepResult };

export interface RunPipelineOptions {
  readonly pipeline: PipelineDefinition;
  readonly models: PipelineModels;
  readonly signal?: AbortSignal;
  onEvent?(event: PipelineEvent): void;
  redact?(text: string): string;
  log?(message: string): void;
  /** Only up to (and including) this step id. */
  readonly until?: string;
  readonly now?: () => Date;
}

/** How a run ended; the CLI's exit code follows it. */
export type PipelineOutcome = 'success' | 'partial' | 'stopped' | 'cancelled';

export interface PipelineSummary {
  readonly outcome: PipelineOutcome;
  readonly steps: ReadonlyArray<{ readonly id: string; readonly type: StepType; readonly status: StepStatus; readonly output: string; readonly result?: StepResult }>;
  readonly costUsd: number;
  /** `<outputDir>/manifest.json`. */
  readonly manifest: string;
}
