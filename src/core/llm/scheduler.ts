import type { Clock } from './clock';
import { abortReason } from './clock';
import { RequestWindow } from './requestWindow';
import { TokenBucket } from './tokenBucket';
import { WaitQueue } from './waitQueue';

export interface SchedulerLimits {
  readonly concurrency: number;
  readonly requestsPerMinute?: number;
  readonly tokensPerMinute?: number;
}

/** The right to send one request; `release` it when the attempt is over, with its real token count if known. */
export interface Permit {
  release(actualTokens?: number): void;
}

interface Waiter {
  tokens: number;
  resolve: (permit: Permit) => void;
  reject: (reason: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

/**
 * The queue of one profile. Requests are granted strictly in arrival order, each when: fewer than
 * `concurrency` are in flight, fewer than requests-per-minute requests fall in the last minute
 * (see RequestWindow), the tokens-per-minute bucket has its estimate (capped at the bucket size), and the profile is not paused (a
 * retry-after from the service pauses every call of the profile, not only the one that got it).
 */
export class ProfileScheduler {
  private active = 0;
  private readonly waiters = new WaitQueue<Waiter>();
  private pausedUntil = 0;
  private readonly requestWindow: RequestWindow | undefined;
  private readonly tokenBucket: TokenBucket | undefined;
  private wake: AbortController | undefined;
  private wakeAt = Infinity;

  constructor(
    private readonly limits: SchedulerLimits,
    private readonly clock: Clock,
  ) {
    if (!(limits.concurrency >= 1)) throw new RangeError('concurrency must be at least 1');
    const now = clock.now();
    this.requestWindow = limits.requestsPerMinute ? new RequestWindow(limits.requestsPerMinute) : undefined;
    this.tokenBucket = limits.tokensPerMinute ? new TokenBucket(limits.tokensPerMinute, now) : undefined;
  }

  /** Calls in flight now. */
  inFlight(): number {
    return this.active;
  }

  /** Calls waiting for a permit. */
  queued(): number {
    return this.waiters.size;
  }

  /** Until when the profile is paused (epoch ms; 0 or past: not paused). */
  pausedUntilTime(): number {
    return this.pausedUntil;
  }

  /** Waits for a permit for a request estimated at `tokens`; rejects with the signal's reason on abort. */
  acquire(tokens: number, signal?: AbortSignal): Promise<Permit> {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    return new Promise<Permit>((resolve, reject) => {
      const waiter: Waiter = {
        tokens,
        resolve,
        reject,
        signal,
        onAbort: () => {
          this.waiters.remove(waiter);
          reject(abortReason(signal as AbortSignal));
          this.pump();
        },
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.waiters.push(waiter);
      this.pump();
    });
  }

  /** Holds every call of the profile for `ms` from now (the longest pause wins). */
  pause(ms: number): void {
    const until = this.clock.now() + Math.max(0, ms);
    if (until > this.pausedUntil) this.pausedUntil = until;
    this.pump();
  }

  /**
   * A permit at once, without waiting, when one is free and no call is queued before this one;
   * otherwise undefined (then `acquire`). A call that can start starts in the caller's own turn:
   * a batch handing the engine thousands of calls at once has its first requests on their way
   * while it is still queueing the rest, and a call spends no promise step waiting for nothing.
   */
  tryAcquire(tokens: number, signal?: AbortSignal): Permit | undefined {
    if (signal?.aborted || this.waiters.size > 0 || this.active >= this.limits.concurrency) return undefined;
    const now = this.clock.now();
    if (this.waitBefore(tokens, now) > 0) return undefined;
    return this.grant(tokens, now);
  }

  private pump(): void {
    for (;;) {
      const head = this.waiters.peek();
      if (!head) {
        this.cancelWake();
        return;
      }
      if (this.active >= this.limits.concurrency) return; // a release pumps again
      const now = this.clock.now();
      const wait = this.waitBefore(head.tokens, now);
      if (wait > 0) {
        // Infinity: the request window is full of calls in flight; the next release pumps again.
        if (wait !== Infinity) this.scheduleWake(now + wait);
        return;
      }
      this.waiters.shift();
      head.signal?.removeEventListener('abort', head.onAbort);
      head.resolve(this.grant(head.tokens, now));
    }
  }

  /** How long a request of `tokens` must wait for the pause, the request window and the token bucket (0: it may go). */
  private waitBefore(tokens: number, now: number): number {
    return Math.max(
      this.pausedUntil - now,
      this.requestWindow?.waitFor(now) ?? 0,
      this.tokenBucket?.waitFor(tokens, now) ?? 0,
      0,
    );
  }

  /** Counts a request that starts now against every limit; its permit gives the counts back. */
  private grant(tokens: number, now: number): Permit {
    const slot = this.requestWindow?.take();
    this.tokenBucket?.take(tokens, now);
    this.active++;
    return this.permit(tokens, slot);
  }

  private permit(estimate: number, slot: number | undefined): Permit {
    let released = false;
    return {
      release: (actualTokens?: number) => {
        if (released) return;
        released = true;
        this.active--;
        if (slot !== undefined) this.requestWindow?.end(slot, this.clock.now());
        if (actualTokens !== undefined) this.tokenBucket?.adjust(actualTokens - Math.min(estimate, this.tokenBucket.perMinute), this.clock.now());
        this.pump();
      },
    };
  }

  private scheduleWake(at: number): void {
    if (this.wake && this.wakeAt <= at) return;
    this.cancelWake();
    const controller = new AbortController();
    this.wake = controller;
    this.wakeAt = at;
    this.clock.sleep(at - this.clock.now(), controller.signal).then(
      () => {
        if (this.wake === controller) {
          this.wake = undefined;
          this.wakeAt = Infinity;
          this.pump();
        }
      },
      () => undefined,
    );
  }

  private cancelWake(): void {
    this.wake?.abort();
    this.wake = undefined;
    this.wakeAt = Infinity;
  }
}

/**
 * The token estimate made before a call: about 4 characters a token over the message text, plus 4
 * tokens of framing per message, plus the whole `max_tokens` the reply may use. It errs high, so
 * a tokens-per-minute limit is not overrun; the bucket is corrected by the reported usage after.
 */
export function estimateTokens(messages: ReadonlyArray<{ content?: unknown }>, maxTokens: number): number {
  let chars = 0;
  for (const message of messages) {
    chars += typeof message.content === 'string' ? message.content.length : JSON.stringify(message.content ?? '').length;
  }
  return Math.ceil(chars / 4) + 4 * messages.length + maxTokens;
}
