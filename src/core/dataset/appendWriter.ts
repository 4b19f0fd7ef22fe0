/**
 * The append-only JSONL writer for batch output: one complete line per finished row, flushed and
 * fsynced, so that a killed run leaves at most one torn last line; reopening trims that line and
 * remembers the rows already written, so that a resumed run neither loses nor repeats a row.
 */
import { open, stat, truncate, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fsyncDirectory } from './atomicWrite';
import { isJsonObject } from './jsonValue';
import { DISTILLERY_KEY } from './rowEdit';
import { valueIdentity } from './rowIdentity';
import type { RowProblem } from './rowParser';
import { streamJsonlRows } from './rowStream';

/** A stable key for a row: appending a row whose key is already in the file is skipped. */
export type RowKeyFunction<Row> = (row: Row) => string;

/** `row.distillery.source.key` when it is a string, else the row's identity hash. */
export function defaultRowKey(row: unknown): string {
  if (isJsonObject(row)) {
    const metadata = row[DISTILLERY_KEY];
    const source = isJsonObject(metadata) ? metadata.source : undefined;
    const key = isJsonObject(source) ? source.key : undefined;
    if (typeof key === 'string') return key;
  }
  return valueIdentity(row);
}

export interface AppendWriterOptions<Row> {
  readonly rowKey?: RowKeyFunction<Row>;
  /** fsync after each batch of appends (default true); off only where durability does not matter, like tests of speed. */
  readonly fsync?: boolean;
  /** Cancels the reading of an existing file on open. */
  readonly signal?: AbortSignal;
}

/** What opening found in an existing file. */
export interface ResumeReport {
  /** Rows already in the file (their keys are loaded). */
  readonly rows: number;
  /** Bytes cut from the end: a torn last line. */
  readonly trimmedBytes: number;
  /** The last row was whole but lacked its '\n', which was added. */
  readonly terminatedLastRow: boolean;
  /** Malformed lines before the end (not written by this writer); left as they are. */
  readonly problems: readonly RowProblem[];
}

interface PendingLine {
  readonly bytes: Buffer;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

export class JsonlAppendWriter<Row = unknown> {
  private readonly queue: PendingLine[] = [];
  private draining: Promise<void> | undefined;
  private failure: unknown;
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly file: FileHandle,
    private readonly keys: Set<string>,
    private readonly rowKey: RowKeyFunction<Row>,
    private readonly fsync: boolean,
    readonly resumed: ResumeReport,
  ) {}

  /** Opens `path` for appending, creating it if needed; an existing file is resumed. */
  static async open<Row = unknown>(path: string, options: AppendWriterOptions<Row> = {}): Promise<JsonlAppendWriter<Row>> {
    const rowKey: RowKeyFunction<Row> = options.rowKey ?? defaultRowKey;
    const fsync = options.fsync ?? true;
    const keys = new Set<string>();
    const existed = await exists(path);
    const resumed = existed ? await resume(path, keys, rowKey, fsync, options.signal) : emptyReport();
    // O_APPEND: every write lands at the end, whatever else has the file open.
    const file = await open(path, 'a');
    try {
      // A new file's directory entry must be durable too, or a crash could lose the whole file.
      if (fsync && !existed) await fsyncDirectory(dirname(path));
    } catch (error) {
      await file.close();
      throw error;
    }
    return new JsonlAppendWriter(path, file, keys, rowKey, fsync, resumed);
  }

  /** Whether a row with this key is in the file (or queued for it). */
  has(key: string): boolean {
    return this.keys.has(key);
  }

  /** Keys of the rows written or queued so far, resumed ones included. */
  get size(): number {
    return this.keys.size;
  }

  /**
   * Writes `row` as one line, unless a row with its key is already written. Resolves once the line
   * is on disk (true), or at once with false for a duplicate. Concurrent calls are queued: lines
   * never interleave, and a batch of them shares one fsync.
   */
  append(row: Row): Promise<boolean> {
    if (this.closed) return Promise.reject(new Error(`${this.path}: the writer is closed`));
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (!isJsonObject(row)) return Promise.reject(new TypeError(`${this.path}: a row must be a JSON object`));
    let key: string;
    let text: string;
    try {
      key = this.rowKey(row);
      if (this.keys.has(key)) return Promise.resolve(false);
      text = JSON.stringify(row);
    } catch (error) {
      return Promise.reject(error);
    }
    // Claimed before the write, so that a concurrent append of the same key is skipped.
    this.keys.add(key);
    const bytes = Buffer.from(`${text}\n`, 'utf8');
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ bytes, resolve, reject });
      // drain() clears `draining` synchronously when it finds the queue empty, so an append made
      // as a batch resolves always finds either a running drain or none.
      this.draining ??= this.drain();
    }).then(() => true);
  }

  /** Waits for queued rows, then closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.draining;
    await this.file.close();
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0);
      try {
        for (const line of batch) await writeFully(this.file, line.bytes);
        if (this.fsync) await this.file.datasync();
      } catch (error) {
        // The file may now end in a torn line: stop writing; reopening will trim it.
        this.failure = error;
        for (const line of [...batch, ...this.queue.splice(0)]) line.reject(error);
        break;
      }
      for (const line of batch) line.resolve();
    }
    this.draining = undefined;
  }
}

/** One write call for the whole line; the loop only covers a short write (disk full, signals). */
async function writeFully(file: FileHandle, bytes: Buffer): Promise<void> {
  let written = 0;
  while (written < bytes.length) {
    const { bytesWritten } = await file.write(bytes, written, bytes.length - written);
    if (bytesWritten === 0) throw new Error('write made no progress');
    written += bytesWritten;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

function emptyReport(): ResumeReport {
  return { rows: 0, trimmedBytes: 0, terminatedLastRow: false, problems: [] };
}

async function resume<Row>(
  path: string,
  keys: Set<string>,
  rowKey: RowKeyFunction<Row>,
  fsync: boolean,
  signal: AbortSignal | undefined,
): Promise<ResumeReport> {
  let rows = 0;
  const problems: RowProblem[] = [];
  let last: { start: number; end: number; terminated: boolean; whole: boolean } | undefined;
  let fileEnd = 0;
  for await (const row of streamJsonlRows(path, { signal })) {
    if (row.kind === 'object') {
      // Rows this writer wrote are objects of type Row; rows written by hand are keyed the same way.
      keys.add(rowKey(row.value as Row));
      rows++;
    } else if (row.kind === 'invalid' && row.terminator !== '') {
      problems.push(row.problem);
    }
    last = { start: row.start, end: row.end, terminated: row.terminator !== '', whole: row.kind === 'object' };
    fileEnd = row.end + row.terminator.length;
  }
  if (last === undefined || last.terminated) return { rows, trimmedBytes: 0, terminatedLastRow: false, problems };
  if (last.whole) {
    // A complete row cut off only before its '\n' is kept, not lost: finish its line.
    const file = await open(path, 'a');
    try {
      await writeFully(file, Buffer.from('\n'));
      if (fsync) await file.datasync();
    } finally {
      await file.close();
    }
    return { rows, trimmedBytes: 0, terminatedLastRow: true, problems };
  }
  // A torn row: cut the file back to just after the last '\n' (keeping a BOM).
  await truncate(path, last.start);
  if (fsync) {
    const file = await open(path, 'r+');
    try {
      await file.sync();
    } finally {
      await file.close();
    }
  }
  return { rows, trimmedBytes: fileEnd - last.start, terminatedLastRow: false, problems };
}
