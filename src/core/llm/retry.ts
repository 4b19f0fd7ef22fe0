import OpenAI from 'openai';
import { AttemptError } from './errors';

export interface RetryPolicy {
  /** Attempts in all for errors that carry no retry-after (5xx, resets, timeouts, dropped streams). */
  readonly maxAttempts: number;
  /** First backoff; doubled each retry. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /**
   * Attempts in all for 429s that say how long to wait. Unlimited by default: a rate limit is not
   * a failure, the wait is honoured however long it is, and the caller's signal can still stop it.
   */
  readonly maxRateLimitedAttempts: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 5,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  maxRateLimitedAttempts: Infinity,
};

/** What to do about one failed attempt. */
export type Verdict =
  | { kind: 'fatal'; status: number; code: string | undefined; why: string }
  | { kind: 'reject'; status: number | undefined; why: string }
  | { kind: 'retry'; status: number | undefined; retryAfterMs: number | undefined; rateLimited: boolean; why: string };

const retryableStatuses = new Set([408, 409, 429]);
const networkCodes = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_SOCKET', 'ECONNABORTED', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * Sorts an error from the `openai` client (created with `maxRetries: 0`) or from our own attempt
 * checks. `now` is for an HTTP-date Retry-After. The `why` strings never contain the request,
 * its headers or the key.
 */
export function classify(error: unknown, now: number): Verdict {
  if (error instanceof AttemptError) return { kind: 'retry', status: undefined, retryAfterMs: undefined, rateLimited: false, why: error.message };
  if (error instanceof OpenAI.APIError && error.status !== undefined) {
    const status = error.status;
    const code = typeof error.code === 'string' ? error.code : undefined;
    if (status === 401 || status === 403) return { kind: 'fatal', status, code, why: `HTTP ${status}` };
    if (status === 429 && (code === 'insufficient_quota' || error.type === 'insufficient_quota')) {
      return { kind: 'fatal', status, code: 'insufficient_quota', why: 'HTTP 429 insufficient_quota' };
    }
    if (retryableStatuses.has(status) || status >= 500) {
      const retryAfterMs = retryAfter(error.headers, now);
      return { kind: 'retry', status, retryAfterMs, rateLimited: status === 429 && retryAfterMs !== undefined, why: `HTTP ${status}` };
    }
    return { kind: 'reject', status, why: `HTTP ${status}: ${error.message}` };
  }
  if (error instanceof OpenAI.APIConnectionError) {
    return { kind: 'retry', status: undefined, retryAfterMs: undefined, rateLimited: false, why: `connection error: ${error.message}` };
  }
  // Raw errors the client lets through: a dropped stream (TypeError: terminated), a malformed
  // event or body (SyntaxError), socket errors.
  if (error instanceof TypeError || error instanceof SyntaxError || hasNetworkCode(error)) {
    return { kind: 'retry', status: undefined, retryAfterMs: undefined, rateLimited: false, why: `${(error as Error).name}: ${(error as Error).message}` };
  }
  return { kind: 'reject', status: undefined, why: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
}

function hasNetworkCode(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && networkCodes.has(code)) return true;
  }
  return false;
}

/**
 * The wait a response asks for: `retry-after-ms` (milliseconds), else `Retry-After` in seconds or
 * as an HTTP date. No upper cap: the engine honours long waits by pausing the profile.
 */
export function retryAfter(headers: Headers | Record<string, string> | undefined, now: number): number | undefined {
  if (!headers) return undefined;
  const get = (name: string): string | undefined =>
    (headers instanceof Headers ? headers.get(name) : headers[name]) ?? undefined;
  const ms = get('retry-after-ms');
  if (ms !== undefined && ms.trim() !== '') {
    const value = Number(ms);
    if (Number.isFinite(value) && value >= 0) return value;
  }
  const after = get('retry-after');
  if (after !== undefined && after.trim() !== '') {
    const trimmed = after.trim();
    if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
    const date = Date.parse(trimmed);
    if (Number.isFinite(date)) return Math.max(0, date - now);
  }
  return undefined;
}

/** Exponential backoff for retry `retry` (0 for the first retry), less up to 25 % jitter. */
export function backoffDelay(retry: number, policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>, random: () => number): number {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(retry, 30));
  return Math.round(exponential * (1 - 0.25 * random()));
}
