/**
 * Near-duplicate texts: word shingles → MinHash signatures → LSH candidate pairs → pairs whose
 * estimated Jaccard similarity reaches the threshold → clusters by union-find. Each cluster's
 * representative is its first text (the one a deduplicated copy keeps).
 */
import { DEFAULT_PERMUTATIONS, DEFAULT_SEED, EMPTY_SLOT, MinHasher, reachesJaccard } from './minhash';
import { forEachCandidatePair, optimalBandShape, type BandShape } from './lsh';
import { DEFAULT_SHINGLE_WORDS, shingleHashes } from './shingles';

export const DEFAULT_NEAR_DUPLICATE_THRESHOLD = 0.8;

export interface NearDuplicateOptions {
  /** Estimated Jaccard similarity of word shingles at or above which two texts are near-duplicates. Default 0.8. */
  readonly threshold?: number;
  /** Words per shingle. Default 5. */
  readonly shingleWords?: number;
  /** MinHash permutations. Default 128. */
  readonly permutations?: number;
  /** Seed of the hash family. Default 1. */
  readonly seed?: number;
}

export interface DuplicateCluster {
  /** Index of the first text of the cluster. */
  readonly representative: number;
  /** All the cluster's indexes in ascending order, the representative first. */
  readonly members: number[];
}

export interface NearDuplicateResult {
  /** Clusters of two or more texts, ordered by representative. */
  readonly clusters: DuplicateCluster[];
}

/** Signatures of many texts, one after another in one typed array. */
export interface SignatureTable {
  readonly signatures: Uint32Array;
  readonly count: number;
  readonly permutations: number;
}

export function signTexts(texts: readonly string[], options: NearDuplicateOptions = {}): SignatureTable {
  const permutations = options.permutations ?? DEFAULT_PERMUTATIONS;
  const hasher = new MinHasher(permutations, options.seed ?? DEFAULT_SEED);
  const signatures = new Uint32Array(texts.length * permutations);
  texts.forEach((text, i) => hasher.signInto(shingleHashes(text, options.shingleWords ?? DEFAULT_SHINGLE_WORDS), signatures, i * permutations));
  return { signatures, count: texts.length, permutations };
}

/** Union-find with path halving; the root of a set is its smallest index. */
class DisjointSets {
  private readonly parent: Int32Array;
  constructor(size: number) {
    this.parent = new Int32Array(size);
    for (let i = 0; i < size; i++) this.parent[i] = i;
  }
  find(x: number): number {
    const parent = this.parent;
    while (parent[x] !== x) {
      const up = parent[parent[x] as number] as number;
      parent[x] = up;
      x = up;
    }
    return x;
  }
  union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra < rb) this.parent[rb] = ra;
    else if (rb < ra) this.parent[ra] = rb;
  }
}

/**
 * Clusters from signatures already computed: LSH buckets, each candidate pair verified against the
 * estimated Jaccard, grouping by union-find. Pairs already in one cluster are not verified again.
 * `include` limits the texts considered (dedupe leaves out exact duplicates already removed).
 */
export function clusterSignatures(table: SignatureTable, threshold: number = DEFAULT_NEAR_DUPLICATE_THRESHOLD, shape?: BandShape, include?: (index: number) => boolean): NearDuplicateResult {
  const { signatures, count, permutations } = table;
  const bandShape = shape ?? optimalBandShape(threshold, permutations);
  const sets = new DisjointSets(count);
  forEachCandidatePair(
    signatures,
    count,
    permutations,
    bandShape,
    (earlier, later) => {
      if (sets.find(earlier) !== sets.find(later) && reachesJaccard(signatures, earlier, later, permutations, threshold)) sets.union(earlier, later);
    },
    include,
  );
  const byRoot = new Map<number, number[]>();
  for (let i = 0; i < count; i++) {
    if (signatures[i * permutations] === EMPTY_SLOT) continue;
    const root = sets.find(i);
    const members = byRoot.get(root);
    if (members === undefined) byRoot.set(root, [i]);
    else members.push(i);
  }
  const clusters: DuplicateCluster[] = [];
  for (const [representative, members] of byRoot) if (members.length > 1) clusters.push({ representative, members });
  clusters.sort((a, b) => a.representative - b.representative);
  return { clusters };
}

function checkThreshold(threshold: number): number {
  if (!(threshold > 0 && threshold < 1)) throw new RangeError(`threshold must be between 0 and 1 (exclusive), not ${threshold}`);
  return threshold;
}

/** Clusters of near-duplicate texts (texts with no words are never near-duplicates). */
export function nearDuplicateClusters(texts: readonly string[], options: NearDuplicateOptions = {}): NearDuplicateResult {
  const threshold = checkThreshold(options.threshold ?? DEFAULT_NEAR_DUPLICATE_THRESHOLD);
  return clusterSignatures(signTexts(texts, options), threshold);
}

/** The share of texts that are near-duplicates of an earlier text (0 for no texts). */
export function nearDuplicateRate(texts: readonly string[], options: NearDuplicateOptions = {}): number {
  if (texts.length === 0) return 0;
  const { clusters } = nearDuplicateClusters(texts, options);
  let duplicates = 0;
  for (const cluster of clusters) duplicates += cluster.members.length - 1;
  return duplicates / texts.length;
}

/**
 * Every LSH candidate pair whose estimated Jaccard reaches the threshold, as [earlier, later] —
 * before grouping, for measuring recall and precision against exact Jaccard.
 */
export function verifiedPairs(table: SignatureTable, threshold: number = DEFAULT_NEAR_DUPLICATE_THRESHOLD, shape?: BandShape): [number, number][] {
  const { signatures, count, permutations } = table;
  const seen = new Set<number>();
  const pairs: [number, number][] = [];
  forEachCandidatePair(signatures, count, permutations, shape ?? optimalBandShape(threshold, permutations), (earlier, later) => {
    const key = earlier * count + later;
    if (seen.has(key)) return;
    seen.add(key);
    if (reachesJaccard(signatures, earlier, later, permutations, threshold)) pairs.push([earlier, later]);
  });
  return pairs;
}
