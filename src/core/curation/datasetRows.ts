/**
 * The rows of a dataset file for curation, one at a time: JSONL streamed in chunks (each row with
 * its bytes exactly as in the file, so that kept rows can be written back unchanged), or a JSON
 * array (read whole: such files are small by nature, and JSON has no line to stream by).
 *
 * A row that is not a JSON object stops the reading with an InputError at its line:column, as
 * curating around it would silently lose a row.
 */
import { open, readFile } from 'node:fs/promises';
import { InputError, lineColumnAt } from '../errors/located';
import { parseJsonArray } from '../dataset/jsonArray';
import { LONG_LINE_BYTES, parseRow, type RowTerminator } from '../dataset/rowParser';
import { curationFormat, type CurationFormat } from './curationFormat';

export interface DatasetRow {
  /** 0-based position among the file's rows (blank lines not counted). */
  readonly index: number;
  /** 1-based line of a JSONL row; for a JSON array, the element's 1-based position. */
  readonly line: number;
  readonly value: Record<string, unknown>;
  /** JSONL only: the row's bytes as in the file, without BOM or line ending (valid until the next row is read). */
  readonly raw: Buffer | undefined;
  /** JSONL only: the file offset of `raw` (-1 for a JSON array element). */
  readonly start: number;
  /** JSONL only: what ended the row in the file ('' for a last line without one). */
  readonly terminator: RowTerminator;
}

export interface DatasetRowsOptions {
  readonly signal?: AbortSignal | undefined;
  /** Bytes read at a time. Default 1 MiB. */
  readonly chunkBytes?: number;
}

const NEWLINE = 0x0a;
const DEFAULT_CHUNK_BYTES = 1024 * 1024;

function startsWithBom(bytes: Buffer, at: number): boolean {
  return bytes[at] === 0xef && bytes[at + 1] === 0xbb && bytes[at + 2] === 0xbf;
}

/** Whether the file starts with a UTF-8 byte order mark (a copy of its rows should too). */
export async function fileHasBom(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(3);
    const { bytesRead } = await handle.read(head, 0, 3, 0);
    return bytesRead === 3 && startsWithBom(head, 0);
  } finally {
    await handle.close();
  }
}

/** The rows of `path` (JSONL or a JSON array, see curationFormat); `shown` names the file in errors. */
export async function* datasetRows(path: string, shown: string, options: DatasetRowsOptions = {}): AsyncGenerator<DatasetRow, void, undefined> {
  const format: CurationFormat = await curationFormat(path);
  if (format === 'json') yield* jsonArrayRows(path, shown, options.signal);
  else yield* jsonlRows(path, shown, options);
}

async function* jsonArrayRows(path: string, shown: string, signal: AbortSignal | undefined): AsyncGenerator<DatasetRow, void, undefined> {
  signal?.throwIfAborted();
  const text = await readFile(path, 'utf8');
  const parsed = parseJsonArray(text);
  if (!parsed.ok) throw new InputError(parsed.message, { file: shown, ...lineColumnAt(text, parsed.offset) });
  const problem = parsed.problems[0];
  if (problem !== undefined) throw new InputError(`element ${problem.index}: ${problem.message}`, { file: shown, ...lineColumnAt(text, problem.offset) });
  let index = 0;
  for (const value of parsed.rows) {
    signal?.throwIfAborted();
    yield { index, line: index + 1, value, raw: undefined, start: -1, terminator: '\n' };
    index++;
  }
}

/**
 * JSONL rows by a splitter of its own rather than streamJsonlRows: the rows' bytes are sliced from
 * the chunk they were read in (a fresh buffer per chunk), so nothing is read twice.
 */
async function* jsonlRows(path: string, shown: string, options: DatasetRowsOptions): AsyncGenerator<DatasetRow, void, undefined> {
  const { signal } = options;
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  signal?.throwIfAborted();
  const file = await open(path, 'r');
  try {
    let fileOffset = 0;
    let lineNumber = 0;
    let index = 0;
    let pending: Buffer[] = [];
    let pendingLength = 0;
    const rowOf = (bytes: Buffer, start: number, stop: number, terminated: boolean, base: number): DatasetRow | undefined => {
      lineNumber++;
      const textStart = lineNumber === 1 && base + start === 0 && startsWithBom(bytes, start) ? start + 3 : start;
      const row = parseRow(bytes, textStart, stop, terminated, lineNumber, base, false, LONG_LINE_BYTES);
      if (row.kind === 'invalid') throw new InputError(row.problem.message, { file: shown, line: row.problem.line, column: row.problem.column });
      if (row.kind === 'blank') return undefined;
      return { index: index++, line: row.line, value: row.value, raw: bytes.subarray(row.start - base, row.end - base), start: row.start, terminator: row.terminator };
    };
    for (;;) {
      signal?.throwIfAborted();
      // A new buffer per chunk: rows handed out keep pointing into it.
      const chunk = Buffer.allocUnsafe(chunkBytes);
      const { bytesRead } = await file.read(chunk, 0, chunkBytes, null);
      if (bytesRead === 0) break;
      const bytes = chunk.subarray(0, bytesRead);
      const chunkOffset = fileOffset;
      fileOffset += bytesRead;
      let newline = bytes.indexOf(NEWLINE);
      if (newline === -1) {
        pending.push(bytes);
        pendingLength += bytes.length;
        continue;
      }
      let lineStart = 0;
      if (pendingLength > 0) {
        const line = Buffer.concat([...pending, bytes.subarray(0, newline + 1)]);
        const lineOffset = chunkOffset - pendingLength;
        pending = [];
        pendingLength = 0;
        const row = rowOf(line, 0, line.length - 1, true, lineOffset);
        if (row) {
          signal?.throwIfAborted();
          yield row;
        }
        lineStart = newline + 1;
        newline = bytes.indexOf(NEWLINE, lineStart);
      }
      for (; newline !== -1; newline = bytes.indexOf(NEWLINE, lineStart)) {
        const row = rowOf(bytes, lineStart, newline, true, chunkOffset);
        lineStart = newline + 1;
        if (row) {
          signal?.throwIfAborted();
          yield row;
        }
      }
      if (lineStart < bytes.length) {
        pending.push(bytes.subarray(lineStart));
        pendingLength += bytes.length - lineStart;
      }
    }
    if (pendingLength > 0) {
      const line = pending.length === 1 ? (pending[0] as Buffer) : Buffer.concat(pending);
      // A file of only a BOM has no rows.
      if (!(lineNumber === 0 && line.length === 3 && startsWithBom(line, 0))) {
        const row = rowOf(line, 0, line.length, false, fileOffset - pendingLength);
        if (row) yield row;
      }
    }
  } finally {
    await file.close();
  }
}
