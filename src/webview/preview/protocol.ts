// The message protocol of the row preview, shared by the extension (src/extension/preview) and
// the webview script. Everything here is plain data: the extension turns a dataset row into this
// view model, so the webview never parses rows itself. All strings are untrusted (they come from
// the dataset) and the webview renders them as text, or as Markdown through markdown.ts.

export interface TurnView {
  /** system, user, assistant, tool, … */
  readonly role: string;
  /** OpenAI's optional participant name. */
  readonly name?: string;
  readonly content: string;
}

/** A row that reads as a conversation. */
export interface RowView {
  readonly fileName: string;
  /** 1-based line of the row in the document. */
  readonly line: number;
  /** The row kind's id (`chat`, `preference`, …) and how it is named to a person. */
  readonly kind: string;
  readonly kindLabel: string;
  /** False for TRL's "standard" rows: the prompt is text to continue, not a user turn. */
  readonly conversational: boolean;
  /** The leading system turn(s) of the prompt, shown apart. */
  readonly system: readonly TurnView[];
  /** The rest of the prompt, in order. */
  readonly prompt: readonly TurnView[];
  readonly completion?: readonly TurnView[];
  readonly chosen?: readonly TurnView[];
  readonly rejected?: readonly TurnView[];
  /** KTO: whether the completion is desirable. */
  readonly label?: boolean;
  readonly extraUserTurns?: readonly string[];
  readonly reference?: readonly string[];
  /** The row's `"distillery"` value, pretty-printed JSON text; absent when the row has none. */
  readonly metadata?: string;
  /** Warnings from reading the row (never errors: a row with errors is a ProblemView). */
  readonly notes: readonly string[];
}

/** A line that is not a readable row: malformed JSON, not an object, or of no known format. */
export interface ProblemView {
  readonly fileName: string;
  readonly line: number;
  /** 1-based column of a syntax problem; absent for schema problems. */
  readonly column?: number;
  /** The reasons, one per problem found. */
  readonly reasons: readonly string[];
  /** The start of the line's text, cut to a few hundred characters. */
  readonly excerpt: string;
}

/** Where the preview stands in the file: which way navigation can go. */
export interface NavigationView {
  readonly hasPrevious: boolean;
  readonly hasNext: boolean;
}

export type PreviewContent =
  | { readonly kind: 'row'; readonly row: RowView; readonly navigation: NavigationView }
  | { readonly kind: 'problem'; readonly problem: ProblemView; readonly navigation: NavigationView }
  | { readonly kind: 'empty'; readonly message: string };

/** Extension → webview. */
export type HostMessage = { readonly type: 'show'; readonly content: PreviewContent; /** The shown document, kept in the state. */ readonly uri?: string };

/** Webview → extension. `ready` is sent once the script has loaded (the handshake). */
export type WebviewMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'navigate'; readonly direction: 1 | -1 }
  /** Put the editor's cursor on the shown row (the header's line link). */
  | { readonly type: 'revealRow' };

/** What the webview keeps across reloads with setState/getState. */
export interface WebviewState {
  readonly content?: PreviewContent;
  /** Preference rows: word differences (true, the default) or rendered Markdown. */
  readonly showDifferences?: boolean;
  /** Whether the metadata block is expanded. */
  readonly metadataOpen?: boolean;
  /** Where the shown document is, so that a restored panel can find it again. */
  readonly uri?: string;
}
