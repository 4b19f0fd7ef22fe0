/**
 * Importing batch results: the output files of the OpenAI Batch API (which `vllm run-batch`
 * writes too), one line per request:
 *
 *     {"id":"…","custom_id":"<cache key>","response":{"status_code":200,"request_id":"…","body":<chat.completion>},"error":null}
 *
 * Each good reply goes into the response cache under its custom_id (the cache key of the call
 * that was deferred), so the next run of the pipeline is answered from the cache. A line is not
 * imported, and is reported at its FILE:LINE with the reason, when its custom_id is not a request
 * of the export, the service reports an error or a status other than 200, the body is not a chat
 * completion, or the content breaks the json_schema the request asked for. Those requests stay
 * uncached, so the next export asks for them again. A last line cut short (a file still being
 * written) is one such report, not a crash.
 */
import { stat } from 'node:fs/promises';
import * as path from 'node:path';
import { streamJsonlRows } from '../dataset/rowStream';
import type { JsonObject } from '../dataset/jsonValue';
import { InputError } from '../errors/located';
import type { TokenLogprob } from '../llm/client';
import { checkJsonReply, type JsonSchemaLike } from '../llm/jsonShape';
import { canonicalJson, type CachedReply, type ResponseCache } from '../llm/responseCache';
import { BATCH_INDEX_FILE, readBatchIndex, type BatchIndex } from './batchIndex';

export interface ImportBatchOptions {
  readonly cache: ResponseCache;
  /** The export's directory: its `batch-index.json` and request files say which replies to accept. */
  readonly requestsDirectory: string;
  /** Result files (absolute), in the batch output format. */
  readonly resultFiles: readonly string[];
  /** How reports name a file (relative to where the user is); the path by default. */
  readonly displayName?: (file: string) => string;
  readonly signal?: AbortSignal;
}

/** A result line that was not imported, and why. */
export interface ImportProblem {
  /** As `displayName` shows it. */
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based, when the problem is in the line's JSON. */
  readonly column?: number;
  readonly customId?: string;
  readonly reason: string;
}

export interface ProfileImportCounts {
  readonly profile: string;
  readonly model: string;
  readonly imported: number;
  readonly failed: number;
  readonly skipped: number;
  /** Tokens of the imported replies, as the service reported them. */
  readonly promptTokens: number;
  readonly completionTokens: number;
}

export interface ImportReport {
  readonly index: BatchIndex;
  /** Replies put into the cache. */
  readonly imported: number;
  /** Lines not imported; each is in `problems`. */
  readonly failed: number;
  /** Good replies not imported because the cache already had the request's reply (an earlier import, an earlier line). */
  readonly skipped: number;
  /** In file order, line order. */
  readonly problems: readonly ImportProblem[];
  /** Per profile of the export, in its order. */
  readonly profiles: readonly ProfileImportCounts[];
  /** Requests of the export that still have no reply in the cache: the next export asks for them again. */
  readonly unanswered: number;
}

/** What import needs to know of one exported request. */
interface KnownRequest {
  /** Index into `profiles`. */
  readonly profile: number;
  /** Index into the distinct json_schemas; -1 without one. */
  readonly schema: number;
  /** Settled by this import: imported, or found already cached. */
  settled: boolean;
}

interface Schema {
  readonly name: string;
  readonly schema: JsonSchemaLike;
}

interface MutableCounts {
  profile: string;
  model: string;
  imported: number;
  failed: number;
  skipped: number;
  promptTokens: number;
  completionTokens: number;
}

/** Cache writes in flight at once: enough to hide the file system's latency. */
const PUT_WINDOW = 32;

