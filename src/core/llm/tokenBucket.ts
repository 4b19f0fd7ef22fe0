/**
 * A token bucket that refills continuously at `perMinute` per 60 s up to `perMinute`. It may go
 * below zero when a call turns out to cost more than was estimated; later calls then wait until
 * the debt is paid back.
 */
export class TokenBucket {
  private level: number;
  private last: number;

  constructor(
    readonly perMinute: number,
    now: number,
  ) {
    this.level = perMinute;
    this.last = now;
  }

  /** Milliseconds until `amount` can be taken (0: now). Amounts above the capacity are capped. */
  waitFor(amount: number, now: number): number {
    this.refill(now);
    const needed = Math.min(amount, this.perMinute);
    if (this.level >= needed) return 0;
    return Math.ceil(((needed - this.level) * 60_000) / this.perMinute);
  }

  take(amount: number, now: number): void {
    this.refill(now);
    this.level -= Math.min(amount, this.perMinute);
  }

  /** Corrects an earlier `take` by the difference between what was used and what was taken. */
  adjust(delta: number, now: number): void {
    this.refill(now);
    this.level = Math.min(this.perMinute, this.level - delta);
  }

  available(now: number): number {
    this.refill(now);
    return this.level;
  }

  private refill(now: number): void {
    if (now > this.last) {
      this.level = Math.min(this.perMinute, this.level + ((now - this.last) * this.perMinute) / 60_000);
      this.last = now;
    }
  }
}
