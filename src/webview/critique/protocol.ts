// The message protocol of the critique chain panel, shared by the extension
// (src/extension/critique) and the webview script. Plain data only; every string is untrusted
// (rows, model answers) and the webview renders it as text.

/** One completed round of the chain. */
export interface RoundView {
  /** 1-based. */
  readonly number: number;
  readonly principleId: string;
  /** The principle's critique request, as the critic was asked. */
  readonly critiqueRequest: string;
  readonly critique: string;
  /** The critic's own judgement: false means it found nothing to fix. */
  readonly needsRevision: boolean;
  /** The answer this round started from. */
  readonly before: string;
  /** The answer after this round; absent when the round stopped at its critique. */
  readonly revision?: string;
  /** "profile (model)", with "from the cache" when it was. */
  readonly by: string;
}

export type ChainStatus = 'running' | 'done' | 'cancelled' | 'failed';

export interface ChainView {
  /** "Line 3 of data.jsonl" — which row this chain is for. */
  readonly title: string;
  readonly status: ChainStatus;
  /** What ended the chain, or what is happening ("Round 2 of 3…"). */
  readonly message: string;
  readonly constitution: string;
  readonly plannedRounds: number;
  /** Only this part of the answer is critiqued (UTF-16 offsets into `original`). */
  readonly span?: { readonly start: number; readonly end: number };
  readonly original: string;
  readonly rounds: readonly RoundView[];
  /** Which row of a multi-row run this is, when there are several ("2 of 5"). */
  readonly position?: string;
}

/** Extension → webview. */
export type HostMessage = { readonly type: 'show'; readonly chain: ChainView };

/** Webview → extension. `ready` is sent once the script has loaded (the handshake). */
export type WebviewMessage = { readonly type: 'ready' } | { readonly type: 'cancel' };

/** What the webview keeps across reloads with setState/getState. */
export interface WebviewState {
  readonly chain?: ChainView;
}
