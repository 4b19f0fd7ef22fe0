/**
 * Every request the server receives is recorded, in arrival order, for assertions: what the
 * client sent (headers included, Authorization too, so that tests can look for leaked keys) and
 * what the server did with it.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { FaultKind } from './faults';
import type { JudgeVerdict } from './judge';
import type { CompletionUsage } from './protocol';

export interface RecordedRequest {
  /** Position in `server.requests`. */
  index: number;
  method: string;
  /** The path without the query string. */
  path: string;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  rawBody: string;
  /** The body parsed as JSON; undefined when empty or not JSON. */
  body: unknown;
  /** Arrival, in ms since the epoch. */
  time: number;
  /** The latency planned for it before answering (0 when none). */
  plannedDelayMs: number;
  /** The status sent; undefined until sent, and for a reset connection. */
  status: number | undefined;
  /** The headers sent with the status (lower-case names). */
  responseHeaders: Record<string, string>;
  /** The fault it met, if any. */
  fault: FaultKind | undefined;
  /** The rate limit that refused it (429), if any. */
  rateLimited: 'requests' | 'tokens' | undefined;
  /** The rule that answered it, if any. */
  rule: string | undefined;
  /** Verdicts of the simulated judge, one per judged choice, with the truth it was given. */
  judgements: JudgeVerdict[];
  usage: CompletionUsage | undefined;
  /** The connection closed before the response was complete: the client went away, or a fault cut it. */
  closedEarly: boolean;
}

export function flattenHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}
