/**
 * Faults on demand. A test queues faults (`server.fault(...)`); each incoming request takes the
 * first queued fault that matches it, which then has one use fewer. A rule can also carry a
 * fault, used as long as the rule is. Kinds:
 *
 * - `status`: an error status with an OpenAI-style body (500/503 bursts, 400, 404…)
 * - `unauthorized`: 401 `invalid_api_key`
 * - `insufficientQuota`: 429 `insufficient_quota` (retrying cannot help, yet clients do retry 429s)
 * - `rateLimited`: 429 `rate_limit_exceeded` with retry-after headers, whatever the buckets say
 * - `reset`: the connection is reset (TCP RST) before any response
 * - `dropStream`: the response starts and the connection closes mid-way (after `afterChunks`
 *   SSE events; for a non-streaming request, after half of the body)
 * - `stall`: the response starts and then nothing more comes (after `afterChunks` SSE events;
 *   for a non-streaming request, after the headers) until the client gives up or the server closes
 * - `malformedJson`: 200 with a body (or an SSE event) that is not valid JSON
 * - `schemaViolation`: 200 with content that breaks the requested json_schema (see schema.ts)
 */
import type { RequestMatch, MatchTarget } from './match';
import { requestMatches } from './match';
import type { ViolationMode } from './schema';

interface FaultCommon {
  /** How many requests it hits; 1 by default, Infinity until cleared. Ignored on a rule's fault. */
  count?: number;
  /** Which requests it hits; all chat completion requests by default. */
  match?: RequestMatch;
}

export type FaultSpec = FaultCommon & (
  | {
      kind: 'status';
      status: number;
      message?: string;
      type?: string;
      code?: string | null;
      headers?: Record<string, string>;
      /** Sent as retry-after-ms (and retry-after, rounded up to seconds), to keep client retries short. */
      retryAfterMs?: number;
    }
  | { kind: 'unauthorized' }
  | { kind: 'insufficientQuota' }
  | { kind: 'rateLimited'; retryAfterMs?: number }
  | { kind: 'reset' }
  | { kind: 'dropStream'; afterChunks?: number }
  | { kind: 'stall'; afterChunks?: number }
  | { kind: 'malformedJson' }
  | { kind: 'schemaViolation'; mode?: ViolationMode }
);

export type FaultKind = FaultSpec['kind'];

/** The HTTP answer of a fault that is just an error response. */
export interface ErrorReply {
  status: number;
  headers: Record<string, string>;
  body: { error: { message: string; type: string; param: string | null; code: string | null } };
}

/** Retry headers as OpenAI-compatible services send them: both forms, the seconds rounded up. */
export function retryAfterHeaders(ms: number): Record<string, string> {
  // Never 0: the openai client treats "retry-after-ms: 0" as absent and falls back to retry-after.
  const wait = Math.max(1, Math.ceil(ms));
  return { 'retry-after-ms': String(wait), 'retry-after': String(Math.max(1, Math.ceil(wait / 1000))) };
}

/** The error response of a fault, or undefined for the faults that act on the connection or the content. */
export function errorReplyFor(fault: FaultSpec): ErrorReply | undefined {
  switch (fault.kind) {
    case 'status': {
      const defaults = fault.status >= 500
        ? { message: 'The server had an error while processing your request. Sorry about that!', type: 'server_error' }
        : { message: `Simulated error ${fault.status}.`, type: 'invalid_request_error' };
      return {
        status: fault.status,
        headers: { ...(fault.retryAfterMs !== undefined ? retryAfterHeaders(fault.retryAfterMs) : {}), ...fault.headers },
        body: {
          error: {
            message: fault.message ?? defaults.message,
            type: fault.type ?? defaults.type,
            param: null,
            code: fault.code ?? null,
          },
        },
      };
    }
    case 'unauthorized':
      return {
        status: 401,
        headers: {},
        body: { error: { message: 'Incorrect API key provided.', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } },
      };
    case 'insufficientQuota':
      return {
        status: 429,
        headers: {},
        body: {
          error: {
            message: 'You exceeded your current quota, please check your plan and billing details.',
            type: 'insufficient_quota',
            param: null,
            code: 'insufficient_quota',
          },
        },
      };
    case 'rateLimited':
      return {
        status: 429,
        headers: retryAfterHeaders(fault.retryAfterMs ?? 20),
        body: { error: { message: 'Rate limit reached. Please try again shortly.', type: 'requests', param: null, code: 'rate_limit_exceeded' } },
      };
    default:
      return undefined;
  }
}

interface QueuedFault {
  spec: FaultSpec;
  remaining: number;
}

export class FaultQueue {
  private queue: QueuedFault[] = [];

  push(spec: FaultSpec): void {
    const remaining = spec.count ?? 1;
    if (remaining > 0) this.queue.push({ spec, remaining });
  }

  /** Takes one use of the first queued fault that matches the request. */
  take(target: MatchTarget): FaultSpec | undefined {
    const index = this.queue.findIndex((queued) => requestMatches(queued.spec.match, target));
    const queued = this.queue[index];
    if (!queued) return undefined;
    queued.remaining--;
    if (queued.remaining <= 0) this.queue.splice(index, 1);
    return queued.spec;
  }

  /** Faults still queued, with their remaining uses. */
  pending(): Array<{ kind: FaultKind; remaining: number }> {
    return this.queue.map((queued) => ({ kind: queued.spec.kind, remaining: queued.remaining }));
  }

  clear(): void {
    this.queue = [];
  }
}
