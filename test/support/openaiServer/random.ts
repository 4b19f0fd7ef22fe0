/**
 * Seeded randomness. Every random choice the test server makes (generated text, judge noise,
 * latency, logprobs) draws from an `Rng` derived from the server seed and the request, so that
 * the same seed and the same requests replay the same answers.
 */

/** A 32-bit FNV-1a hash of `text`, continued from `basis` so that hashes can be chained. */
export function hash32(text: string, basis = 0x811c9dc5): number {
  let hash = basis >>> 0;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** One 32-bit seed from any mix of numbers and strings (order matters). */
export function deriveSeed(...parts: ReadonlyArray<string | number>): number {
  let hash = 0x811c9dc5;
  for (const part of parts) {
    // The separator keeps ('ab', 'c') and ('a', 'bc') apart.
    hash = hash32(`${typeof part === 'number' ? 'n' : 's'}${String(part)}\u0000`, hash);
  }
  return hash;
}

/** splitmix32: spreads a seed over the four words of sfc32's state. */
function splitmix32(state: number): () => number {
  let value = state >>> 0;
  return () => {
    value = (value + 0x9e3779b9) >>> 0;
    let z = value;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** A small, fast, seedable PRNG (sfc32) with the few distributions the server needs. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number | string) {
    const next = splitmix32(typeof seed === 'number' ? seed : hash32(seed));
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    // Discard the first outputs: sfc32 mixes poorly right after seeding.
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  private nextUint32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform in [min, max). */
  float(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  /** Uniform integer in [min, max], both ends included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** Gaussian by Box–Muller. */
  normal(mean = 0, sd = 1): number {
    if (sd === 0) return mean;
    const u = 1 - this.next(); // (0, 1]: log(0) would be -Infinity
    const v = this.next();
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('Rng.pick: empty list');
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** An independent stream for a named purpose, so that drawing more in one place does not shift another. */
  fork(label: string | number): Rng {
    return new Rng(deriveSeed(this.nextUint32(), label));
  }
}
