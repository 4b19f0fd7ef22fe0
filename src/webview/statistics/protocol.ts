// The one message protocol between the extension and its webview panels. Both sides
// import these types, so a message that one side sends and the other does not expect
// fails to type-check.
import type { DatasetStatisticsReport } from '../../core/statistics/report';

export type { DatasetStatisticsReport } from '../../core/statistics/report';

export interface RowProblemView {
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

export interface DatasetStatisticsView {
  readonly fileName: string;
  /** JSONL, or one JSON array (its `line`s are where elements start). */
  readonly format: 'jsonl' | 'json-array';
  readonly rows: number;
  readonly blank: number;
  readonly malformed: number;
  readonly bytes: number;
  readonly lastLineUnterminated: boolean;
  readonly problems: readonly RowProblemView[];
  /** Everything else: kinds, duplicates, turns, tokens, lengths, provenance. */
  readonly report: DatasetStatisticsReport;
}

/** Extension → webview. */
export type HostMessage =
  | { readonly type: 'statistics'; readonly statistics: DatasetStatisticsView }
  /** Statistics are being computed (a large file): the panel says so. */
  | { readonly type: 'computing'; readonly fileName: string }
  | { readonly type: 'error'; readonly message: string };

/** Webview → extension. `ready` is sent once the script has loaded (the handshake). */
export type WebviewMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'refresh' }
  | { readonly type: 'revealLine'; readonly line: number; readonly column: number };

/** What the webview keeps across reloads with setState/getState. */
export interface WebviewState {
  readonly statistics?: DatasetStatisticsView;
}
