/**
 * Diversity of a set of answers: distinct-n (Li et al., 2016: unique n-grams / total n-grams,
 * pooled over all answers, words lower-cased) and the spread of their lengths.
 */
import { hashWord, mix32 } from './shingles';

export const tokenize = (text: string): string[] => text.toLowerCase().split(/\s+/u).filter((word) => word !== '');

/**
 * Unique word n-grams divided by all word n-grams over `texts`; 0 when there are none. Each n-gram
 * is counted by a 64-bit hash of its words (two 32-bit halves, in an open-addressing table of typed
 * arrays): no string is built per n-gram, and two n-grams share a hash with a chance below 10^-7
 * even at a million distinct n-grams, so the ratio is exact in practice.
 */
export function distinctN(texts: readonly string[], n: number): number {
  if (!(Number.isInteger(n) && n >= 1)) throw new RangeError(`n: must be a whole number ≥ 1, not ${String(n)}`);
  const wordHashes = new Map<string, number>();
  const table = new HashPairSet();
  let total = 0;
  const ids: number[] = [];
  for (const text of texts) {
    const words = tokenize(text);
    ids.length = 0;
    for (const word of words) {
      let hash = wordHashes.get(word);
      if (hash === undefined) {
        hash = hashWord(word);
        wordHashes.set(word, hash);
      }
      ids.push(hash);
    }
    for (let i = 0; i + n <= ids.length; i++) {
      let high = 0x2545f491;
      let low = 0x9e3779b9 | 0;
      for (let k = i; k < i + n; k++) {
        const word = ids[k] as number;
        high = Math.imul(high ^ word, 0x01000193);
        low = Math.imul(low ^ mix32(word + k - i), 0x5bd1e995);
      }
      table.add(mix32(high), mix32(low ^ n));
      total++;
    }
  }
  return total === 0 ? 0 : table.size / total;
}

/** A set of 64-bit values as pairs of 32-bit halves; open addressing, grown at half full. */
class HashPairSet {
  private highs = new Int32Array(1 << 12);
  private lows = new Int32Array(1 << 12);
  private used = new Uint8Array(1 << 12);
  size = 0;

  add(high: number, low: number): void {
    if ((this.size + 1) * 2 > this.used.length) this.grow();
    if (this.insert(high | 0, low | 0)) this.size++;
  }

  private insert(high: number, low: number): boolean {
    const mask = this.used.length - 1;
    for (let slot = (low ^ high) & mask; ; slot = (slot + 1) & mask) {
      if (this.used[slot] === 0) {
        this.used[slot] = 1;
        this.highs[slot] = high;
        this.lows[slot] = low;
        return true;
      }
      if (this.highs[slot] === high && this.lows[slot] === low) return false;
    }
  }

  private grow(): void {
    const { highs, lows, used } = this;
    this.highs = new Int32Array(used.length * 2);
    this.lows = new Int32Array(used.length * 2);
    this.used = new Uint8Array(used.length * 2);
    for (let slot = 0; slot < used.length; slot++) if (used[slot] === 1) this.insert(highs[slot] as number, lows[slot] as number);
  }
}

export interface LengthSpread {
  readonly count: number;
  readonly median: number;
  readonly p10: number;
  readonly p90: number;
  readonly mean: number;
  /** Population standard deviation. */
  readonly sd: number;
}

/** Percentile by linear interpolation between closest ranks, over sorted values. */
function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const at = (sorted.length - 1) * q;
  const lower = Math.floor(at);
  const upper = Math.ceil(at);
  const low = sorted[lower] as number;
  return low + ((sorted[upper] as number) - low) * (at - lower);
}

/** Median, 10th/90th percentiles, mean and standard deviation of `lengths`; all 0 when empty. */
export function lengthSpread(lengths: readonly number[]): LengthSpread {
  const sorted = [...lengths].sort((a, b) => a - b);
  const count = sorted.length;
  const mean = count === 0 ? 0 : sorted.reduce((sum, value) => sum + value, 0) / count;
  const variance = count === 0 ? 0 : sorted.reduce((sum, value) => sum + (value - mean) ** 2, 0) / count;
  return { count, median: percentile(sorted, 0.5), p10: percentile(sorted, 0.1), p90: percentile(sorted, 0.9), mean, sd: Math.sqrt(variance) };
}
