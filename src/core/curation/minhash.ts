/**
 * MinHash signatures over 32-bit shingle hashes.
 *
 * The hash family: h_i(x) = (a_i·x + b_i) mod 2^32 with a_i odd, computed with Math.imul. For odd
 * a_i this is a permutation of the 32-bit values (multiply-add, a universal family in the sense of
 * Dietzfelbinger), and it costs one multiply and one add per shingle and permutation. Its weak
 * low bits do not matter here because the inputs are already well mixed (see shingles.ts: every
 * shingle hash passes murmur3's finaliser). a_i and b_i come from a seeded generator, so signatures
 * are reproducible for a seed.
 */
import { seededRandom } from '../random';

export const DEFAULT_PERMUTATIONS = 128;
export const DEFAULT_SEED = 1;

/** The signature of a text with no shingles: it matches nothing (callers leave such texts out). */
export const EMPTY_SLOT = 0xffffffff;

export class MinHasher {
  readonly permutations: number;
  private readonly multipliers: Int32Array;
  private readonly increments: Int32Array;

  constructor(permutations: number = DEFAULT_PERMUTATIONS, seed: number = DEFAULT_SEED) {
    if (!Number.isInteger(permutations) || permutations < 1) throw new RangeError(`permutations must be a positive integer, not ${permutations}`);
    this.permutations = permutations;
    const random = seededRandom(`minhash:${seed}`);
    const word = () => Math.floor(random() * 0x100000000) | 0;
    this.multipliers = new Int32Array(permutations);
    this.increments = new Int32Array(permutations);
    for (let i = 0; i < permutations; i++) {
      this.multipliers[i] = word() | 1;
      this.increments[i] = word();
    }
  }

  /** Writes the signature of `shingles` into `out` (length ≥ permutations) at `offset`. */
  signInto(shingles: Uint32Array, out: Uint32Array, offset = 0): void {
    const { permutations, multipliers, increments } = this;
    const count = shingles.length;
    for (let p = 0; p < permutations; p++) {
      const a = multipliers[p] as number;
      const b = increments[p] as number;
      let min = EMPTY_SLOT;
      for (let s = 0; s < count; s++) {
        const value = (Math.imul(a, shingles[s] as number) + b) >>> 0;
        if (value < min) min = value;
      }
      out[offset + p] = min;
    }
  }

  sign(shingles: Uint32Array): Uint32Array {
    const out = new Uint32Array(this.permutations);
    this.signInto(shingles, out);
    return out;
  }
}

/**
 * Whether the estimated Jaccard of two signatures reaches `threshold`. Stops as soon as the slots
 * left cannot make up the difference: most candidate pairs that fail, fail early.
 */
export function reachesJaccard(signatures: Uint32Array, first: number, second: number, permutations: number, threshold: number): boolean {
  const a = first * permutations;
  const b = second * permutations;
  const allowedMismatches = permutations - Math.ceil(threshold * permutations - 1e-9);
  let mismatches = 0;
  for (let p = 0; p < permutations; p++) {
    if (signatures[a + p] !== signatures[b + p] && ++mismatches > allowedMismatches) return false;
  }
  return true;
}

/** The share of equal slots: an unbiased estimate of the Jaccard similarity of the two shingle sets. */
export function estimatedJaccard(signatures: Uint32Array, first: number, second: number, permutations: number): number {
  const a = first * permutations;
  const b = second * permutations;
  let equal = 0;
  for (let p = 0; p < permutations; p++) if (signatures[a + p] === signatures[b + p]) equal++;
  return equal / permutations;
}

/** Exact Jaccard similarity of two shingle sets, for tests and benchmarks. */
export function exactJaccard(first: Uint32Array, second: Uint32Array): number {
  const a = new Set(first);
  const b = new Set(second);
  if (a.size === 0 && b.size === 0) return 1;
  let shared = 0;
  for (const value of a) if (b.has(value)) shared++;
  return shared / (a.size + b.size - shared);
}
