/**
 * Batch request files: the calls a deferring engine did not send, written as OpenAI Batch API
 * input (which `vllm run-batch` reads too), one line per request:
 *
 *     {"custom_id":"<cache key>","method":"POST","url":"/v1/chat/completions","body":{…}}
 *
 * One request per custom_id (the engine's cache key, so identical calls are one request), one
 * profile per file (a batch targets one endpoint and model), and a new file once a file holds
 * `maxRequests` requests or would pass `maxBytes` (the Batch API's limits: 50,000 requests,
 * 200 MB). Files are named `<profile>-0001.jsonl`, `-0002`…, written under temporary names and
 * renamed into place only when the export finishes, with `batch-index.json` listing them.
 *
 * `add` is synchronous (the engine's sink is): lines go to a write stream per open file, so an
 * export of millions of requests holds one file's unwritten tail per profile, not the requests.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import * as path from 'node:path';
import { fsyncDirectory, writeFileAtomic } from '../dataset/atomicWrite';
import type { DeferredRequest } from '../llm/engine';
import {
  BATCH_INDEX_FILE, CHAT_COMPLETIONS_URL, newBatchIndex, readBatchIndexIfAny, withoutCredentials,
  type BatchIndex, type BatchRequestFileEntry,
} from './batchIndex';

/** The OpenAI Batch API's limits per input file. */
export const MAX_BATCH_REQUESTS = 50_000;
/** 200 MB, counted in decimal megabytes: under the limit whichever way the service counts. */
export const MAX_BATCH_BYTES = 200 * 1000 * 1000;

export interface BatchRequestFilesOptions {
  /** Where the files and the index go (made when missing). */
  readonly directory: string;
  /** Requests per file at most; {@link MAX_BATCH_REQUESTS} by default. */
  readonly maxRequests?: number;
  /** Bytes per file at most; {@link MAX_BATCH_BYTES} by default. */
  readonly maxBytes?: number;
  /** Recorded in the index as what the requests came from (a pipeline's name). */
  readonly source?: string;
  readonly now?: () => Date;
}

/** What an export wrote. */
export interface BatchExport {
  readonly directory: string;
  readonly index: BatchIndex;
  /** `<directory>/batch-index.json`. */
  readonly indexFile: string;
  /** Calls given more than once (same custom_id): written once. */
  readonly duplicates: number;
  /** Requests larger than `maxBytes` on their own: each is alone in its file, which the service may refuse. */
  readonly oversized: ReadonlyArray<{ readonly customId: string; readonly profile: string; readonly bytes: number }>;
  /** Files of the previous export in the directory that this one replaced and removed. */
  readonly removed: readonly string[];
}

/** One request line, exactly as the Batch API wants it (and no `stream`). */
export function batchRequestLine(request: Pick<DeferredRequest, 'customId' | 'body'>): string {
  const body: Record<string, unknown> = { ...request.body };
  delete body.stream;
  return `${JSON.stringify({ custom_id: request.customId, method: 'POST', url: CHAT_COMPLETIONS_URL, body })}\n`;
}

interface OpenFile {
  readonly name: string;
  readonly temporary: string;
  readonly stream: WriteStream;
  requests: number;
  bytes: number;
}

interface ProfileFiles {
  readonly profile: string;
  readonly model: string;
  readonly baseURL: string;
  /** The file-name stem: the profile's name made safe for a file name. */
  readonly stem: string;
  readonly done: OpenFile[];
  current: OpenFile | undefined;
}

export class BatchRequestWriter {
  private readonly seen = new Set<string>();
  private readonly byProfile = new Map<string, ProfileFiles>();
  private readonly stems = new Set<string>();
  private readonly maxRequests: number;
  private readonly maxBytes: number;
  private readonly oversized: Array<{ customId: string; profile: string; bytes: number }> = [];
  private duplicates = 0;
  private failure: unknown;
  private closed = false;

  private constructor(private readonly options: BatchRequestFilesOptions) {
    this.maxRequests = options.maxRequests ?? MAX_BATCH_REQUESTS;
    this.maxBytes = options.maxBytes ?? MAX_BATCH_BYTES;
  }

  static async create(options: BatchRequestFilesOptions): Promise<BatchRequestWriter> {
    const { maxRequests, maxBytes } = options;
    if (maxRequests !== undefined && (!Number.isSafeInteger(maxRequests) || maxRequests < 1)) throw new RangeError(`maxRequests must be a whole number ≥ 1, not ${maxRequests}`);
    if (maxBytes !== undefined && (!Number.isSafeInteger(maxBytes) || maxBytes < 1)) throw new RangeError(`maxBytes must be a whole number ≥ 1, not ${maxBytes}`);
    await mkdir(options.directory, { recursive: true });
    return new BatchRequestWriter(options);
  }

  /** Distinct requests added so far. */
  get requests(): number {
    return this.seen.size;
  }

