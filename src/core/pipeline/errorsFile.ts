/**
 * The errors file of a batch run, `<output>.errors.jsonl`: one line per input row that is still
 * failed, with where it is in the input, its key, the error and the row itself. It is rewritten
 * whole and atomically at the end of each run, from the failures of that run plus the earlier
 * failures the run did not settle (rows it did not reach), so that no failure is lost and none
 * is listed twice; the rows it lists are retried by the next run, since they are not in the output.
 */
import { unlink } from 'node:fs/promises';
import { writeFileAtomic } from '../dataset/atomicWrite';
import { streamJsonlRows } from '../dataset/rowStream';

export interface FailedRow {
  /** 1-based line of the row in the input file. */
  readonly line: number;
  /** 1-based column of a parse error, for a malformed line. */
  readonly column?: number;
  readonly key: string;
  /** What went wrong, for people (free of secrets). */
  readonly error: string;
  /** The error stopped the whole run (a refused key, no quota left). */
  readonly fatal?: boolean;
  /** The input row, when it parsed. */
  readonly row?: unknown;
  /** The line's text, when it did not parse (cut at {@link MAX_TEXT_CHARS}). */
  readonly text?: string;
}

/** A malformed line's text is kept up to this many characters: enough to recognise it. */
export const MAX_TEXT_CHARS = 16_384;

export function errorsFileFor(output: string): string {
  return `${output}.errors.jsonl`;
}

/** The failures an earlier run recorded; an absent file is none, and unreadable lines are ignored. */
export async function readFailedRows(path: string, signal?: AbortSignal): Promise<Map<string, FailedRow>> {
  const failures = new Map<string, FailedRow>();
  try {
    for await (const row of streamJsonlRows(path, { signal })) {
      if (row.kind !== 'object') continue;
      const { line, key, error } = row.value;
      if (typeof key !== 'string' || typeof line !== 'number' || typeof error !== 'string') continue;
      failures.set(key, row.value as unknown as FailedRow);
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return failures;
    throw error;
  }
  return failures;
}

/**
 * Replaces the errors file with `failures` in input order, atomically; removes it when there are
 * none. Returns the path when it was written.
 */
export async function writeFailedRows(path: string, failures: Iterable<FailedRow>): Promise<string | undefined> {
  const sorted = [...failures].sort((a, b) => a.line - b.line || a.key.localeCompare(b.key));
  if (sorted.length === 0) {
    await unlink(path).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
    return undefined;
  }
  // JSON.stringify leaves out undefined members.
  await writeFileAtomic(path, sorted.map((failure) => `${JSON.stringify(failure)}\n`).join(''));
  return path;
}
