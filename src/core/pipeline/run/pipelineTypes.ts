/**
 * Pipelines: what a `*.distillery.jsonc` file says once it has been read and checked
 * (pipelineFile.ts), and what the runner (runPipeline.ts) and its step executors share.
 *
 *     {
 *       "name": "demo",
 *       "input": "datasets/prompts.jsonl",          // relative to the pipeline file
 *       "outputDir": "out/demo",                     // default: "<file name>.out" beside the file
 *       "models": { "profiles": { … }, "roles": { … }, "default": "…" },   // or "models": "profiles.jsonc"
 *       "steps": [
 *         { "id": "prompts", "type": "self-instruct", "seeds": "seeds.jsonl", "count": 40 },
 *         { "type": "generate", "n": 1 },
 *         { "type": "critique-revise", "constitution": "harmlessness.constitution.md", "pairs": true },
 *         { "type": "judge", "samples": 1 },
 *         { "type": "dedup", "field": "prompt" },
 *         { "type": "report" }
 *       ]
 *     }
 *
 * Each step reads the previous step's output (the pipeline's "input" for the first) unless it
 * names another with "input": an earlier step's id, or a file. Paths in the file are relative to
 * the file; the parsed definition holds absolute paths. In the "models" section, string values
 * may use `${VAR}` and `${VAR:-fallback}` to take environment variables (never keys: profiles
 * name the variable that holds a key with "apiKeyEnv").
 */
import type { SourceLocation } from '../../errors/located';
import type { ProfilesConfig } from '../../llm/profilesFile';
import type { BalanceSettings } from '../../curation/balance';
import type { FilterSettings } from '../../curation/filters';
import type { CurationField } from '../../curation/curationText';

export const STEP_TYPES = [
  'self-instruct', 'generate', 'critique-revise', 'judge', 'score',
  'dedup', 'decontaminate', 'filter', 'balance', 'convert', 'export', 'report',
] as const;
export type StepType = (typeof STEP_TYPES)[number];

/** Steps that call models (their rows are resumable, their calls cached, exportable to a batch API). */
export const MODEL_STEP_TYPES: ReadonlySet<StepType> = new Set(['self-instruct', 'generate', 'critique-revise', 'judge', 'score']);

interface StepBase {
  /** Unique in the pipeline; defaults to `<type>` or `<type>-<n>` when a type repeats. */
  readonly id: string;
  /** 1-based position in "steps". */
  readonly index: number;
  /**
   * Where the step reads: the previous step's output (undefined here), an earlier step's id
   * (`{ step }`), or a file (`{ file }`, absolute).
   */
  readonly input?: { readonly step: string } | { readonly file: string };
  /** Where the step's object starts in the file, for errors found when it runs. */
  readonly location: SourceLocation;
}

/** Sampling options a model step may set (else the profile's). */
export interface StepSampling {
  readonly temperature?: number;
  readonly maxTokens?: number;
  readonly seed?: number;
}

export interface SelfInstructStep extends StepBase, StepSampling {
  readonly type: 'self-instruct';
  /** Seed tasks file (absolute): Self-Instruct seeds or prompt rows. */
  readonly seeds: string;
  /** Instructions wanted in all. */
  readonly count: number;
  /** Profile that writes the instructions; the first teacher by default. */
  readonly model?: string;
  /** Reject instructions whose ROUGE-L against the pool exceeds this; 0.7 by default. */
  readonly rougeThreshold?: number;
}

export interface GenerateStep extends StepBase, StepSampling {
  readonly type: 'generate';
  /** Profiles; the "teacher" role by default. */
  readonly teachers?: readonly string[];
  /** Samples per teacher per prompt; 1 by default. */
  readonly n?: number;
  readonly systemPrompt?: string;
  /** One row per prompt listing every kept sample (to judge later) rather than one row per sample. */
  readonly candidates?: boolean;
  readonly filters?: {
    readonly minChars?: number;
    readonly maxChars?: number;
    readonly keepRefusals?: boolean;
    readonly dedupe?: 'off' | 'exact' | 'near';
    /** A program and its arguments; it gets {"prompt","answer","messages"} on stdin, exit 0 keeps the sample. */
    readonly verifier?: readonly string[];
  };
}

export interface CritiqueReviseStep extends StepBase, StepSampling {
  readonly type: 'critique-revise';
  /** Constitution file (absolute). */
  readonly constitution: string;
  /** Profile; the "critic" role by default. */
  readonly critic?: string;
  /** 1 by default. */
  readonly rounds?: number;
  readonly tags?: readonly string[];
  readonly principles?: readonly string[];
  /** Write preference pairs (revision chosen, original rejected) instead of revised rows. */
  readonly pairs?: boolean;
}

