import { parse, type ParseError } from 'jsonc-parser';
import { describeParseError } from '../errors/jsonParseError';

/** A row that is not a JSON object, located the way an editor shows it (1-based). */
export interface RowProblem {
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

export interface ScanSummary {
  /** Lines holding a JSON object. */
  readonly rows: number;
  /** Empty or whitespace-only lines: skipped, but counted. */
  readonly blank: number;
  /** Lines that are not a JSON object (syntax errors and other JSON values). */
  readonly malformed: number;
  /** The first problems, in file order; `malformed` counts them all. */
  readonly problems: readonly RowProblem[];
  /** The last line has no newline: a writer may have been cut off mid-row. */
  readonly lastLineUnterminated: boolean;
  readonly bytes: number;
}

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * Counts the rows of a JSONL byte stream fed in chunks of any size, so that files
 * too large to hold in memory can be checked. Lines may span chunk boundaries.
 */
export class JsonlScanner {
  private readonly maxProblems: number;
  private pending: Buffer | undefined;
  private lineNumber = 0;
  private rows = 0;
  private blank = 0;
  private malformed = 0;
  private bytes = 0;
  private readonly problems: RowProblem[] = [];

  constructor(options: { maxProblems?: number } = {}) {
    this.maxProblems = options.maxProblems ?? 100;
  }

  push(chunk: Uint8Array): void {
    let buffer = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.bytes += chunk.byteLength;
    if (this.pending) {
      buffer = Buffer.concat([this.pending, buffer]);
      this.pending = undefined;
    }
    let start = 0;
    for (let end = buffer.indexOf(NEWLINE, start); end !== -1; end = buffer.indexOf(NEWLINE, start)) {
      this.scanLine(buffer, start, end);
      start = end + 1;
    }
    if (start < buffer.length) this.pending = Buffer.from(buffer.subarray(start));
  }

  end(): ScanSummary {
    const lastLineUnterminated = this.pending !== undefined && this.pending.length > 0;
    if (this.pending) {
      this.scanLine(this.pending, 0, this.pending.length);
      this.pending = undefined;
    }
    return {
      rows: this.rows,
      blank: this.blank,
      malformed: this.malformed,
      problems: this.problems,
      lastLineUnterminated,
      bytes: this.bytes,
    };
  }

  private scanLine(buffer: Buffer, start: number, end: number): void {
    this.lineNumber++;
    // A BOM belongs to the file, not to the first row (checked here: it may span chunks).
    if (this.lineNumber === 1 && end - start >= 3 && buffer.subarray(start, start + 3).equals(BOM)) start += 3;
    const stop = end > start && buffer[end - 1] === CARRIAGE_RETURN ? end - 1 : end;
    const text = buffer.toString('utf8', start, stop);
    if (text.trim() === '') {
      this.blank++;
      return;
    }
    const problem = checkRow(text);
    if (problem === undefined) {
      this.rows++;
      return;
    }
    this.malformed++;
    if (this.problems.length < this.maxProblems) {
      this.problems.push({ line: this.lineNumber, column: problem.offset + 1, message: problem.message });
    }
  }
}

export function scanJsonl(bytes: Uint8Array, options: { maxProblems?: number } = {}): ScanSummary {
  const scanner = new JsonlScanner(options);
  scanner.push(bytes);
  return scanner.end();
}

/** Returns why a line is not a JSON object, or undefined when it is one. */
function checkRow(text: string): { offset: number; message: string } | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // JSON.parse's messages differ between engines; jsonc-parser gives a stable
    // reason and the exact offset of the first error.
    const errors: ParseError[] = [];
    parse(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
    const first = errors[0];
    return first
      ? { offset: first.offset, message: describeParseError(first) }
      : { offset: 0, message: 'invalid JSON' };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const found = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    return { offset: text.length - text.trimStart().length, message: `row is ${found}, not a JSON object` };
  }
  return undefined;
}
