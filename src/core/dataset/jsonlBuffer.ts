/**
 * A JSONL file held in memory: the line index is built once, rows are parsed when asked for.
 */
import { isUtf8 } from 'node:buffer';
import { asBuffer, buildLineIndex, lineStop, type LineIndex } from './lineIndex';
import { LONG_LINE_BYTES, parseRow, type JsonlRow, type RowParseOptions } from './rowParser';

export class JsonlBuffer {
  readonly bytes: Buffer;
  readonly index: LineIndex;
  /** Checked once for the whole buffer; only when it fails is each row checked on its own. */
  readonly isValidUtf8: boolean;
  private readonly longLineBytes: number;

  constructor(bytes: Uint8Array, options: RowParseOptions = {}) {
    this.bytes = asBuffer(bytes);
    this.index = buildLineIndex(this.bytes);
    this.isValidUtf8 = isUtf8(this.bytes);
    this.longLineBytes = options.longLineBytes ?? LONG_LINE_BYTES;
  }

  get lineCount(): number {
    return this.index.lineCount;
  }

  /** Parses 1-based line `line`. */
  row(line: number): JsonlRow {
    if (!Number.isInteger(line) || line < 1 || line > this.index.lineCount) {
      throw new RangeError(`line ${line} is outside 1..${this.index.lineCount}`);
    }
    const i = line - 1;
    const stop = lineStop(this.index, i);
    return parseRow(
      this.bytes,
      this.index.starts[i] as number,
      stop,
      stop < this.index.byteLength,
      line,
      0,
      this.isValidUtf8,
      this.longLineBytes,
    );
  }

  /** The row's text as it is in the file (no BOM, no line terminator). */
  rowText(row: { readonly start: number; readonly end: number }): string {
    return this.bytes.toString('utf8', row.start, row.end);
  }

  /** Every line in order, parsed one at a time (nothing is kept). */
  *rows(): Generator<JsonlRow, void, undefined> {
    for (let line = 1; line <= this.index.lineCount; line++) yield this.row(line);
  }

  [Symbol.iterator](): Iterator<JsonlRow> {
    return this.rows();
  }
}

/** Parses every line of `bytes`; convenient for small files (the rows are all kept). */
export function readJsonlRows(bytes: Uint8Array, options: RowParseOptions = {}): JsonlRow[] {
  return [...new JsonlBuffer(bytes, options).rows()];
}
