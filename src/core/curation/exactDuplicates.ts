/** Exact duplicates after normalisation: clusters keyed by a hash of the normalised text. */
import { createHash } from 'node:crypto';
import type { DuplicateCluster } from './nearDuplicates';
import { normaliseText, type NormaliseOptions } from './normalise';

/** A 16-byte sha-256 prefix of the normalised text: collisions are out of reach, memory stays small. */
export function exactKey(text: string, options: NormaliseOptions = {}): string {
  return createHash('sha256').update(normaliseText(text, options)).digest('base64').slice(0, 22);
}

/**
 * Clusters of texts equal after normalisation, ordered by representative (the first occurrence).
 * Texts that are empty after normalisation are never duplicates: they have nothing to compare.
 */
export function exactDuplicateClusters(texts: Iterable<string>, options: NormaliseOptions = {}): DuplicateCluster[] {
  const byKey = new Map<string, number[]>();
  let index = 0;
  for (const text of texts) {
    if (normaliseText(text, options).length > 0) {
      const key = exactKey(text, options);
      const members = byKey.get(key);
      if (members === undefined) byKey.set(key, [index]);
      else members.push(index);
    }
    index++;
  }
  const clusters: DuplicateCluster[] = [];
  for (const members of byKey.values()) if (members.length > 1) clusters.push({ representative: members[0] as number, members });
  return clusters.sort((a, b) => a.representative - b.representative);
}
