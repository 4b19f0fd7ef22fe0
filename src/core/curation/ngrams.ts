/**
 * Word n-grams for decontamination: each n-gram is hashed (word hashes combined, as shingles are)
 * to look it up fast, and a hit is confirmed against the n-gram's words, so a 32-bit collision can
 * never report contamination that is not there.
 */
import { combine, hashWord } from './shingles';
import { wordsOf } from './normalise';

export const DEFAULT_NGRAM_WORDS = 13;

export interface NgramEntry<Item> {
  readonly item: Item;
  /** The n-gram's words joined by single spaces. */
  readonly ngram: string;
}

/**
 * Every n-gram of a set of texts, with the item it came from. A text with fewer than n words is
 * kept whole (a short benchmark question is still found when a row contains all of it).
 */
export class NgramIndex<Item> {
  private readonly byHash = new Map<number, NgramEntry<Item>[]>();
  /** Word counts of the texts kept whole, which rows must also be cut into. */
  private readonly shortLengths = new Set<number>();
  private entryCount = 0;

  constructor(readonly words: number = DEFAULT_NGRAM_WORDS) {
    if (!Number.isInteger(words) || words < 1) throw new RangeError(`n-gram size must be a positive integer, not ${words}`);
  }

  get size(): number {
    return this.entryCount;
  }

  add(text: string, item: Item): void {
    const words = wordsOf(text);
    if (words.length === 0) return;
    const hashes = words.map(hashWord);
    const length = Math.min(this.words, words.length);
    if (length < this.words) this.shortLengths.add(length);
    for (let start = 0; start + length <= words.length; start++) {
      const hash = combine(hashes, start, start + length);
      const ngram = words.slice(start, start + length).join(' ');
      const entries = this.byHash.get(hash);
      if (entries === undefined) this.byHash.set(hash, [{ item, ngram }]);
      else if (!entries.some((entry) => entry.ngram === ngram)) entries.push({ item, ngram });
      else continue;
      this.entryCount++;
    }
  }

  /** The first n-gram of `text` found in the index, with its item, or undefined. */
  firstMatch(text: string): NgramEntry<Item> | undefined {
    const words = wordsOf(text);
    if (words.length === 0) return undefined;
    const hashes = words.map(hashWord);
    for (const length of [this.words, ...[...this.shortLengths].sort((a, b) => b - a)]) {
      for (let start = 0; start + length <= words.length; start++) {
        const entries = this.byHash.get(combine(hashes, start, start + length));
        if (entries === undefined) continue;
        const ngram = words.slice(start, start + length).join(' ');
        const entry = entries.find((candidate) => candidate.ngram === ngram);
        if (entry !== undefined) return entry;
      }
    }
    return undefined;
  }
}
