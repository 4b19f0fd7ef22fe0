/**
 * Rate limits by requests and by tokens per window (a minute unless `windowMs` says otherwise),
 * as token buckets that refill continuously, the way OpenAI-compatible services describe theirs
 * in `x-ratelimit-*` headers.
 *
 * Admission takes one request and the request's token cost: its prompt tokens plus
 * `max_tokens` × n when the request sets a maximum. When it does not, the completion tokens are
 * charged after the answer is made (the bucket may go below zero, delaying later requests).
 */

export interface RateLimitOptions {
  /** Requests per window. */
  rpm?: number;
  /** Tokens per window. */
  tpm?: number;
  /** The window, 60 000 ms by default; tests shorten it so that retry waits stay short. */
  windowMs?: number;
  /**
   * How requests are counted: 'bucket' (default) refills continuously, so a full bucket plus its
   * refill admits up to twice `rpm` in the first window; 'window' admits at most `rpm` in any
   * sliding window, the strict reading of "requests per minute" that benchmarks check against.
   */
  requestCounting?: 'bucket' | 'window';
}

/** The requests of the last window: at most `capacity` of them. */
class SlidingWindow {
  private readonly admitted: number[] = [];
  private head = 0;

  constructor(readonly capacity: number, private readonly windowMs: number, private readonly now: () => number) {}

  private prune(): void {
    const since = this.now() - this.windowMs;
    while (this.head < this.admitted.length && (this.admitted[this.head] as number) <= since) this.head++;
    if (this.head > 4096 && this.head * 2 > this.admitted.length) {
      this.admitted.splice(0, this.head);
      this.head = 0;
    }
  }

  available(): number {
    this.prune();
    return this.capacity - (this.admitted.length - this.head);
  }

  take(amount: number): void {
    for (let i = 0; i < amount; i++) this.admitted.push(this.now());
  }

  msUntil(amount: number): number {
    if (this.available() >= amount) return 0;
    const oldestToLeave = this.admitted[this.admitted.length - this.capacity + amount - 1] as number;
    return Math.max(1, oldestToLeave + this.windowMs - this.now());
  }

  msUntilFull(): number {
    this.prune();
    const last = this.admitted[this.admitted.length - 1];
    return this.admitted.length === this.head || last === undefined ? 0 : Math.max(0, last + this.windowMs - this.now());
  }
}

export interface RateDecision {
  allowed: boolean;
  /** Which limit refused the request. */
  limit?: 'requests' | 'tokens';
  /** The request asks for more tokens than the bucket ever holds: waiting cannot help. */
  tooLarge?: boolean;
  retryAfterMs: number;
  message?: string;
}

class TokenBucket {
  private level: number;
  private updatedAt: number;

  constructor(readonly capacity: number, private readonly windowMs: number, private readonly now: () => number) {
    this.level = capacity;
    this.updatedAt = now();
  }

  private refill(): void {
    const now = this.now();
    this.level = Math.min(this.capacity, this.level + ((now - this.updatedAt) * this.capacity) / this.windowMs);
    this.updatedAt = now;
  }

  available(): number {
    this.refill();
    return this.level;
  }

  take(amount: number): void {
    this.refill();
    this.level -= amount;
  }

  /** Milliseconds until `amount` is available. */
  msUntil(amount: number): number {
    const missing = amount - this.available();
    return missing <= 0 ? 0 : (missing * this.windowMs) / this.capacity;
  }

  /** Milliseconds until the bucket is full again. */
  msUntilFull(): number {
    return this.msUntil(this.capacity);
  }
}

/** A duration as OpenAI writes it in x-ratelimit-reset-*: "250ms", "1s", "1.5s", "6m0s". */
export function formatResetDuration(ms: number): string {
  if (ms < 1000) return `${Math.ceil(ms)}ms`;
  const totalSeconds = ms / 1000;
  if (totalSeconds < 60) return `${Number(totalSeconds.toFixed(3))}s`;
  const minutes = Math.floor(totalSeconds / 60);
  return `${minutes}m${Number((totalSeconds - minutes * 60).toFixed(3))}s`;
}

export class RateLimiter {
  private requests: TokenBucket | SlidingWindow | undefined;
  private tokens: TokenBucket | undefined;

  constructor(private readonly options: RateLimitOptions, private readonly now: () => number = Date.now) {
    this.reset();
  }

  reset(): void {
    const windowMs = this.options.windowMs ?? 60_000;
    const rpm = this.options.rpm;
    this.requests = rpm
      ? this.options.requestCounting === 'window' ? new SlidingWindow(rpm, windowMs, this.now) : new TokenBucket(rpm, windowMs, this.now)
      : undefined;
    this.tokens = this.options.tpm ? new TokenBucket(this.options.tpm, windowMs, this.now) : undefined;
  }

  /** Admits a request costing `tokenCost` tokens, or says how long to wait. */
  admit(tokenCost: number): RateDecision {
    const requests = this.requests;
    const tokens = this.tokens;
    if (tokens && tokenCost > tokens.capacity) {
      return {
        allowed: false,
        limit: 'tokens',
        tooLarge: true,
        retryAfterMs: 0,
        message: `Request too large on tokens per min (TPM): Limit ${tokens.capacity}, Requested ${tokenCost}.`,
      };
    }
    const requestWait = requests ? requests.msUntil(1) : 0;
    const tokenWait = tokens ? tokens.msUntil(tokenCost) : 0;
    if (requestWait > 0 || tokenWait > 0) {
      const limit = requestWait >= tokenWait ? 'requests' : 'tokens';
      const wait = Math.max(requestWait, tokenWait);
      const message = limit === 'requests'
        ? `Rate limit reached on requests per min (RPM): Limit ${requests?.capacity}, Requested 1. Please try again in ${formatResetDuration(wait)}.`
        : `Rate limit reached on tokens per min (TPM): Limit ${tokens?.capacity}, Requested ${tokenCost}. Please try again in ${formatResetDuration(wait)}.`;
      return { allowed: false, limit, retryAfterMs: wait, message };
    }
    requests?.take(1);
    tokens?.take(tokenCost);
    return { allowed: true, retryAfterMs: 0 };
  }

  /** Charges tokens known only after the answer was made. */
  charge(tokenCost: number): void {
    this.tokens?.take(tokenCost);
  }

  /** The x-ratelimit-* headers describing the buckets now. */
  headers(): Record<string, string> {
    const headers: Record<string, string> = {};
    if (this.requests) {
      headers['x-ratelimit-limit-requests'] = String(this.requests.capacity);
      headers['x-ratelimit-remaining-requests'] = String(Math.max(0, Math.floor(this.requests.available())));
      headers['x-ratelimit-reset-requests'] = formatResetDuration(this.requests.msUntilFull());
    }
    if (this.tokens) {
      headers['x-ratelimit-limit-tokens'] = String(this.tokens.capacity);
      headers['x-ratelimit-remaining-tokens'] = String(Math.max(0, Math.floor(this.tokens.available())));
      headers['x-ratelimit-reset-tokens'] = formatResetDuration(this.tokens.msUntilFull());
    }
    return headers;
  }
}
