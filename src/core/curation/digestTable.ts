/**
 * A set of 16-byte digests, each with the index of the row it first came from, in typed arrays:
 * about 40 bytes a row at most, where a Map of string keys costs several times that.
 * Open addressing with linear probing, grown at half full.
 */
export class DigestTable {
  private words: Int32Array;
  /** Row index of each slot's digest, or -1 for an empty slot. */
  private owners: Int32Array;
  private used = 0;

  constructor(initialCapacity = 1024) {
    let capacity = 16;
    while (capacity < initialCapacity) capacity *= 2;
    this.words = new Int32Array(capacity * 4);
    this.owners = new Int32Array(capacity).fill(-1);
  }

  get size(): number {
    return this.used;
  }

  /** The index already recorded for `digest` (its first 16 bytes), or -1 after recording `index` for it. */
  firstOrAdd(digest: Uint8Array, index: number): number {
    const view = new DataView(digest.buffer, digest.byteOffset, 16);
    const a = view.getInt32(0, true);
    const b = view.getInt32(4, true);
    const c = view.getInt32(8, true);
    const d = view.getInt32(12, true);
    const found = this.find(a, b, c, d);
    if (found >= 0) return this.owners[found] as number;
    if ((this.used + 1) * 2 > this.owners.length) this.grow();
    this.place(~this.find(a, b, c, d), a, b, c, d, index);
    this.used++;
    return -1;
  }

  /** The slot holding the digest, or ~slot of the empty slot where it would go. */
  private find(a: number, b: number, c: number, d: number): number {
    const mask = this.owners.length - 1;
    for (let slot = a & mask; ; slot = (slot + 1) & mask) {
      if (this.owners[slot] === -1) return ~slot;
      const w = slot * 4;
      if (this.words[w] === a && this.words[w + 1] === b && this.words[w + 2] === c && this.words[w + 3] === d) return slot;
    }
  }

  private place(slot: number, a: number, b: number, c: number, d: number, index: number): void {
    const w = slot * 4;
    this.words[w] = a;
    this.words[w + 1] = b;
    this.words[w + 2] = c;
    this.words[w + 3] = d;
    this.owners[slot] = index;
  }

  private grow(): void {
    const { words, owners } = this;
    this.words = new Int32Array(words.length * 2);
    this.owners = new Int32Array(owners.length * 2).fill(-1);
    for (let slot = 0; slot < owners.length; slot++) {
      const owner = owners[slot] as number;
      if (owner === -1) continue;
      const w = slot * 4;
      const [a, b, c, d] = [words[w] as number, words[w + 1] as number, words[w + 2] as number, words[w + 3] as number];
      this.place(~this.find(a, b, c, d), a, b, c, d, owner);
    }
  }
}

/** A growable array of 32-bit integers (row facts kept per row: a few bytes each). */
export class IntColumn {
  private data: Int32Array;
  private count = 0;

  constructor(initialCapacity = 1024) {
    this.data = new Int32Array(Math.max(16, initialCapacity));
  }

  get length(): number {
    return this.count;
  }

  push(value: number): void {
    if (this.count === this.data.length) {
      const grown = new Int32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.count++] = value;
  }

  get(index: number): number {
    return this.data[index] as number;
  }

  set(index: number, value: number): void {
    this.data[index] = value;
  }

  /** The values, trimmed to length (a view, not a copy). */
  view(): Int32Array {
    return this.data.subarray(0, this.count);
  }
}
