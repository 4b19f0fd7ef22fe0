/**
 * The distillation task's contract, shared by the batch runner, the CLI and the editor.
 * `generateForRow` (generate.ts) implements it.
 */
import type { CacheMode } from '../llm/chatModel';

export interface SampleFilterSettings {
  /** Samples shorter than this many characters (trimmed) are dropped. */
  readonly minChars?: number;
  readonly maxChars?: number;
  /** Drop samples that refuse ("I can't help with that…"); on by default. */
  readonly rejectRefusals?: boolean;
  /** Drop repeated samples of one prompt: 'exact' (after whitespace and case folding) or 'near' (also near-duplicates); 'near' by default. */
  readonly dedupe?: 'off' | 'exact' | 'near';
  /** Jaccard similarity of word shingles at or above which two samples are near-duplicates; 0.8 by default. */
  readonly nearThreshold?: number;
  /** A program that gets `{"prompt": …, "answer": …}` as JSON on stdin and exits 0 to accept the sample. */
  readonly verifier?: { readonly command: string; readonly args?: readonly string[]; readonly timeoutMs?: number; readonly cwd?: string };
}

export interface GenerateSettings {
  /** Samples per teacher per prompt (1 or more). */
  readonly n: number;
  /** A system prompt template; `{{field}}` takes a top-level string field of the input row. Replaces the row's own system turn when given. */
  readonly systemPrompt?: string;
  readonly temperature?: number;
  readonly top_p?: number;
  readonly max_tokens?: number;
  readonly seed?: number;
  /** 'sft': one row per kept sample, in the input row's own format where it has a place for an answer. 'candidates': one row per prompt listing every kept sample, for judging later. */
  readonly output: 'sft' | 'candidates';
  readonly filters?: SampleFilterSettings;
  readonly cache?: CacheMode;
}

export type SampleRejection = 'length' | 'refusal' | 'duplicate' | 'verifier';

export interface GeneratedSample {
  readonly teacher: string;
  readonly model: string;
  readonly sample: number;
  readonly text: string;
  readonly kept: boolean;
  readonly rejectedBy?: SampleRejection;
  /** Why it was rejected, for people. */
  readonly reason?: string;
  readonly cached: boolean;
  readonly costUsd: number | undefined;
  readonly promptTokens: number | undefined;
  readonly completionTokens: number | undefined;
  readonly finishReason: string;
}

export interface SampleError {
  readonly teacher: string;
  readonly sample: number;
  /** Already free of secrets. */
  readonly message: string;
  /** The whole run should stop (a refused key, no quota left). */
  readonly fatal: boolean;
}

export interface GenerateRowResult {
  /**
   * New rows, each with provenance under its `distillery` key:
   * `{ provenance: "synthetic", teacher: { profile, model }, generation: { sample, settings, time, costUsd, usage, cached, finishReason }, source: { key, input } }`,
   * where `source.key` is unique per output row (the append-only writer's key) and `source.input` is the input row's key.
   */
  readonly rows: readonly Record<string, unknown>[];
  readonly samples: readonly GeneratedSample[];
  readonly errors: readonly SampleError[];
}
