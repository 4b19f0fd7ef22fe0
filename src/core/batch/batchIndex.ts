/**
 * `batch-index.json`: what one batch export wrote, beside its request files. Import reads it to
 * find the request files (and, through them, which custom_ids it may accept). It holds no key:
 * profiles, models and base URLs only, and a base URL loses any credentials written into it.
 */
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { InputError } from '../errors/located';

export const BATCH_INDEX_FILE = 'batch-index.json';
/** The one endpoint Distillery's requests go to; the `url` of every request line. */
export const CHAT_COMPLETIONS_URL = '/v1/chat/completions';
const INDEX_VERSION = 1;

/** One request file: the requests of one profile, at most the export's limits. */
export interface BatchRequestFileEntry {
  /** The file's name in the export directory, e.g. `teacher-0001.jsonl`. */
  readonly file: string;
  readonly profile: string;
  readonly model: string;
  /** Where the profile sends requests (normalised, without credentials). */
  readonly baseURL: string;
  readonly requests: number;
  readonly bytes: number;
}

export interface BatchIndex {
  readonly version: number;
  /** When the export was written (ISO 8601). */
  readonly created: string;
  readonly endpoint: typeof CHAT_COMPLETIONS_URL;
  /** What the requests came from (a pipeline's name), when the caller said. */
  readonly source?: string;
  /** Distinct requests in all the files. */
  readonly requests: number;
  readonly files: readonly BatchRequestFileEntry[];
}

export function newBatchIndex(files: readonly BatchRequestFileEntry[], created: Date, source: string | undefined): BatchIndex {
  return {
    version: INDEX_VERSION,
    created: created.toISOString(),
    endpoint: CHAT_COMPLETIONS_URL,
    ...(source !== undefined ? { source } : {}),
    requests: files.reduce((sum, file) => sum + file.requests, 0),
    files,
  };
}

/** `https://user:secret@host/v1` → `https://host/v1`: an index is shared, a password in a URL is not. */
export function withoutCredentials(baseURL: string): string {
  try {
    const url = new URL(baseURL);
    if (url.username === '' && url.password === '') return baseURL;
    url.username = '';
    url.password = '';
    return url.href.replace(/\/+$/, '');
  } catch {
    return baseURL;
  }
}

/** The index in `directory`, checked; a missing or malformed one is an InputError naming the file and the field. */
export async function readBatchIndex(directory: string, shownDirectory = directory): Promise<BatchIndex> {
  const file = path.join(directory, BATCH_INDEX_FILE);
  const shown = path.join(shownDirectory, BATCH_INDEX_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new InputError(`${shown}: cannot read the batch export's index (${code}); export first with "distillery batch export"`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InputError(`${shown}: not valid JSON (${(error as Error).message})`);
  }
  return checkIndex(value, shown);
}

/** The index if `directory` has a readable one, else undefined (no export there yet). */
export async function readBatchIndexIfAny(directory: string): Promise<BatchIndex | undefined> {
  try {
    return await readBatchIndex(directory);
  } catch {
    return undefined;
  }
}

function checkIndex(value: unknown, shown: string): BatchIndex {
  const bad = (field: string, what: string): never => {
    throw new InputError(`${shown}: "${field}" ${what}`);
  };
  if (!isRecord(value)) return bad('$', 'must be an object');
  if (value.version !== INDEX_VERSION) bad('version', `must be ${INDEX_VERSION}`);
  if (value.endpoint !== CHAT_COMPLETIONS_URL) bad('endpoint', `must be "${CHAT_COMPLETIONS_URL}"`);
  if (!Array.isArray(value.files)) return bad('files', 'must be an array');
  const names = new Set<string>();
  const files = value.files.map((entry: unknown, index): BatchRequestFileEntry => {
    const at = `files[${index}]`;
    if (!isRecord(entry)) return bad(at, 'must be an object');
    for (const field of ['file', 'profile', 'model', 'baseURL'] as const) {
      if (typeof entry[field] !== 'string' || entry[field] === '') bad(`${at}.${field}`, 'must be a non-empty string');
    }
    for (const field of ['requests', 'bytes'] as const) {
      const count = entry[field];
      if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 0) bad(`${at}.${field}`, 'must be a whole number ≥ 0');
    }
    const file = entry.file as string;
    // A name, never a path: an index must not point import at files outside its directory.
    if (file !== path.basename(file) || file === '.' || file === '..') bad(`${at}.file`, 'must be a file name in the same directory');
    if (names.has(file)) bad(`${at}.file`, `names "${file}" twice`);
    names.add(file);
    return {
      file, profile: entry.profile as string, model: entry.model as string, baseURL: entry.baseURL as string,
      requests: entry.requests as number, bytes: entry.bytes as number,
    };
  });
  const created = typeof value.created === 'string' ? value.created : '';
  return {
    version: INDEX_VERSION,
    created,
    endpoint: CHAT_COMPLETIONS_URL,
    ...(typeof value.source === 'string' ? { source: value.source } : {}),
    requests: files.reduce((sum, file) => sum + file.requests, 0),
    files,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
