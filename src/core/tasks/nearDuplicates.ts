/**
 * Exact and near-duplicate tests between the samples of one prompt. The samples of one prompt are
 * few (n × teachers), so each new sample is compared with every kept one directly: no MinHash.
 */

/** Whitespace runs to one space, trimmed, lowercased: what "exactly the same answer" ignores. */
export function foldForDuplicates(text: string): string {
  return text.replace(/\s+/g, ' ').trim().toLowerCase();
}

/** Words: lowercase runs of letters and digits (any script). */
export function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** Shingle width: word 3-grams. */
export const SHINGLE_WORDS = 3;

/** The set of word n-grams; a text shorter than n words is one shingle of all its words. */
export function shingles(text: string, n = SHINGLE_WORDS): Set<string> {
  const list = words(text);
  const set = new Set<string>();
  if (list.length === 0) return set;
  if (list.length < n) {
    set.add(list.join(' '));
    return set;
  }
  for (let i = 0; i + n <= list.length; i++) set.add(list.slice(i, i + n).join(' '));
  return set;
}

/** |A ∩ B| / |A ∪ B|; two empty sets are identical (1). */
export function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let common = 0;
  for (const item of small) if (large.has(item)) common++;
  return common / (a.size + b.size - common);
}