export async function importBatchResults(options: ImportBatchOptions): Promise<ImportReport> {
  const { cache, requestsDirectory, signal } = options;
  const shown = options.displayName ?? ((file: string) => file);
  const index = await readBatchIndex(requestsDirectory, shown(requestsDirectory));
  const profiles: MutableCounts[] = [];
  const profileIndex = new Map<string, number>();
  for (const entry of index.files) {
    if (profileIndex.has(entry.profile)) continue;
    profileIndex.set(entry.profile, profiles.length);
    profiles.push({ profile: entry.profile, model: entry.model, imported: 0, failed: 0, skipped: 0, promptTokens: 0, completionTokens: 0 });
  }
  const { known, schemas } = await readRequests(index, requestsDirectory, shown, profileIndex, signal);
  // Every file readable before anything is imported: a mistyped name is bad input, not half an import.
  for (const resultFile of options.resultFiles) {
    try {
      const info = await stat(resultFile);
      if (!info.isFile()) throw new InputError(`${shown(resultFile)}: not a file`);
    } catch (error) {
      if (error instanceof InputError) throw error;
      throw new InputError(`${shown(resultFile)}: cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
  }

  const problems: ImportProblem[] = [];
  let imported = 0;
  let skipped = 0;
  const writes = new Set<Promise<void>>();
  let writeFailure: unknown;

  for (const resultFile of options.resultFiles) {
    const file = shown(resultFile);
    const reject = (line: number, reason: string, customId?: string, column?: number): void => {
      problems.push({ file, line, reason, ...(column !== undefined ? { column } : {}), ...(customId !== undefined ? { customId } : {}) });
      const request = customId === undefined ? undefined : known.get(customId);
      const counts = request ? profiles[request.profile] : undefined;
      if (counts) counts.failed++;
    };
    for await (const row of streamJsonlRows(resultFile, signal ? { signal } : {})) {
      if (row.kind === 'blank') continue;
      if (row.kind === 'invalid') {
        const torn = row.terminator === '' && row.problem.code === 'syntax';
        reject(row.line, torn
          ? 'the last line is cut short (is the batch still writing this file?); import the file again once it is complete'
          : `not a JSON object: ${row.problem.message}`, undefined, row.problem.column);
        continue;
      }
      const verdict = judgeLine(row.value, known, schemas, profiles);
      if ('reason' in verdict) {
        reject(row.line, verdict.reason, verdict.customId);
        continue;
      }
      const request = known.get(verdict.customId) as KnownRequest;
      const counts = profiles[request.profile] as MutableCounts;
      if (request.settled || cachedAlready(cache, verdict.customId)) {
        request.settled = true;
        skipped++;
        counts.skipped++;
        continue;
      }
      request.settled = true;
      imported++;
      counts.imported++;
      counts.promptTokens += verdict.reply.usage?.promptTokens ?? 0;
      counts.completionTokens += verdict.reply.usage?.completionTokens ?? 0;
      const write = cache.put(verdict.customId, verdict.reply).catch((error: unknown) => {
        writeFailure ??= error;
      });
      writes.add(write);
      void write.finally(() => writes.delete(write));
      if (writes.size >= PUT_WINDOW) await Promise.race(writes);
      if (writeFailure !== undefined) throw writeFailure;
    }
  }
  await Promise.all(writes);
  if (writeFailure !== undefined) throw writeFailure;

  let unanswered = 0;
  for (const [customId, request] of known) {
    if (!request.settled && !cachedAlready(cache, customId)) unanswered++;
  }
  return { index, imported, failed: problems.length, skipped, problems, profiles, unanswered };
}

/** Every request of the export, by custom_id, with its profile and json_schema; a broken request file is an InputError at its line. */
async function readRequests(
  index: BatchIndex,
  directory: string,
  shown: (file: string) => string,
  profileIndex: ReadonlyMap<string, number>,
  signal: AbortSignal | undefined,
): Promise<{ known: Map<string, KnownRequest>; schemas: Schema[] }> {
  const known = new Map<string, KnownRequest>();
  const schemas: Schema[] = [];
  const schemaIndex = new Map<string, number>();
  for (const entry of index.files) {
    const file = path.join(directory, entry.file);
    const name = shown(file);
    const profile = profileIndex.get(entry.profile) as number;
    try {
      for await (const row of streamJsonlRows(file, signal ? { signal } : {})) {
        if (row.kind === 'blank') continue;
        if (row.kind === 'invalid') throw new InputError(`${name}:${row.problem.line}:${row.problem.column}: ${row.problem.message}`);
        const customId = row.value.custom_id;
        if (typeof customId !== 'string' || customId === '') throw new InputError(`${name}:${row.line}: "custom_id" must be a non-empty string`);
        const body = row.value.body;
        if (!isRecord(body)) throw new InputError(`${name}:${row.line}: "body" must be an object`);
        let schema = -1;
        const format = body.response_format;
        if (isRecord(format) && format.type === 'json_schema' && isRecord(format.json_schema) && isRecord(format.json_schema.schema)) {
          const text = canonicalJson(format.json_schema.schema);
          let at = schemaIndex.get(text);
          if (at === undefined) {
            at = schemas.length;
            schemas.push({ name: typeof format.json_schema.name === 'string' ? format.json_schema.name : 'schema', schema: format.json_schema.schema as JsonSchemaLike });
            schemaIndex.set(text, at);
          }
          schema = at;
        }
        known.set(customId, { profile, schema, settled: false });
      }
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new InputError(`${name}: a request file that ${shown(path.join(directory, BATCH_INDEX_FILE))} lists is missing`);
      throw error;
    }
  }
  return { known, schemas };
}

type LineVerdict = { readonly customId: string; readonly reply: CachedReply } | { readonly reason: string; readonly customId?: string };

/** Whether one result line is a reply to import, and the reply; or why not. */
function judgeLine(line: JsonObject, known: ReadonlyMap<string, KnownRequest>, schemas: readonly Schema[], profiles: readonly MutableCounts[]): LineVerdict {
  const customId = line.custom_id;
  if (typeof customId !== 'string' || customId === '') return { reason: 'no "custom_id": not a line of a batch output file' };
  const request = known.get(customId);
  if (!request) return { reason: `custom_id "${short(customId)}" is not a request of this export (its requests are listed in ${BATCH_INDEX_FILE}); was it exported to another directory?`, customId };
  const error = line.error;
  if (error !== null && error !== undefined) return { reason: `the batch service reported an error: ${describeError(error)}`, customId };
  const response = line.response;
  if (!isRecord(response)) return { reason: 'no "response"', customId };
  const status = response.status_code;
  if (status !== 200) {
    const detail = isRecord(response.body) && response.body.error !== undefined ? `: ${describeError(response.body.error)}` : '';
    return { reason: `the request failed with HTTP status ${typeof status === 'number' ? status : JSON.stringify(status) ?? 'missing'}${detail}`, customId };
  }
  const parsed = replyOf(response.body, profiles[request.profile]?.model ?? '');
  if (typeof parsed === 'string') return { reason: `the body is not a chat completion: ${parsed}`, customId };
  const schema = request.schema >= 0 ? schemas[request.schema] : undefined;
  if (schema) {
    const problems = checkJsonReply(parsed.content, schema.schema);
    if (problems.length > 0) return { reason: `the reply does not match the json_schema "${schema.name}": ${problems.slice(0, 3).join('; ')}`, customId };
  }
  return { customId, reply: parsed };
}

/** A chat completion body as the cache stores it, or what is wrong with it. Mirrors what the client accepts. */
function replyOf(body: unknown, profileModel: string): CachedReply | string {
  if (!isRecord(body)) return 'it is not an object';
  if (body.object !== undefined && body.object !== 'chat.completion') return `"object" is ${JSON.stringify(body.object)}, not "chat.completion"`;
  if (!Array.isArray(body.choices) || body.choices.length === 0) return 'it has no "choices"';
  const choice: unknown = body.choices[0];
  if (!isRecord(choice) || !isRecord(choice.message)) return 'its first choice has no "message"';
  const content = choice.message.content;
  if (content !== null && content !== undefined && typeof content !== 'string') return 'the message\'s "content" is not a string';
  const finishReason = choice.finish_reason;
  if (typeof finishReason !== 'string' || finishReason === '') return 'its first choice has no "finish_reason" (an unfinished reply)';
  const usage = usageOf(body.usage);
  if (typeof usage === 'string') return usage;
  const logprobs = logprobsOf(choice.logprobs);
  if (typeof logprobs === 'string') return logprobs;
  return {
    content: content ?? '',
    finishReason,
    usage,
    model: typeof body.model === 'string' && body.model !== '' ? body.model : profileModel,
    ...(logprobs !== undefined ? { logprobs } : {}),
  };
}

function usageOf(usage: unknown): CachedReply['usage'] | string {
  if (usage === undefined || usage === null) return undefined;
  if (!isRecord(usage)) return '"usage" is not an object';
  const { prompt_tokens: prompt, completion_tokens: completion, total_tokens: total } = usage;
  if (!isCount(prompt) || !isCount(completion)) return '"usage" lacks prompt_tokens or completion_tokens';
  return { promptTokens: prompt, completionTokens: completion, totalTokens: isCount(total) ? total : prompt + completion };
}

function logprobsOf(logprobs: unknown): TokenLogprob[] | undefined | string {
  if (logprobs === undefined || logprobs === null) return undefined;
  if (!isRecord(logprobs)) return '"logprobs" is not an object';
  if (logprobs.content === null || logprobs.content === undefined) return undefined;
  if (!Array.isArray(logprobs.content)) return '"logprobs.content" is not an array';
  const tokens: TokenLogprob[] = [];
  for (const entry of logprobs.content as unknown[]) {
    if (!isRecord(entry) || typeof entry.token !== 'string' || typeof entry.logprob !== 'number') return '"logprobs.content" has an entry without token and logprob';
    const top = Array.isArray(entry.top_logprobs) ? entry.top_logprobs : [];
    tokens.push({
      token: entry.token,
      logprob: entry.logprob,
      top: top.filter((alternative): alternative is { token: string; logprob: number } => isRecord(alternative) && typeof alternative.token === 'string' && typeof alternative.logprob === 'number')
        .map((alternative) => ({ token: alternative.token, logprob: alternative.logprob })),
    });
  }
  return tokens;
}

/** An error as the services write it: an object with code and message (OpenAI), or a string (vLLM). */
function describeError(error: unknown): string {
  if (typeof error === 'string') return oneLine(error);
  if (isRecord(error)) {
    const code = typeof error.code === 'string' ? error.code : typeof error.type === 'string' ? error.type : undefined;
    const message = typeof error.message === 'string' ? error.message : JSON.stringify(error);
    return oneLine(code !== undefined ? `${code}: ${message}` : message);
  }
  return oneLine(JSON.stringify(error) ?? String(error));
}

function cachedAlready(cache: ResponseCache, customId: string): boolean {
  try {
    return cache.get(customId) !== undefined;
  } catch {
    return false;
  }
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 300 ? `${flat.slice(0, 300)}…` : flat;
}

function short(customId: string): string {
  return customId.length > 80 ? `${customId.slice(0, 80)}…` : customId;
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
