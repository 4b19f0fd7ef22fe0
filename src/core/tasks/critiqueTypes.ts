/**
 * The critique–revise task's contract (Constitutional AI, phase 1), shared by the batch runner,
 * the CLI and the editor. `critiqueRevise` (critiqueRevise.ts) implements it.
 */
import type { CacheMode } from '../llm/chatModel';
import type { Turn } from '../dataset/conversation';

/** A worked example shown to the critic before the real answer (from a few-shot file). */
export interface CritiqueExample {
  readonly prompt: string;
  readonly answer: string;
  readonly critique: string;
  readonly revision: string;
}

export interface CritiqueSettings {
  /** Rounds, each with its own sampled principle (1 or more). */
  readonly rounds: number;
  /** Seed of the principle draw; the same seed draws the same principles. */
  readonly seed: number;
  /** Only principles with one of these tags (all when empty or absent). */
  readonly tags?: readonly string[];
  /** Only these principle ids, in this order (the "try this principle" case); overrides sampling. */
  readonly principleIds?: readonly string[];
  readonly fewShot?: readonly CritiqueExample[];
  /** Stop when a critique says nothing needs fixing (asked for in structured output); true by default. */
  readonly stopWhenNothingToFix?: boolean;
  readonly temperature?: number;
  readonly max_tokens?: number;
  readonly cache?: CacheMode;
}

/** What is critiqued: the answer to `prompt`, or only the part of it between `span.start` and `span.end` (UTF-16 offsets into `answer`). */
export interface CritiqueInput {
  readonly prompt: readonly Turn[];
  readonly answer: string;
  readonly span?: { readonly start: number; readonly end: number };
}

export interface CritiqueRound {
  readonly principle: { readonly id: string; readonly critique: string; readonly revision: string };
  /** The critic's critique text. */
  readonly critique: string;
  /** The critic's own structured judgement: false means nothing to fix (the chain stops there when so set). */
  readonly needsRevision: boolean;
  /** The answer after this round (the whole answer, the span already put back); undefined when the round stopped at its critique. */
  readonly revision: string | undefined;
  readonly profile: string;
  readonly model: string;
  readonly costUsd: number | undefined;
  readonly cached: boolean;
}

export interface CritiqueChain {
  readonly original: string;
  /** The last revision, or the original when no round revised it. */
  readonly final: string;
  readonly rounds: readonly CritiqueRound[];
  readonly stoppedEarly: boolean;
  readonly seed: number;
  readonly constitution: { readonly title: string | undefined; readonly path: string | undefined; readonly sha256: string };
  readonly time: string;
}
