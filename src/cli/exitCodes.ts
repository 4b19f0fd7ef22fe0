/** What a `distillery` process tells its caller (CI scripts test these). */
export const ExitCode = {
  /** Everything asked for was done. */
  Success: 0,
  /** The job ran, but some rows or items failed; the output says which. */
  PartialFailure: 1,
  /** The arguments or the input files are wrong; nothing was done, or the input has errors. */
  BadInput: 2,
  /** The job could not run: endpoint unreachable, key refused, disk full. */
  Failure: 3,
  /** Interrupted by the user (Ctrl-C). */
  Interrupted: 130,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
