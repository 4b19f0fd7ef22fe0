/** What batch runs report while they run and when they end; the CLI and the editor show these. */

export interface BatchProgress {
  /** Input rows in the run, once known. */
  readonly total: number | undefined;
  /** Input rows finished in this run or an earlier one (written, or skipped on resume). */
  readonly done: number;
  /** Input rows that ended with an error (recorded in the errors file). */
  readonly failed: number;
  /** Model calls answered from the cache. */
  readonly cached: number;
  /** Input rows found already done in the output when the run resumed. */
  readonly resumed: number;
  /** Rows written to the output in this run. */
  readonly written: number;
  readonly costUsd: number;
}

export interface BatchSummary extends BatchProgress {
  readonly output: string;
  /** `<output>.errors.jsonl`: one line per failed input row, with its line, key and error; absent when none failed. */
  readonly errorsFile: string | undefined;
  /** Set when the run ended early. */
  readonly stoppedBy?: 'cancelled' | 'fatal';
  /** The fatal error's message (free of secrets). */
  readonly fatal?: string;
}
