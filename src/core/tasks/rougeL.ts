/**
 * ROUGE-L as Google's rouge_score computes it with its defaults (no stemming): tokens are the
 * lowercase runs of [a-z0-9] (everything else, accented letters included, separates tokens); the
 * score is the F-measure of the longest common subsequence, 2·P·R / (P + R) with P = LCS/|candidate|
 * and R = LCS/|reference|, which equals 2·LCS / (|a| + |b|) and is symmetric.
 *
 * `RougePool` finds whether a new text is too similar to any of thousands of others. It skips a
 * pool entry only when an upper bound of its score (from the words the two share, counted with
 * multiplicity, which the LCS cannot exceed) is at or below the threshold, so the skip never
 * changes the answer.
 */

export function rougeTokens(text: string): string[] {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, ' ').split(' ').filter((t) => t !== '');
}

/** The length of the longest common subsequence of two sequences, in O(|a|·|b|) time and O(|b|) space. */
export function lcsLength(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = b.length;
  if (a.length === 0 || n === 0) return 0;
  let previous = new Int32Array(n + 1);
  let current = new Int32Array(n + 1);
  for (let i = 0; i < a.length; i++) {
    const ai = a[i];
    for (let j = 1; j <= n; j++) {
      if (ai === b[j - 1]) current[j] = (previous[j - 1] as number) + 1;
      else {
        const up = previous[j] as number;
        const left = current[j - 1] as number;
        current[j] = up > left ? up : left;
      }
    }
    [previous, current] = [current, previous];
  }
  return previous[n] as number;
}

function fMeasure(lcs: number, a: number, b: number): number {
  return lcs === 0 ? 0 : (2 * lcs) / (a + b);
}

/** Token ids shared by every pool and score call, so sequences compare as integers. */
class Vocabulary {
  private readonly ids = new Map<string, number>();
  idsOf(tokens: readonly string[]): Int32Array {
    const out = new Int32Array(tokens.length);
    tokens.forEach((token, i) => {
      let id = this.ids.get(token);
      if (id === undefined) {
        id = this.ids.size;
        this.ids.set(token, id);
      }
      out[i] = id;
    });
    return out;
  }
}

/** ROUGE-L F-measure of two texts. */
export function rougeL(candidate: string, reference: string): number {
  const vocabulary = new Vocabulary();
  const a = vocabulary.idsOf(rougeTokens(candidate));
  const b = vocabulary.idsOf(rougeTokens(reference));
  return fMeasure(lcsLength(a, b), a.length, b.length);
}

export interface RougeMatch {
  /** The most similar pool text among those above the threshold. */
  readonly text: string;
  readonly score: number;
}

interface Entry {
  readonly text: string;
  readonly ids: Int32Array;
}

/** A growing set of texts and the question "does this new text score above the threshold with any of them?". */
export class RougePool {
  private readonly vocabulary = new Vocabulary();
  private readonly entries: Entry[] = [];
  /** token id → [entry index, count of the token in it] pairs. */
  private readonly postings = new Map<number, number[]>();
  private overlap = new Int32Array(0);

  get size(): number {
    return this.entries.length;
  }

  add(text: string): void {
    const ids = this.vocabulary.idsOf(rougeTokens(text));
    const index = this.entries.length;
    this.entries.push({ text, ids });
    for (const [id, count] of counts(ids)) {
      let list = this.postings.get(id);
      if (!list) this.postings.set(id, (list = []));
      list.push(index, count);
    }
  }

  /**
   * The highest-scoring pool text whose ROUGE-L F-measure with `text` is above `threshold`, or
   * undefined when none is. Exactly what scoring every entry would find.
   */
  mostSimilarAbove(text: string, threshold: number): RougeMatch | undefined {
    const ids = this.vocabulary.idsOf(rougeTokens(text));
    if (this.overlap.length < this.entries.length) this.overlap = new Int32Array(Math.max(this.entries.length, this.overlap.length * 2));
    const overlap = this.overlap;
    const touched: number[] = [];
    for (const [id, count] of counts(ids)) {
      const list = this.postings.get(id);
      if (!list) continue;
      for (let k = 0; k < list.length; k += 2) {
        const entry = list[k] as number;
        if (overlap[entry] === 0) touched.push(entry);
        overlap[entry] = (overlap[entry] as number) + Math.min(count, list[k + 1] as number);
      }
    }
    let best: RougeMatch | undefined;
    for (const index of touched) {
      const bound = overlap[index] as number;
      overlap[index] = 0;
      const entry = this.entries[index] as Entry;
      if (fMeasure(bound, ids.length, entry.ids.length) <= threshold) continue;
      const score = fMeasure(lcsLength(ids, entry.ids), ids.length, entry.ids.length);
      if (score > threshold && (best === undefined || score > best.score)) best = { text: entry.text, score };
    }
    return best;
  }
}

function counts(ids: Int32Array): Map<number, number> {
  const map = new Map<number, number>();
  for (const id of ids) map.set(id, (map.get(id) ?? 0) + 1);
  return map;
}
