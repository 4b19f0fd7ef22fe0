/**
 * The judging task's contract (AI feedback: pairwise verdicts with their biases controlled,
 * n-way tournaments, rubric scores). `judgePair` (judgePair.ts) and `scoreAnswer` (rubricScore.ts)
 * implement it; the batch runner, the CLI, the report and the editor read it.
 */
import type { CacheMode } from '../llm/chatModel';

/** A verdict in the row's own labels: A is the first answer given (`chosen` for a preference row), B the second. */
export type Verdict = 'A' | 'B' | 'tie';

/** What the judge compares against. */
export type JudgeCriteria =
  | { readonly kind: 'principles'; readonly ids: readonly string[]; readonly questions: readonly string[] }
  | { readonly kind: 'rubric'; readonly id: string; readonly criterion: string }
  | { readonly kind: 'default' };

export interface JudgeSettings {
  /** Samples per order and judge (k); a majority vote decides. 1 by default. */
  readonly samples: number;
  /** Ask in both orders (A,B and B,A); when they disagree the label is a tie, flagged position-inconsistent. True by default. */
  readonly bothOrders: boolean;
  /** Ask for the verdict token's log-probabilities where the endpoint gives them (P(A better)). True by default. */
  readonly logprobs: boolean;
  readonly temperature?: number;
  readonly seed?: number;
  readonly max_tokens?: number;
  readonly cache?: CacheMode;
}

export interface JudgeSample {
  readonly judge: string;
  readonly model: string;
  /** The order the judge saw: 'AB' (A first) or 'BA'. */
  readonly order: 'AB' | 'BA';
  readonly sample: number;
  /** The judge's verdict, mapped back to the row's labels. */
  readonly verdict: Verdict;
  readonly confidence: number | undefined;
  readonly reasoning: string;
  /** P(the row's A is better) from the verdict token's log-probabilities, mapped back to the row's labels. */
  readonly pA: number | undefined;
  readonly cached: boolean;
  readonly costUsd: number | undefined;
}

export interface PairVerdict {
  /** The final label: the majority over samples and judges; a tie when the two orders disagree. */
  readonly winner: Verdict;
  /** False when the verdicts in the two orders disagree (then `winner` is 'tie'); true with one order. */
  readonly positionConsistent: boolean;
  /** Share of all samples that agree with `winner` (0–1). */
  readonly agreement: number;
  /** P(A better) averaged over both orders and every sample that had log-probabilities. */
  readonly pA: number | undefined;
  /** Judges whose model also wrote one of the answers (as the row's provenance says): a self-preference risk. */
  readonly selfPreference: readonly { readonly judge: string; readonly model: string; readonly answer: 'A' | 'B' }[];
  /** Characters of A minus characters of B. */
  readonly lengthDifference: number;
  readonly judges: readonly { readonly profile: string; readonly model: string }[];
  readonly criteria: JudgeCriteria;
  readonly samples: readonly JudgeSample[];
  readonly time: string;
}

/** A person's label on a judged pair, written by the verdict panel's override buttons. */
export interface HumanLabel {
  readonly winner: Verdict;
  readonly by: string;
  readonly time: string;
}

export interface RubricScore {
  readonly rubric: string;
  readonly criterion: string;
  readonly score: 1 | 2 | 3 | 4 | 5;
  readonly rationale: string;
  readonly judge: string;
  readonly model: string;
  readonly weight: number;
}

export interface ScoreResult {
  readonly scores: readonly RubricScore[];
  /** Weighted mean of the scores, on 1–5. */
  readonly reward: number;
  readonly time: string;
}
