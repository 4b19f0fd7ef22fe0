import { readFile } from 'node:fs/promises';
import { lineColumnAt } from '../errors/located';
import { looksLikeJsonArray, parseJsonArray } from './jsonArray';
import { JsonlBuffer } from './jsonlBuffer';

export type DatasetFormat = 'jsonl' | 'json';

/** Where a row is: a line of a JSONL file, or an element of a JSON array file. */
export type RowLocation = { readonly line: number; readonly column: number } | { readonly index: number; readonly line: number; readonly column: number };

export interface LocatedRow {
  readonly location: RowLocation;
  readonly value: Record<string, unknown>;
}

export interface LocatedProblem {
  readonly location: RowLocation;
  readonly message: string;
}

export interface DatasetFileContents {
  readonly format: DatasetFormat;
  readonly rows: readonly LocatedRow[];
  /** Lines or elements that are not rows; never silently dropped. */
  readonly problems: readonly LocatedProblem[];
}

/** `.json` files and files whose content opens with `[` are JSON arrays; the rest JSONL. */
export function formatOf(path: string, text: string): DatasetFormat {
  return path.toLowerCase().endsWith('.json') || looksLikeJsonArray(text) ? 'json' : 'jsonl';
}

/**
 * Reads a whole dataset file, JSONL or JSON array, into located rows. For files that fit in
 * memory (conversions, small tools); large JSONL jobs stream with streamJsonlRows instead.
 */
export async function readDatasetFile(path: string): Promise<DatasetFileContents> {
  const bytes = await readFile(path);
  const text = bytes.toString('utf8');
  if (formatOf(path, text) === 'json') {
    const parsed = parseJsonArray(text);
    if (!parsed.ok) {
      return { format: 'json', rows: [], problems: [{ location: lineColumnAt(text, parsed.offset), message: parsed.message }] };
    }
    // JSON.parse gives no offsets; they are only computed for the elements that are reported.
    const problemIndexes = new Set(parsed.problems.map((problem) => problem.index));
    const rows: LocatedRow[] = [];
    let index = 0;
    for (const value of parsed.rows) {
      while (problemIndexes.has(index)) index++;
      rows.push({ location: { index, line: 0, column: 0 }, value });
      index++;
    }
    const problems = parsed.problems.map((problem) => ({
      location: { index: problem.index, ...lineColumnAt(text, problem.offset) },
      message: problem.message,
    }));
    return { format: 'json', rows, problems };
  }
  const rows: LocatedRow[] = [];
  const problems: LocatedProblem[] = [];
  for (const row of new JsonlBuffer(bytes).rows()) {
    if (row.kind === 'object') rows.push({ location: { line: row.line, column: 1 }, value: row.value });
    else if (row.kind === 'invalid') problems.push({ location: { line: row.problem.line, column: row.problem.column }, message: row.problem.message });
  }
  return { format: 'jsonl', rows, problems };
}

/** `FILE:LINE:COLUMN` for a JSONL row, `FILE[INDEX]` (and the place when known) for an array element. */
export function describeLocation(file: string, location: RowLocation): string {
  if ('index' in location) return location.line > 0 ? `${file}:${location.line}:${location.column} (element ${location.index})` : `${file}[${location.index}]`;
  return `${file}:${location.line}:${location.column}`;
}
