/**
 * The line index of a JSONL buffer: where every line starts, as one typed array, so that a file
 * of hundreds of thousands of rows costs four bytes a row until a row is actually read.
 */

const NEWLINE = 0x0a;

export interface LineIndex {
  /** Byte offset at which each line's text starts, in line order (line 1 starts after a BOM). */
  readonly starts: Uint32Array | Float64Array;
  /** Number of lines; a final '\n' ends the last line, it does not begin an empty one. */
  readonly lineCount: number;
  readonly byteLength: number;
  /** 3 when the buffer begins with a UTF-8 byte order mark, else 0. */
  readonly bomLength: 0 | 3;
  /** Whether the last line has its '\n' (true when there are no lines). */
  readonly endsWithNewline: boolean;
}

/** Where a line's text ends and whether a '\n' follows it; see {@link lineStop}. */
export interface LineSpan {
  /** Offset of the line's first byte (after a BOM on line 1). */
  readonly start: number;
  /** Offset of the '\n' that ends the line, or the buffer's length when none does. */
  readonly stop: number;
  readonly terminated: boolean;
}

export function hasBom(bytes: Uint8Array, at = 0): boolean {
  return bytes.length - at >= 3 && bytes[at] === 0xef && bytes[at + 1] === 0xbb && bytes[at + 2] === 0xbf;
}

export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function buildLineIndex(input: Uint8Array): LineIndex {
  const bytes = asBuffer(input);
  const byteLength = bytes.length;
  const bomLength = hasBom(bytes) ? 3 : 0;
  // Offsets past 4 GiB do not fit 32 bits; such buffers are rare, so they alone pay for doubles.
  const wide = byteLength > 0xffff_ffff;
  let starts: Uint32Array | Float64Array = wide ? new Float64Array(initialCapacity(byteLength)) : new Uint32Array(initialCapacity(byteLength));
  let count = 0;
  let lineStart = bomLength;
  // A file of only a BOM is as empty as a file of nothing: no lines.
  if (byteLength > bomLength) {
    for (let newline = bytes.indexOf(NEWLINE, lineStart); ; newline = bytes.indexOf(NEWLINE, lineStart)) {
      if (count === starts.length) starts = grow(starts);
      starts[count++] = lineStart;
      if (newline === -1) break;
      lineStart = newline + 1;
      if (lineStart === byteLength) break;
    }
  }
  return {
    starts: starts.slice(0, count),
    lineCount: count,
    byteLength,
    bomLength,
    endsWithNewline: byteLength === bomLength || bytes[byteLength - 1] === NEWLINE,
  };
}

/** Offset of the '\n' ending 0-based line `i`, or the buffer's length for an unterminated last line. */
export function lineStop(index: LineIndex, i: number): number {
  if (i + 1 < index.lineCount) return (index.starts[i + 1] as number) - 1;
  return index.endsWithNewline ? index.byteLength - 1 : index.byteLength;
}

/** The span of 1-based line `line`. */
export function lineSpan(index: LineIndex, line: number): LineSpan {
  if (!Number.isInteger(line) || line < 1 || line > index.lineCount) {
    throw new RangeError(`line ${line} is outside 1..${index.lineCount}`);
  }
  const stop = lineStop(index, line - 1);
  return { start: index.starts[line - 1] as number, stop, terminated: stop < index.byteLength };
}

/** The 1-based line holding byte `offset` (a line's '\n' belongs to it). */
export function lineAtOffset(index: LineIndex, offset: number): number {
  if (index.lineCount === 0 || offset < 0 || offset > index.byteLength) {
    throw new RangeError(`offset ${offset} is outside the lines of this buffer (0..${index.byteLength}, ${index.lineCount} lines)`);
  }
  // Binary search for the last start <= offset.
  let low = 0;
  let high = index.lineCount - 1;
  while (low < high) {
    const middle = (low + high + 1) >>> 1;
    if ((index.starts[middle] as number) <= offset) low = middle;
    else high = middle - 1;
  }
  return low + 1;
}

function initialCapacity(byteLength: number): number {
  // A guess of one row per 256 bytes; the array doubles when rows are shorter.
  return Math.max(16, Math.ceil(byteLength / 256));
}

function grow<T extends Uint32Array | Float64Array>(array: T): T {
  const larger = new (array.constructor as new (length: number) => T)(array.length * 2);
  larger.set(array);
  return larger;
}
