/**
 * The response cache: replies on disk under the hash of everything that decides them (endpoint,
 * model, messages, every sampling option sent, the sample index), so that a re-run is answered
 * without a request. Never the key: two people with different keys share entries.
 *
 * One file per entry, `<dir>/<first 2 hex>/<hash>.json`, written to a temporary file and renamed
 * into place. Each file repeats its own hash and a checksum of the reply it holds; a file that
 * does not parse, names another hash or fails its checksum is a miss, and the fresh reply is then
 * written over it. Entries are not fsynced: a cache entry lost in a crash is only a miss, and
 * a torn one fails its checksum.
 */
import * as crypto from 'node:crypto';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, rename, unlink, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import type OpenAI from 'openai';
import type { CompletionUsage, TokenLogprob } from './client';

/** What a cache entry gives back: the reply, as the model gave it. */
export interface CachedReply {
  readonly content: string;
  readonly finishReason: string;
  readonly usage: CompletionUsage | undefined;
  readonly model: string;
  /** Token log-probabilities, when the request asked for them (a judge's P(A) reads them). */
  readonly logprobs?: readonly TokenLogprob[];
}

/** Everything that decides a reply, and nothing else (never the key, never `stream`). */
export interface CacheKeyMaterial {
  /** The endpoint's base URL; normalised before hashing. */
  readonly baseURL: string;
  /** The request body as sent (`requestParams`): model, messages, sampling options, response_format; a `stream` member is ignored. */
  readonly params: OpenAI.ChatCompletionCreateParamsNonStreaming;
  /** Which of several samples of one request (from 0). */
  readonly sample: number;
}

const ENTRY_VERSION = 1;

/** The sha256 (hex) of the canonical JSON of the key material. */
export function cacheKey(material: CacheKeyMaterial): string {
  let params: object = material.params;
  if ('stream' in params) {
    const { stream: _stream, ...rest } = params as { stream?: unknown };
    params = rest;
  }
  return sha256(canonicalJson({ v: ENTRY_VERSION, baseURL: normaliseBaseURL(material.baseURL), params, sample: material.sample }));
}

/** Lower-case scheme and host, no default port, no trailing slash: one endpoint, one spelling. */
export function normaliseBaseURL(baseURL: string): string {
  // A run has a handful of endpoints and asks for each on every call: parse each once.
  let normal = normalisedURLs.get(baseURL);
  if (normal === undefined) {
    normal = parseAndNormalise(baseURL);
    if (normalisedURLs.size >= 256) normalisedURLs.clear();
    normalisedURLs.set(baseURL, normal);
  }
  return normal;
}

const normalisedURLs = new Map<string, string>();

function parseAndNormalise(baseURL: string): string {
  try {
    const url = new URL(baseURL);
    url.hash = '';
    return url.href.replace(/\/+$/, '');
  } catch {
    return baseURL.trim().replace(/\/+$/, '');
  }
}

/** JSON with object keys sorted at every level, undefined members left out (as JSON.stringify does). */
export function canonicalJson(value: unknown): string {
  // Hot on every call (the cache key): string building without intermediate arrays.
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      out += (i > 0 ? ',' : '') + (item === undefined || typeof item === 'function' ? 'null' : canonicalJson(item));
    }
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  if (keys.length > 1) keys.sort();
  let out = '{';
  let first = true;
  for (const key of keys) {
    const member = record[key];
    if (member === undefined || typeof member === 'function') continue;
    out += `${first ? '' : ','}${quotedKey(key)}:${canonicalJson(member)}`;
    first = false;
  }
  return `${out}}`;
}

/** Member names repeat on every call (role, content, model…): quote each once. */
const quotedKeys = new Map<string, string>();
function quotedKey(key: string): string {
  let quoted = quotedKeys.get(key);
  if (quoted === undefined) {
    quoted = JSON.stringify(key);
    if (quotedKeys.size < 1024) quotedKeys.set(key, quoted);
  }
  return quoted;
}

export interface ResponseCacheOptions {
  /**
   * Replies kept in memory, least recently used dropped first; 0 (none) by default: an entry read
   * from the page cache costs about as much, and a large layer adds garbage-collection work to a
   * cold replay (bench/cacheReplay.bench.ts). For caches on slow (network) disks.
   */
  readonly memoryEntries?: number;
  /** Characters of content kept in memory at most; 32 M by default. */
  readonly memoryChars?: number;
}

/** The file's shape. `check` covers the hash and the reply, so an edited or torn entry is a miss. */
interface EntryFile {
  v: number;
  key: string;
  reply: CachedReply;
  check: string;
}

export class ResponseCache {
  private readonly memory = new Map<string, CachedReply>();
  private memoryCharsUsed = 0;
  private readonly memoryEntries: number;
  private readonly memoryChars: number;
  private readonly madeDirectories = new Set<string>();
  private hits = 0;
  private misses = 0;
  private corrupt = 0;

  constructor(
    readonly directory: string,
    options: ResponseCacheOptions = {},
  ) {
    this.memoryEntries = options.memoryEntries ?? 0;
    this.memoryChars = options.memoryChars ?? 32 * 1024 * 1024;
  }

  /** Where the entry of `key` lives. */
  entryPath(key: string): string {
    return path.join(this.directory, key.slice(0, 2), `${key}.json`);
  }

