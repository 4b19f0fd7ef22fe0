// The one message protocol between the extension and its webview panels. Both sides
// import these types, so a message that one side sends and the other does not expect
// fails to type-check.

export interface RowProblemView {
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

export interface DatasetStatisticsView {
  readonly fileName: string;
  readonly rows: number;
  readonly blank: number;
  readonly malformed: number;
  readonly bytes: number;
  readonly lastLineUnterminated: boolean;
  readonly problems: readonly RowProblemView[];
}

/** Extension → webview. */
export type HostMessage =
  | { readonly type: 'statistics'; readonly statistics: DatasetStatisticsView }
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
