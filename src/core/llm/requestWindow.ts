/**
 * The requests-per-minute limit: at most `perMinute` requests in any 60 s window. A token bucket
 * would let a full bucket go at once and refill behind it, so the first minute could see twice the
 * limit; services count a sliding minute. A request counts from its grant until 60 s after its
 * attempt ends (the service may receive it later than we sent it), so the window holds on their side.
 */
export class RequestWindow {
  /** A ring of the latest requests: Infinity while in flight, else when the attempt ended. */
  private readonly times: number[];
  private next = 0;
  private used = 0;

  constructor(readonly perMinute: number) {
    this.times = new Array<number>(Math.max(1, Math.floor(perMinute))).fill(0);
  }

  /** Milliseconds until one more request may start; Infinity while the window is full of requests in flight (an end will tell). */
  waitFor(now: number): number {
    if (this.used < this.times.length) return 0;
    const oldest = this.times[this.next] as number;
    return oldest === Infinity ? Infinity : Math.max(0, oldest + 60_000 - now);
  }

  /** Records a request that starts now; returns its slot, for `end`. */
  take(): number {
    const slot = this.next;
    this.times[slot] = Infinity;
    this.next = (this.next + 1) % this.times.length;
    this.used = Math.min(this.used + 1, this.times.length);
    return slot;
  }

  /** The request in `slot` is over: it leaves the window 60 s from now. */
  end(slot: number, now: number): void {
    this.times[slot] = now;
  }
}
