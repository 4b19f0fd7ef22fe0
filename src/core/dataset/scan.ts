/**
 * Counting a JSONL file's rows and problems (`distillery check`, the editor's status): a summary
 * over the rows that {@link JsonlBuffer} and {@link JsonlRowSplitter} parse.
 */
import { JsonlBuffer } from './jsonlBuffer';
import type { JsonlRow } from './rowParser';
import { JsonlRowSplitter } from './rowSplitter';

/** A problem on one line, located the way an editor shows it (1-based). */
export interface ScanProblem {
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

export interface ScanSummary {
  /** Lines holding a JSON object. */
  readonly rows: number;
  /** Empty or whitespace-only lines: skipped, but counted. */
  readonly blank: number;
  /** Lines that are not a JSON object (syntax errors, invalid UTF-8 and other JSON values). */
  readonly malformed: number;
  /** The first problems, in file order; `malformed` counts them all. */
  readonly problems: readonly ScanProblem[];
  /** Lines over 1 MiB: parsed, but worth knowing about (the first `maxProblems` of them). */
  readonly warnings: readonly ScanProblem[];
  /** The last line has no newline: a writer may have been cut off mid-row. */
  readonly lastLineUnterminated: boolean;
  readonly bytes: number;
}

export interface ScanOptions {
  /** How many problems (and warnings) to keep; all are counted. Default 100. */
  readonly maxProblems?: number;
}

/** Tallies parsed rows into a {@link ScanSummary}. */
class ScanTally {
  private rows = 0;
  private blank = 0;
  private malformed = 0;
  private lastLineUnterminated = false;
  private readonly problems: ScanProblem[] = [];
  private readonly warnings: ScanProblem[] = [];

  constructor(private readonly maxProblems: number) {}

  add(row: JsonlRow): void {
    if (row.kind === 'object') this.rows++;
    else if (row.kind === 'blank') this.blank++;
    else {
      this.malformed++;
      if (this.problems.length < this.maxProblems) this.problems.push(located(row.problem));
    }
    if (row.terminator === '') this.lastLineUnterminated = true;
    for (const warning of row.warnings) {
      // The unterminated last line has its own flag.
      if (warning.code !== 'unterminated' && this.warnings.length < this.maxProblems) this.warnings.push(located(warning));
    }
  }

  summary(bytes: number): ScanSummary {
    return {
      rows: this.rows,
      blank: this.blank,
      malformed: this.malformed,
      problems: this.problems,
      warnings: this.warnings,
      lastLineUnterminated: this.lastLineUnterminated,
      bytes,
    };
  }
}

function located(diagnostic: ScanProblem): ScanProblem {
  return { line: diagnostic.line, column: diagnostic.column, message: diagnostic.message };
}

/**
 * Counts the rows of a JSONL byte stream fed in chunks of any size, so that files
 * too large to hold in memory can be checked. Lines may span chunk boundaries.
 */
export class JsonlScanner {
  private readonly splitter = new JsonlRowSplitter();
  private readonly tally: ScanTally;

  constructor(options: ScanOptions = {}) {
    this.tally = new ScanTally(options.maxProblems ?? 100);
  }

  push(chunk: Uint8Array): void {
    for (const row of this.splitter.push(chunk)) this.tally.add(row);
  }

  end(): ScanSummary {
    for (const row of this.splitter.end()) this.tally.add(row);
    return this.tally.summary(this.splitter.bytesSeen);
  }
}

export function scanJsonl(bytes: Uint8Array, options: ScanOptions = {}): ScanSummary {
  const tally = new ScanTally(options.maxProblems ?? 100);
  const file = new JsonlBuffer(bytes);
  for (let line = 1; line <= file.lineCount; line++) tally.add(file.row(line));
  return tally.summary(bytes.byteLength);
}
