// The message protocol of the verdict panel, shared by the extension (src/extension/judging)
// and the webview script. Plain data only; every string is untrusted (rows, model answers,
// judges' reasoning) and the webview renders it as text.

export type VerdictLabel = 'A' | 'B' | 'tie';

export interface SampleView {
  readonly judge: string;
  readonly model: string;
  readonly order: 'AB' | 'BA';
  /** 1-based. */
  readonly sample: number;
  readonly verdict: VerdictLabel;
  readonly confidence?: number;
  readonly reasoning: string;
  readonly pA?: number;
}

export interface JudgementView {
  readonly winner: VerdictLabel;
  readonly positionConsistent: boolean;
  readonly agreement: number;
  readonly pA?: number;
  /** Characters of A minus characters of B. */
  readonly lengthDifference: number;
  /** "profile (model)" per judge. */
  readonly judges: readonly string[];
  /** "judge (model) also wrote answer A", one per warning. */
  readonly selfPreference: readonly string[];
  /** What the judges compared against, in words. */
  readonly criteria: string;
  readonly samples: readonly SampleView[];
  readonly time: string;
}

/** One rubric's grade of one answer. */
export interface RubricScoreView {
  readonly rubric: string;
  readonly criterion: string;
  readonly score: number;
  readonly rationale: string;
  /** "profile (model)". */
  readonly judge: string;
  readonly weight: number;
}

/** One answer's grades and their weighted mean. */
export interface ScoreSetView {
  readonly reward: number;
  readonly scores: readonly RubricScoreView[];
  readonly time: string;
}

/** The row's `distillery.score`: its answer's (a pair's chosen answer's) grades, and a pair's rejected answer's (`distillery.rejectedScore`). */
export interface RowScoreView {
  readonly answer: ScoreSetView;
  readonly rejected?: ScoreSetView;
  /** True for a preference row: `answer` is the chosen answer's. */
  readonly pair: boolean;
}

/** What runs on the row shown: the view offers Cancel meanwhile. */
export type RowActivity = 'judging' | 'scoring';

export interface RowVerdictView {
  /** "data.jsonl, line 3". */
  readonly title: string;
  readonly line: number;
  /** The row's two answers; absent with `problem` when the row has no pair. */
  readonly a?: string;
  readonly b?: string;
  readonly problem?: string;
  readonly judgement?: JudgementView;
  readonly human?: { readonly winner: VerdictLabel; readonly by: string; readonly time: string };
  /** The row's rubric scores (Score Row), also on rows without a pair. */
  readonly score?: RowScoreView;
  /** True when the row has an answer Score Row can grade. */
  readonly scorable?: boolean;
  /** While Judge Row or Score Row runs on this row. */
  readonly status?: RowActivity;
  /** The last outcome on this row (an error, a refused edit). */
  readonly message?: { readonly kind: 'error' | 'info'; readonly text: string };
}

/** Extension → webview. `row` is absent when the cursor is on no dataset row. */
export type HostMessage = { readonly type: 'show'; readonly row?: RowVerdictView };

/** Webview → extension. `ready` is sent once the script has loaded (the handshake). */
export type WebviewMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'judge' }
  | { readonly type: 'score' }
  /** Stops the judging or scoring that runs on the row shown; nothing is written. */
  | { readonly type: 'cancel' }
  /** The page gained or lost the keyboard focus (the view's keybindings apply while it has it). */
  | { readonly type: 'focus'; readonly focused: boolean }
  | { readonly type: 'override'; readonly winner: VerdictLabel }
  | { readonly type: 'next' }
  | { readonly type: 'previous' };

/** What the webview keeps across reloads with setState/getState. */
export interface WebviewState {
  readonly row?: RowVerdictView;
}
