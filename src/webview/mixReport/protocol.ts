// The message protocol between the mix report panel and its webview. Both sides import these
// types, so a message one side sends and the other does not expect fails to type-check.
//
// The report's shape is restated here rather than imported from core/curation/mixReport: that
// module pulls Node-only code into the webview's type-check. The panel assigns the core's
// MixReport to MixReportData, so the compiler still holds the two in step.

export interface LengthSpreadData {
  readonly count: number;
  readonly median: number;
  readonly p10: number;
  readonly p90: number;
  readonly mean: number;
  readonly sd: number;
}

export interface DiversityData {
  readonly answers: number;
  readonly distinct1: number;
  readonly distinct2: number;
  readonly distinct3: number;
  readonly answerLength: LengthSpreadData;
  readonly nearDuplicateRate: number;
}

export interface MixReportData {
  readonly rows: number;
  readonly provenance: { readonly human: number; readonly synthetic: number; readonly unknown: number };
  readonly humanShare: number;
  readonly syntheticShare: number;
  readonly teachers: readonly { readonly teacher: string; readonly rows: number; readonly share: number }[];
  readonly diversity: DiversityData;
  readonly source?: DiversityData;
  readonly comparison?: { readonly answers: number; readonly distinct: readonly { readonly n: number; readonly file: number; readonly source: number }[] };
  readonly warnings: readonly { readonly code: string; readonly message: string }[];
}

export interface MixThresholdsData {
  readonly maxTeacherShare?: number;
  readonly maxSyntheticShare?: number;
  readonly maxDistinctDrop?: number;
}

export interface MixReportView {
  /** The dataset's file name (untrusted text: rendered as text). */
  readonly fileName: string;
  /** The source dataset compared against, when there is one. */
  readonly sourceName?: string;
  /** Lines that are not JSON objects: skipped (the report counts only rows). */
  readonly skippedLines: number;
  readonly sourceSkippedLines?: number;
  /** The thresholds the warnings were checked against (from the settings). */
  readonly thresholds: MixThresholdsData;
  /** distillery.mix.* values that were ignored, each naming its setting. */
  readonly settingProblems: readonly string[];
  readonly report: MixReportData;
}

/** What the webview rendered, read back from its page: tests and automation compare it with the report. */
export interface MixReportShown {
  readonly fileName: string;
  readonly sourceName: string | undefined;
  readonly rows: number;
  /** The provenance table's shares as shown, e.g. "50.0%". */
  readonly shares: { readonly human: string; readonly synthetic: string; readonly unknown: string };
  readonly teachers: readonly string[];
  readonly warnings: readonly string[];
}

/** Extension → webview. */
export type HostMessage =
  | { readonly type: 'report'; readonly target: MixReportTarget; readonly view: MixReportView }
  /** A report is being computed: what is being done, and the fraction of it done when known. */
  | { readonly type: 'computing'; readonly target: MixReportTarget; readonly fileName: string; readonly stage: string; readonly fraction?: number }
  | { readonly type: 'error'; readonly message: string };

/** Webview → extension. `ready` is sent once the script has loaded (the handshake). */
export type WebviewMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'refresh' }
  /** "Compare with…": the extension asks which source dataset. */
  | { readonly type: 'compare' }
  | { readonly type: 'clearComparison' }
  | { readonly type: 'rendered'; readonly shown: MixReportShown };

/** Which dataset the panel reports on, and which source it compares with: kept to restore the panel after a reload. */
export interface MixReportTarget {
  readonly uri: string;
  readonly sourceUri?: string;
}

/** What the webview keeps across reloads with setState/getState: the panel restores from it. */
export interface WebviewState {
  readonly target?: MixReportTarget;
  readonly view?: MixReportView;
}
