/** Whether a curation input is JSONL or one JSON array. */
import { open } from 'node:fs/promises';
import { looksLikeJsonArray } from '../dataset/jsonArray';

export type CurationFormat = 'jsonl' | 'json';

/** `.json` files and files that open with `[` are JSON arrays; the rest JSONL. */
export async function curationFormat(path: string): Promise<CurationFormat> {
  if (path.toLowerCase().endsWith('.json')) return 'json';
  return (await holdsJsonArray(path)) ? 'json' : 'jsonl';
}

/** Whether the file's content starts as a JSON array (`[` after any BOM and whitespace). */
export async function holdsJsonArray(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(256);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return looksLikeJsonArray(head.subarray(0, bytesRead).toString('utf8'));
  } finally {
    await handle.close();
  }
}

/** The format an output file is written in: a JSON array for `.json`, else JSONL. */
export function outputFormat(path: string): CurationFormat {
  return path.toLowerCase().endsWith('.json') ? 'json' : 'jsonl';
}
