/** How a multi-pass curation over a file tells its caller how far it is. */
export interface PassObserver {
  /** Pass `pass` (1-based) of `passes` starts; `rows` is the input's row count once a pass has counted it. */
  passStarted(pass: number, passes: number, rows: number | undefined): void;
  /** `rows` rows of the current pass are handled (called for every row: throttle on your side). */
  rowsDone(rows: number): void;
}
