/**
 * Statistics of whole datasets: a JSONL buffer (the editor's text), a JSONL file streamed from
 * disk, or a JSON array (LLaMA-Factory's `data/*.json`), which is parsed whole.
 */
import { open, readFile } from 'node:fs/promises';
import type { JsonlBuffer } from '../dataset/jsonlBuffer';
import { looksLikeJsonArray, parseJsonArray } from '../dataset/jsonArray';
import { streamJsonlRows } from '../dataset/rowStream';
import { DatasetStatistics, type StatisticsOptions } from './datasetStatistics';
import type { DatasetStatisticsReport } from './report';

export interface StatisticsRunOptions extends StatisticsOptions {
  /** Stops the work: the promise rejects with the signal's reason. */
  readonly signal?: AbortSignal;
  /** Work done so far, in the unit of `total` (lines of a buffer, bytes of a file). */
  readonly onProgress?: (done: number, total: number) => void;
}

/** The file's format, as the statistics read it. */
export type DatasetFormat = 'jsonl' | 'json-array';

export interface FileStatistics {
  readonly format: DatasetFormat;
  readonly bytes: number;
  readonly report: DatasetStatisticsReport;
}

/** A JSON array that cannot be read: where and why. */
export class JsonArrayError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(message);
    this.name = 'JsonArrayError';
  }
}

/** Rows to tokenize at most before the panel samples: hh-rlhf (2,312 rows) is counted whole. */
export const TOKEN_ROW_BUDGET = 50_000;

/** Tokenize every n-th row so that about `budget` rows are counted. */
export function sampleEveryFor(rows: number, budget = TOKEN_ROW_BUDGET): number {
  return Math.max(1, Math.ceil(rows / budget));
}

const YIELD_AFTER_MS = 20;

/** Lets other work run (the extension host's event loop) during a long computation. */
function breather(signal: AbortSignal | undefined): () => Promise<void> | undefined {
  let last = Date.now();
  return () => {
    if (Date.now() - last < YIELD_AFTER_MS) return undefined;
    return new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      last = Date.now();
      signal?.throwIfAborted();
    });
  };
}

/** Statistics of JSONL held in memory, yielding to the event loop every few milliseconds. */
export async function statisticsOfJsonl(data: JsonlBuffer, options: StatisticsRunOptions = {}): Promise<DatasetStatisticsReport> {
  const { signal, onProgress } = options;
  signal?.throwIfAborted();
  const statistics = new DatasetStatistics(options);
  const pause = breather(signal);
  const total = data.lineCount;
  for (let line = 1; line <= total; line++) {
    statistics.addRow(data.row(line));
    if ((line & 255) === 0) {
      const waiting = pause();
      if (waiting) {
        onProgress?.(line, total);
        await waiting;
      }
    }
  }
  onProgress?.(total, total);
  return statistics.report();
}

/** The 1-based line and column of each offset; offsets must be in increasing order. */
function linesOf(text: string, offsets: readonly number[]): { line: number; column: number }[] {
  const located: { line: number; column: number }[] = [];
  let line = 1;
  let lineStart = 0;
  let at = 0;
  for (const offset of offsets) {
    for (let i = text.indexOf('\n', at); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
      line++;
      lineStart = i + 1;
    }
    at = lineStart;
    located.push({ line, column: offset - lineStart + 1 });
  }
  return located;
}

/**
 * Where each top-level element of a JSON array starts, by one pass over the text (which
 * `JSON.parse` has already accepted): far cheaper than building a syntax tree.
 */
export function arrayElementOffsets(text: string): number[] {
  const offsets: number[] = [];
  let depth = 0;
  let inString = false;
  let expectElement = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0xfeff) continue;
    if (depth === 1 && expectElement && c !== 0x5d) {
      offsets.push(i);
      expectElement = false;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth === 1) expectElement = true;
    } else if (c === 0x5d || c === 0x7d) depth--;
    else if (c === 0x2c && depth === 1) expectElement = true;
  }
  return offsets;
}

/** Statistics of a JSON array file's text; throws {@link JsonArrayError} when it is not a JSON array. */
export function statisticsOfJsonArray(text: string, options: StatisticsOptions = {}): DatasetStatisticsReport {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    // parseJsonArray locates the syntax error (JSON.parse's message does not, portably).
    const parsed = parseJsonArray(body);
    const offset = parsed.ok ? 0 : parsed.offset;
    const [where] = linesOf(body, [offset]);
    throw new JsonArrayError(parsed.ok ? 'invalid JSON' : parsed.message, where?.line ?? 1, where?.column ?? 1);
  }
  if (!Array.isArray(value)) {
    const parsed = parseJsonArray(body);
    throw new JsonArrayError(parsed.ok ? 'not a JSON array' : parsed.message, 1, 1);
  }
  const elements: unknown[] = value;
  const where = linesOf(body, arrayElementOffsets(body));
  const statistics = new DatasetStatistics(options);
  elements.forEach((element, index) => {
    const at = where[index] ?? { line: 1, column: 1 };
    statistics.addValue(element, at.line, at.column);
  });
  return statistics.report();
}

/** Whether a file holds a JSON array: named `.json`, or its first non-blank character is `[`. */
export async function detectFormat(path: string): Promise<DatasetFormat> {
  if (/\.json$/i.test(path)) return 'json-array';
  const file = await open(path, 'r');
  try {
    const head = Buffer.alloc(4096);
    const { bytesRead } = await file.read(head, 0, head.length, 0);
    return looksLikeJsonArray(head.toString('utf8', 0, bytesRead)) ? 'json-array' : 'jsonl';
  } finally {
    await file.close();
  }
}

/** Statistics of a file on disk: JSONL streamed (any size), a JSON array read whole. */
export async function statisticsOfFile(path: string, options: StatisticsRunOptions = {}): Promise<FileStatistics> {
  const { signal, onProgress } = options;
  const format = await detectFormat(path);
  if (format === 'json-array') {
    const bytes = await readFile(path, signal ? { signal } : {});
    onProgress?.(bytes.length, bytes.length);
    return { format, bytes: bytes.length, report: statisticsOfJsonArray(bytes.toString('utf8'), options) };
  }
  const statistics = new DatasetStatistics(options);
  let bytes = 0;
  const rows = streamJsonlRows(path, {
    ...(signal ? { signal } : {}),
    onProgress: (progress) => {
      bytes = progress.totalBytes;
      onProgress?.(progress.bytesRead, progress.totalBytes);
    },
  });
  for await (const row of rows) statistics.addRow(row);
  return { format, bytes, report: statistics.report() };
}
