/**
 * Diversity of a set of answers: distinct-n (Li et al., 2016: unique n-grams / total n-grams,
 * pooled over all answers, words lower-cased) and the spread of their lengths.
 */
export const tokenize = (text: string): string[] => text.toLowerCase().split(/\s+/u).filter((word) => word !== '');

/** Unique word n-grams divided by all word n-grams over `texts`; 0 when there are none. */
export function distinctN(texts: readonly string[], n: number): number {
  if (!(Number.isInteger(n) && n >= 1)) throw new RangeError(`n: must be a whole number ≥ 1, not ${String(n)}`);
  const seen = new Set<string>();
  let total = 0;
  for (const text of texts) {
    const words = tokenize(text);
    for (let i = 0; i + n <= words.length; i++) {
      // Joined by a control character that real text does not use, so n-grams cannot run together.
      seen.add(words.slice(i, i + n).join('\u0001'));
      total++;
    }
  }
  return total === 0 ? 0 : seen.size / total;
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
