/**
 * A generated set of texts with planted near-duplicates, for tests and the bench: families of a
 * random base text and variants with a few words replaced. Words come from a large vocabulary, so
 * texts of different families share no 5-word shingle, and true pairs lie within families.
 */
import { seededRandom } from '../../../src/core/random';
import { exactJaccard } from '../../../src/core/curation/minhash';
import { shingleHashes } from '../../../src/core/curation/shingles';

export interface PlantedSet {
  readonly texts: string[];
  /** The family of each text. */
  readonly family: number[];
}

export function plantedSet(options: { families: number; variantsPerFamily: number; words: number; seed: string; edits: readonly number[] }): PlantedSet {
  const random = seededRandom(options.seed);
  const word = () => `w${Math.floor(random() * 50_000).toString(36)}`;
  const texts: string[] = [];
  const family: number[] = [];
  for (let f = 0; f < options.families; f++) {
    const base = Array.from({ length: options.words }, word);
    texts.push(base.join(' '));
    family.push(f);
    for (let v = 0; v < options.variantsPerFamily; v++) {
      const variant = [...base];
      const edits = options.edits[Math.floor(random() * options.edits.length)] as number;
      for (let e = 0; e < edits; e++) variant[Math.floor(random() * variant.length)] = word();
      texts.push(variant.join(' '));
      family.push(f);
    }
  }
  return { texts, family };
}

/** Recall and precision of predicted pairs against exact Jaccard ≥ threshold (true pairs lie within families). */
export function pairQuality(set: PlantedSet, predicted: readonly (readonly [number, number])[], threshold: number, shingleWords = 5): { recall: number; precision: number; truePairs: number; predictedPairs: number } {
  const shingles = set.texts.map((text) => shingleHashes(text, shingleWords));
  const truth = new Set<string>();
  const members = new Map<number, number[]>();
  set.family.forEach((f, i) => members.set(f, [...(members.get(f) ?? []), i]));
  for (const indexes of members.values()) {
    for (let j = 1; j < indexes.length; j++) {
      for (let i = 0; i < j; i++) {
        const a = indexes[i] as number;
        const b = indexes[j] as number;
        if (exactJaccard(shingles[a] as Uint32Array, shingles[b] as Uint32Array) >= threshold) truth.add(`${a},${b}`);
      }
    }
  }
  let correct = 0;
  let found = 0;
  for (const [a, b] of predicted) {
    if (exactJaccard(shingles[a] as Uint32Array, shingles[b] as Uint32Array) >= threshold) correct++;
    if (truth.has(`${a},${b}`)) found++;
  }
  return { recall: truth.size === 0 ? 1 : found / truth.size, precision: predicted.length === 0 ? 1 : correct / predicted.length, truePairs: truth.size, predictedPairs: predicted.length };
}
