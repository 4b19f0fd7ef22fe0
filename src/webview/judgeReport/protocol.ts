// The message protocol between the judge report panel and its webview. Both sides import these
// types, so a message one side sends and the other does not expect fails to type-check.
import type { RankingReport } from '../../core/judging/rankingReport';
import type { JudgeReport } from '../../core/judging/report';
import type { LengthBucket } from './lengthBuckets';

export type { JudgeReport } from '../../core/judging/report';

/** A row whose judgement cannot be read: skipped, and listed in the panel. */
export interface JudgedRowProblem {
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

export interface JudgeReportView {
  readonly fileName: string;
  /** Rows without a `distillery.judgement`: counted and skipped. */
  readonly unjudged: number;
  /** Lines that are not JSON or whose judgement is malformed (the first few). */
  readonly problems: readonly JudgedRowProblem[];
  readonly problemCount: number;
  readonly report: JudgeReport;
  /** Verdicts by difference in length (A − B), for the "verdict vs length" chart. */
  readonly lengthBuckets: readonly LengthBucket[];
  /** Rows ranked by n-way judging (`distillery.ranking`), when there are any. */
  readonly ranking?: RankingReport;
}

/** Extension → webview. `uri`: the dataset described, kept in the state so the panel comes back after a reload. */
export type HostMessage =
  | { readonly type: 'report'; readonly view: JudgeReportView; readonly uri: string }
  | { readonly type: 'error'; readonly message: string; readonly uri: string };

/** Webview → extension. `ready` is sent once the script has loaded (the handshake). */
export type WebviewMessage = { readonly type: 'ready' } | { readonly type: 'refresh' } | { readonly type: 'revealLine'; readonly line: number; readonly column: number };

/** What the webview keeps across reloads with setState/getState. */
export interface WebviewState {
  readonly view?: JudgeReportView;
  /** The dataset's URI: the panel is restored on it after a window reload. */
  readonly uri?: string;
}