  /** Adds one deferred call (the engine's `deferRequests` sink); a second call with the same custom_id is counted, not written. */
  add(request: DeferredRequest): void {
    if (this.closed) throw new Error('the batch export has finished; no more requests can be added');
    if (this.seen.has(request.customId)) {
      this.duplicates++;
      return;
    }
    this.seen.add(request.customId);
    const line = batchRequestLine(request);
    const bytes = Buffer.byteLength(line);
    const files = this.filesOf(request);
    let current = files.current;
    if (current && (current.requests >= this.maxRequests || current.bytes + bytes > this.maxBytes)) {
      files.done.push(current);
      current.stream.end();
      current = undefined;
    }
    if (!current) {
      current = this.openFile(files);
      files.current = current;
    }
    if (bytes > this.maxBytes) this.oversized.push({ customId: request.customId, profile: request.profile, bytes });
    current.stream.write(line);
    current.requests++;
    current.bytes += bytes;
  }

  /**
   * Closes every file, renames them into place, writes `batch-index.json`, and removes the files
   * of the export it replaces (those its index listed that this one did not write again).
   */
  async finish(): Promise<BatchExport> {
    this.closed = true;
    const { directory } = this.options;
    const all = [...this.byProfile.values()].flatMap((files) => (files.current ? [...files.done, files.current] : files.done).map((file) => ({ files, file })));
    await Promise.all(all.map(({ file }) => closeStream(file.stream)));
    if (this.failure !== undefined) {
      await this.discardFiles(all.map(({ file }) => file));
      throw this.failure;
    }
    const previous = await readBatchIndexIfAny(directory);
    const entries: BatchRequestFileEntry[] = [];
    try {
      for (const { files, file } of all) {
        await syncFile(file.temporary);
        await rename(file.temporary, path.join(directory, file.name));
        entries.push({ file: file.name, profile: files.profile, model: files.model, baseURL: files.baseURL, requests: file.requests, bytes: file.bytes });
      }
    } catch (error) {
      await this.discardFiles(all.map(({ file }) => file));
      throw error;
    }
    await fsyncDirectory(directory);
    const index = newBatchIndex(entries, (this.options.now ?? (() => new Date()))(), this.options.source);
    const indexFile = path.join(directory, BATCH_INDEX_FILE);
    await writeFileAtomic(indexFile, `${JSON.stringify(index, null, 2)}\n`);
    const kept = new Set(entries.map((entry) => entry.file));
    const removed: string[] = [];
    for (const entry of previous?.files ?? []) {
      if (kept.has(entry.file)) continue;
      await unlink(path.join(directory, entry.file)).then(() => removed.push(entry.file), () => undefined);
    }
    return { directory, index, indexFile, duplicates: this.duplicates, oversized: [...this.oversized], removed };
  }

  /** Stops without writing anything: temporary files are removed, the previous export stays as it was. */
  async discard(): Promise<void> {
    this.closed = true;
    const all = [...this.byProfile.values()].flatMap((files) => (files.current ? [...files.done, files.current] : files.done));
    await Promise.all(all.map((file) => closeStream(file.stream)));
    await this.discardFiles(all);
  }

  private filesOf(request: DeferredRequest): ProfileFiles {
    let files = this.byProfile.get(request.profile);
    if (!files) {
      let stem = safeStem(request.profile);
      for (let n = 2; this.stems.has(stem.toLowerCase()); n++) stem = `${safeStem(request.profile)}_${n}`;
      this.stems.add(stem.toLowerCase());
      files = { profile: request.profile, model: request.body.model, baseURL: withoutCredentials(request.baseURL), stem, done: [], current: undefined };
      this.byProfile.set(request.profile, files);
    }
    return files;
  }

  private openFile(files: ProfileFiles): OpenFile {
    const number = files.done.length + 1;
    const name = `${files.stem}-${String(number).padStart(4, '0')}.jsonl`;
    const temporary = path.join(this.options.directory, `.${name}.${randomBytes(6).toString('hex')}.tmp`);
    const stream = createWriteStream(temporary, { flags: 'wx' });
    stream.on('error', (error) => {
      this.failure ??= error;
    });
    return { name, temporary, stream, requests: 0, bytes: 0 };
  }

  private async discardFiles(files: readonly OpenFile[]): Promise<void> {
    await Promise.all(files.map((file) => unlink(file.temporary).catch(() => undefined)));
  }
}

/** A profile name as a file-name stem: letters, digits, `.`, `_` and `-` kept, anything else `_`. */
function safeStem(profile: string): string {
  const stem = profile.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_');
  return stem === '' ? 'profile' : stem.slice(0, 80);
}

function closeStream(stream: WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.closed) {
      resolve();
      return;
    }
    stream.once('close', () => resolve());
    // An error closes the stream too (autoClose); the writer keeps the error for finish().
    if (!stream.writableEnded) stream.end();
  });
}

async function syncFile(file: string): Promise<void> {
  const handle = await open(file, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