  /**
   * The stored reply, or undefined: no entry, or one that is unreadable, for another key, or fails
   * its checksum. Synchronous (see readText): a hit costs no promise and no thread-pool trip.
   */
  get(key: string): CachedReply | undefined {
    const remembered = this.memory.get(key);
    if (remembered) {
      this.memory.delete(key);
      this.memory.set(key, remembered);
      this.hits++;
      return remembered;
    }
    const text = readText(this.entryPath(key));
    if (text === undefined) {
      this.misses++;
      return undefined;
    }
    const reply = parseEntry(text, key);
    if (!reply) {
      this.corrupt++;
      this.misses++;
      return undefined;
    }
    this.hits++;
    this.remember(key, reply);
    return reply;
  }

  /** Stores a reply (over whatever was there). */
  async put(key: string, reply: CachedReply): Promise<void> {
    const stored: CachedReply = {
      content: reply.content,
      finishReason: reply.finishReason,
      usage: reply.usage ? { promptTokens: reply.usage.promptTokens, completionTokens: reply.usage.completionTokens, totalTokens: reply.usage.totalTokens } : undefined,
      model: reply.model,
      ...(reply.logprobs !== undefined ? { logprobs: reply.logprobs } : {}),
    };
    const entry: EntryFile = { v: ENTRY_VERSION, key, reply: stored, check: checksum(key, stored) };
    const target = this.entryPath(key);
    const directory = path.dirname(target);
    if (!this.madeDirectories.has(directory)) {
      await mkdir(directory, { recursive: true });
      this.madeDirectories.add(directory);
    }
    const temporary = path.join(directory, `.${key}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      await writeFile(temporary, JSON.stringify(entry), { flag: 'wx' });
      await rename(temporary, target);
    } catch (error) {
      await unlink(temporary).catch(() => undefined);
      throw error;
    }
    this.remember(key, stored);
  }

  /** Reads since the cache was made: answered, not found, found but unusable (counted in misses too). */
  stats(): { hits: number; misses: number; corrupt: number } {
    return { hits: this.hits, misses: this.misses, corrupt: this.corrupt };
  }

  /** Forgets the in-memory layer (the files stay). */
  clearMemory(): void {
    this.memory.clear();
    this.memoryCharsUsed = 0;
  }

  private remember(key: string, reply: CachedReply): void {
    if (this.memoryEntries <= 0 || reply.content.length > this.memoryChars) return;
    const previous = this.memory.get(key);
    if (previous) {
      this.memory.delete(key);
      this.memoryCharsUsed -= previous.content.length;
    }
    this.memory.set(key, reply);
    this.memoryCharsUsed += reply.content.length;
    while (this.memory.size > this.memoryEntries || this.memoryCharsUsed > this.memoryChars) {
      const oldest = this.memory.keys().next();
      if (oldest.done) break;
      const dropped = this.memory.get(oldest.value);
      this.memory.delete(oldest.value);
      this.memoryCharsUsed -= dropped?.content.length ?? 0;
    }
  }
}

/** One-shot `crypto.hash` (Node ≥ 20.12) where there is one: several times faster than createHash for small inputs. */
const sha256: (text: string) => string = typeof crypto.hash === 'function'
  ? (text) => crypto.hash('sha256', text, 'hex')
  : (text) => crypto.createHash('sha256').update(text).digest('hex');

/** Over the hash and every field of the reply, in a fixed order (cheaper than canonical JSON, and read on every hit). */
function checksum(key: string, reply: CachedReply): string {
  const usage = reply.usage ? `${reply.usage.promptTokens},${reply.usage.completionTokens},${reply.usage.totalTokens}` : '-';
  // Entries without log-probabilities keep the checksum they had before these were stored.
  const logprobs = reply.logprobs !== undefined ? `\n${JSON.stringify(reply.logprobs)}` : '';
  return sha256(`${key}\n${reply.model}\n${reply.finishReason}\n${usage}\n${reply.content}${logprobs}`);
}

/**
 * A synchronous read, on purpose: an entry is a small file, usually in the page cache, and one
 * readFileSync (~20 µs) costs less than the four thread-pool round trips of an async readFile
 * (open, stat, read, close), which capped replay well below 20,000 entries/s on a loaded 2-core
 * machine (bench/cacheReplay.bench.ts). The event loop waits only that long.
 */
function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return undefined;
    throw error;
  }
}

function parseEntry(text: string, key: string): CachedReply | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const entry = value as Partial<EntryFile>;
  if (entry.v !== ENTRY_VERSION || entry.key !== key || typeof entry.check !== 'string') return undefined;
  const reply = entry.reply as Partial<CachedReply> | undefined;
  if (!reply || typeof reply.content !== 'string' || typeof reply.finishReason !== 'string' || typeof reply.model !== 'string') return undefined;
  const usage = reply.usage as Partial<CompletionUsage> | undefined;
  if (usage !== undefined && (typeof usage !== 'object' || typeof usage.promptTokens !== 'number' || typeof usage.completionTokens !== 'number' || typeof usage.totalTokens !== 'number')) {
    return undefined;
  }
  if (reply.logprobs !== undefined && !Array.isArray(reply.logprobs)) return undefined;
  const clean: CachedReply = {
    content: reply.content, finishReason: reply.finishReason, usage: usage as CompletionUsage | undefined, model: reply.model,
    ...(reply.logprobs !== undefined ? { logprobs: reply.logprobs } : {}),
  };
  return checksum(key, clean) === entry.check ? clean : undefined;
}