export interface JudgeStep extends StepBase, StepSampling {
  readonly type: 'judge';
  /** Profiles; the "judge" role by default. */
  readonly judges?: readonly string[];
  /** Judge against principles drawn from this constitution's Compare questions (absolute path)… */
  readonly constitution?: string;
  /** …or against this rubric of it. */
  readonly rubric?: string;
  /** Principles per row with a constitution; 1 by default. */
  readonly principles?: number;
  /** k samples per order; 1 by default. */
  readonly samples?: number;
  /** true by default. */
  readonly bothOrders?: boolean;
  /** true by default. */
  readonly logprobs?: boolean;
  /** Write preference rows from each row's ranking (chosen, rejected, margin) instead of the judged rows. */
  readonly preferences?: 'best-vs-rest' | 'best-vs-worst' | 'all-pairs';
  /** With preferences: only pairs whose margin (log-odds) is above this. */
  readonly minMargin?: number;
}

export interface ScoreStep extends StepBase, StepSampling {
  readonly type: 'score';
  /** Constitution with Prometheus-style rubrics (absolute path). */
  readonly constitution: string;
  /** Rubric ids; all of the constitution's by default. */
  readonly rubrics?: readonly string[];
  readonly weights?: Readonly<Record<string, number>>;
  /** Profile; the first "judge" by default. */
  readonly judge?: string;
  /** Keep only rows whose reward is at least this (all rows, scored, by default). */
  readonly threshold?: number;
}

export interface DedupStep extends StepBase {
  readonly type: 'dedup';
  /** 'prompt' by default. */
  readonly field?: CurationField;
  /** 0.8 by default. */
  readonly threshold?: number;
  readonly exactOnly?: boolean;
}

export interface DecontaminateStep extends StepBase {
  readonly type: 'decontaminate';
  /** Benchmark files (absolute), JSONL or JSON. */
  readonly against: readonly string[];
  /** n-gram length in words; 13 by default. */
  readonly ngram?: number;
}

export interface FilterStep extends StepBase, FilterSettings {
  readonly type: 'filter';
}

export interface BalanceStep extends StepBase {
  readonly type: 'balance';
  /** 'teacher', 'kind', 'tag', 'provenance', or a top-level field. */
  readonly by: string;
  readonly settings: BalanceSettings;
}

export interface ConvertStep extends StepBase {
  readonly type: 'convert';
  readonly to: 'messages' | 'sharegpt';
}

export interface ExportStep extends StepBase {
  readonly type: 'export';
  /** Where the training file goes (absolute); `.json` writes a JSON array, anything else JSONL. */
  readonly to: string;
  /** Drop each row's "distillery" key (true by default): training tools see the plain row. */
  readonly stripMetadata?: boolean;
}

export interface ReportStep extends StepBase {
  readonly type: 'report';
  /** Compare diversity with this dataset: an earlier step's id or a file; the pipeline's input by default when there is one. */
  readonly against?: { readonly step: string } | { readonly file: string };
  /** Warn when one teacher's share passes this (0–1). */
  readonly maxTeacherShare?: number;
  /** Warn when the synthetic share passes this (0–1). */
  readonly maxSyntheticShare?: number;
}

export type PipelineStep =
  | SelfInstructStep | GenerateStep | CritiqueReviseStep | JudgeStep | ScoreStep
  | DedupStep | DecontaminateStep | FilterStep | BalanceStep | ConvertStep | ExportStep | ReportStep;

export interface PipelineDefinition {
  /** The pipeline file (absolute). */
  readonly file: string;
  /** "name", or the file's name without `.distillery.jsonc`. */
  readonly name: string;
  /** The dataset the first step reads (absolute); absent when the first step makes rows (self-instruct). */
  readonly input?: string;
  /** Where step outputs and the manifest go (absolute). */
  readonly outputDir: string;
  /** The "models" section (inline or from the file it names, `${VAR}` resolved); absent: the environment's endpoint. */
  readonly models?: ProfilesConfig;
  /** The file "models" named, when it named one (absolute). */
  readonly modelsFile?: string;
  /** Input rows in flight at once in model steps; 32 by default. */
  readonly concurrency?: number;
  /** false turns the response cache off for this pipeline. */
  readonly cache?: boolean;
  readonly steps: readonly PipelineStep[];
  /** SHA-256 of the file's text, recorded in the manifest. */
  readonly sha256: string;
}
