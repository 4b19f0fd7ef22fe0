/**
 * Rows of a JSONL file too large to hold: read in chunks, yielded one at a time, with the same
 * results (lines, offsets, values, problems) as {@link JsonlBuffer} over the whole file.
 */
import { open } from 'node:fs/promises';
import type { JsonlRow, RowParseOptions } from './rowParser';
import { JsonlRowSplitter } from './rowSplitter';

export interface ReadProgress {
  readonly bytesRead: number;
  /** The file's size when it was opened. */
  readonly totalBytes: number;
}

export interface RowStreamOptions extends RowParseOptions {
  /** Stops the reading: the iterator throws the signal's reason. */
  readonly signal?: AbortSignal;
  /** Called after each chunk is read. */
  readonly onProgress?: (progress: ReadProgress) => void;
  /** Bytes read at a time. Default 1 MiB. */
  readonly chunkBytes?: number;
}

const DEFAULT_CHUNK_BYTES = 1024 * 1024;

export async function* streamJsonlRows(path: string, options: RowStreamOptions = {}): AsyncGenerator<JsonlRow, void, undefined> {
  const { signal, onProgress } = options;
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  if (!Number.isInteger(chunkBytes) || chunkBytes < 1) throw new RangeError(`chunkBytes must be a positive integer, not ${chunkBytes}`);
  signal?.throwIfAborted();
  const file = await open(path, 'r');
  try {
    const totalBytes = (await file.stat()).size;
    const splitter = new JsonlRowSplitter(options);
    // One buffer, reused: the splitter copies the unfinished tail of each chunk.
    const chunk = Buffer.allocUnsafe(chunkBytes);
    let bytesRead = 0;
    for (;;) {
      signal?.throwIfAborted();
      const { bytesRead: count } = await file.read(chunk, 0, chunkBytes, null);
      if (count === 0) break;
      bytesRead += count;
      const rows = splitter.push(chunk.subarray(0, count));
      onProgress?.({ bytesRead, totalBytes });
      for (const row of rows) {
        signal?.throwIfAborted();
        yield row;
      }
    }
    for (const row of splitter.end()) yield row;
  } finally {
    await file.close();
  }
}
