/**
 * Word shingles hashed to 32-bit values: the set MinHash estimates Jaccard similarity over. Words
 * are hashed once (FNV-1a over UTF-16 code units), then each run of `size` word hashes is combined
 * into a shingle hash, so a shingle never needs its text joined.
 */
import { wordsOf } from './normalise';

export const DEFAULT_SHINGLE_WORDS = 5;

/** FNV-1a over a string's UTF-16 code units, then murmur3's finaliser so that every bit mixes. */
export function hashWord(word: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < word.length; i++) {
    hash ^= word.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return mix32(hash);
}

/** murmur3's fmix32: a bijection on 32-bit values with full avalanche. */
export function mix32(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Order-dependent combination of word hashes (boost's hash_combine, 32-bit), mixed at the end. */
export function combine(hashes: readonly number[], start: number, end: number): number {
  let h = 0x9e3779b9;
  for (let i = start; i < end; i++) h = (h ^ ((hashes[i] as number) + 0x9e3779b9 + (h << 6) + (h >>> 2))) >>> 0;
  return mix32(h);
}

/**
 * The hashed shingles of `size` consecutive words (repeats included: MinHash ignores them). A text
 * with fewer words than `size` has one shingle, all its words; a text with no words has none.
 */
export function shingleHashes(text: string, size: number = DEFAULT_SHINGLE_WORDS): Uint32Array {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`shingle size must be a positive integer, not ${size}`);
  const words = wordsOf(text).map(hashWord);
  if (words.length === 0) return new Uint32Array(0);
  if (words.length <= size) return Uint32Array.of(combine(words, 0, words.length));
  const shingles = new Uint32Array(words.length - size + 1);
  for (let i = 0; i < shingles.length; i++) shingles[i] = combine(words, i, i + size);
  return shingles;
}
