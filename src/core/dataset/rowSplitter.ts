/**
 * Splits a JSONL byte stream, fed in chunks of any size, into parsed rows: the same rows, with the
 * same file offsets, as {@link JsonlBuffer} gives for the whole file at once.
 */
import { isUtf8 } from 'node:buffer';
import { asBuffer, hasBom } from './lineIndex';
import { LONG_LINE_BYTES, parseRow, type JsonlRow, type RowParseOptions } from './rowParser';

const NEWLINE = 0x0a;

export class JsonlRowSplitter {
  private readonly longLineBytes: number;
  /** Pieces of a line that has not ended yet; joined once its '\n' arrives (never re-copied per chunk). */
  private pending: Buffer[] = [];
  private pendingLength = 0;
  /** File offset of the next byte pushed. */
  private offset = 0;
  private lineNumber = 0;
  private ended = false;

  constructor(options: RowParseOptions = {}) {
    this.longLineBytes = options.longLineBytes ?? LONG_LINE_BYTES;
  }

  /** Bytes pushed so far. */
  get bytesSeen(): number {
    return this.offset;
  }

  /**
   * Returns the rows whose lines end in `chunk`. The chunk is not kept (its unfinished tail is
   * copied), so the caller may reuse it.
   */
  push(chunk: Uint8Array): JsonlRow[] {
    if (this.ended) throw new Error('JsonlRowSplitter: push after end');
    const bytes = asBuffer(chunk);
    const chunkOffset = this.offset;
    this.offset += bytes.length;
    const rows: JsonlRow[] = [];
    let newline = bytes.indexOf(NEWLINE);
    if (newline === -1) {
      this.keepPending(bytes);
      return rows;
    }
    let lineStart = 0;
    if (this.pendingLength > 0) {
      // The line that began in earlier chunks ends here: join it into one buffer.
      const lineOffset = chunkOffset - this.pendingLength;
      const line = Buffer.concat([...this.pending, bytes.subarray(0, newline + 1)]);
      this.pending = [];
      this.pendingLength = 0;
      rows.push(this.parseLine(line, 0, line.length - 1, true, lineOffset, false));
      lineStart = newline + 1;
      newline = bytes.indexOf(NEWLINE, lineStart);
    }
    // One UTF-8 check for all the whole lines in this chunk, far cheaper than one per line.
    const lastNewline = bytes.lastIndexOf(NEWLINE);
    const wholeLinesValid = lastNewline >= lineStart && isUtf8(bytes.subarray(lineStart, lastNewline + 1));
    for (; newline !== -1; newline = bytes.indexOf(NEWLINE, lineStart)) {
      rows.push(this.parseLine(bytes, lineStart, newline, true, chunkOffset, wholeLinesValid));
      lineStart = newline + 1;
    }
    if (lineStart < bytes.length) this.keepPending(bytes.subarray(lineStart));
    return rows;
  }

  /** Returns the last line's row if it had no newline; the splitter cannot be used after. */
  end(): JsonlRow[] {
    if (this.ended) return [];
    this.ended = true;
    if (this.pendingLength === 0) return [];
    const lineOffset = this.offset - this.pendingLength;
    const line = this.pending.length === 1 ? (this.pending[0] as Buffer) : Buffer.concat(this.pending);
    this.pending = [];
    this.pendingLength = 0;
    // A file of only a BOM has no lines (as JsonlBuffer sees it).
    if (this.lineNumber === 0 && line.length === 3 && hasBom(line)) return [];
    return [this.parseLine(line, 0, line.length, false, lineOffset, false)];
  }

  private keepPending(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.pending.push(Buffer.from(bytes)); // a copy: the caller may reuse its chunk
    this.pendingLength += bytes.length;
  }

  private parseLine(bytes: Buffer, start: number, stop: number, terminated: boolean, base: number, utf8Checked: boolean): JsonlRow {
    this.lineNumber++;
    // A BOM belongs to the file, not to row 1.
    const textStart = this.lineNumber === 1 && base + start === 0 && hasBom(bytes.subarray(start, stop)) ? start + 3 : start;
    return parseRow(bytes, textStart, stop, terminated, this.lineNumber, base, utf8Checked, this.longLineBytes);
  }
}
