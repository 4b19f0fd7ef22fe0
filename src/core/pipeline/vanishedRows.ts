/**
 * Rows of a model step's output whose input row is gone. A pipeline step resumes over its input
 * as it is now; when an upstream step ran again and dropped or changed rows (a stricter filter, a
 * new dedup), the rows this step made from those input rows are still in its output, and would
 * flow on downstream as if their prompts were still wanted. They are removed here before the step
 * resumes, with their entries in the errors file.
 *
 * Only for outputs the pipeline owns: a batch run from the command line or the editor keeps every
 * row of the file it was given.
 */
import { open, stat, type FileHandle } from 'node:fs/promises';
import { streamJsonlRows } from '../dataset/rowStream';
import { AtomicRowWriter } from '../curation/atomicRowWriter';
import { errorsFileFor, readFailedRows, writeFailedRows } from './errorsFile';
import { InputRowKeys, malformedLineKey } from './inputKeys';
import { sourceOf } from './rowBatch';

export interface VanishedRows {
  /** Output rows removed: made from input rows no longer in the input. */
  readonly rows: number;
  /** Errors-file entries removed: failures of input rows no longer in the input. */
  readonly failures: number;
}

/** Removes from `output` (and its errors file) what was made from rows no longer in `input`. */
export async function removeVanishedRows(input: string, output: string, signal?: AbortSignal): Promise<VanishedRows> {
  if (!(await exists(output))) return { rows: 0, failures: 0 };
  const current = await inputKeys(input, signal);
  const rows = await rewriteWithout(output, current, signal);
  const errorsFile = errorsFileFor(output);
  const failed = await readFailedRows(errorsFile, signal);
  let failures = 0;
  for (const key of [...failed.keys()]) {
    if (current.has(key)) continue;
    failed.delete(key);
    failures++;
  }
  if (failures > 0) await writeFailedRows(errorsFile, failed.values());
  return { rows, failures };
}

/** Every key the batch runner gives the input's rows (objects by value and occurrence, malformed lines by line). */
async function inputKeys(input: string, signal: AbortSignal | undefined): Promise<Set<string>> {
  const keys = new InputRowKeys();
  const current = new Set<string>();
  for await (const row of streamJsonlRows(input, signal ? { signal } : {})) {
    if (row.kind === 'object') current.add(keys.next(row.value));
    else if (row.kind === 'invalid') current.add(malformedLineKey(row.line));
  }
  return current;
}

/**
 * Rewrites `output` without the rows whose source input key is not in `current`, atomically and
 * only when there is one; kept lines go over byte for byte. Returns how many were removed.
 */
async function rewriteWithout(output: string, current: ReadonlySet<string>, signal: AbortSignal | undefined): Promise<number> {
  let vanished = 0;
  for await (const row of streamJsonlRows(output, signal ? { signal } : {})) {
    if (row.kind === 'object' && isVanished(row.value, current)) vanished++;
  }
  if (vanished === 0) return 0;
  const writer = await AtomicRowWriter.open(output, { format: 'jsonl' });
  const source = await open(output, 'r');
  try {
    for await (const row of streamJsonlRows(output, signal ? { signal } : {})) {
      if (row.kind === 'blank') continue;
      if (row.kind === 'object' && isVanished(row.value, current)) continue;
      // A torn last line (a killed run) is left out: the append writer would trim it anyway.
      if (row.kind === 'invalid' && row.terminator === '') continue;
      await writer.writeRow({}, await bytesOf(source, row.start, row.end), row.terminator === '' ? '\n' : row.terminator);
    }
    await writer.commit();
  } catch (error) {
    await writer.abort();
    throw error;
  } finally {
    await source.close();
  }
  return vanished;
}

function isVanished(value: Record<string, unknown>, current: ReadonlySet<string>): boolean {
  const input = sourceOf(value)?.input;
  // A row the batch runner did not write (no source key) is not this check's to judge.
  return typeof input === 'string' && !current.has(input);
}

async function bytesOf(file: FileHandle, start: number, end: number): Promise<Buffer> {
  const bytes = Buffer.allocUnsafe(end - start);
  const { bytesRead } = await file.read(bytes, 0, bytes.length, start);
  return bytes.subarray(0, bytesRead);
}

async function exists(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}
