// Messages between the extension host and the mix report's worker thread.
import type { MixReport, MixThresholds } from '../../core/curation/mixReport';

export interface MixWorkerRequest {
  /** The dataset's text as it is in the editor (unsaved edits included). */
  readonly text: string;
  readonly sourceText?: string;
  readonly thresholds: MixThresholds;
}

/** What is posted to the worker: the texts as UTF-8 bytes, whose buffers are moved, not copied. */
export interface MixWorkerInput {
  readonly bytes: Uint8Array;
  readonly sourceBytes?: Uint8Array;
  readonly thresholds: MixThresholds;
}

export type MixWorkerMessage =
  | { readonly type: 'progress'; readonly stage: string; readonly fraction?: number }
  | { readonly type: 'result'; readonly report: MixReport; readonly skippedLines: number; readonly sourceSkippedLines?: number }
  | { readonly type: 'error'; readonly message: string };
