/**
 * Locality-sensitive hashing over MinHash signatures: the signature is cut into `bands` bands of
 * `rows` slots; two texts become a candidate pair when any band is equal. The chance of that for
 * Jaccard s is 1 − (1 − s^r)^b, an S-curve whose step sits near the threshold.
 */
import { EMPTY_SLOT } from './minhash';

export interface BandShape {
  readonly bands: number;
  readonly rows: number;
}

/** ∫ f over [from, to] by the midpoint rule: the curve is smooth, 200 steps are plenty. */
function integrate(f: (s: number) => number, from: number, to: number): number {
  const steps = 200;
  const width = (to - from) / steps;
  let sum = 0;
  for (let i = 0; i < steps; i++) sum += f(from + (i + 0.5) * width);
  return sum * width;
}

/**
 * Bands and rows for a threshold, as datasketch's MinHashLSH chooses them: among b·r ≤ permutations,
 * the pair minimising the weighted area of false positives (the S-curve below the threshold) plus
 * false negatives (the area above the curve beyond the threshold). The default weights favour
 * recall (datasketch's are 0.5/0.5): every candidate is verified against its estimated Jaccard, so
 * a false positive costs one signature comparison, while a false negative is a duplicate missed.
 * At 0.8 and 128 permutations this gives 14 bands of 9 rows (0.5/0.5 gives 9 × 13, which misses
 * about a third of the pairs at Jaccard 0.85).
 */
export function optimalBandShape(threshold: number, permutations: number, falsePositiveWeight = 0.1, falseNegativeWeight = 0.9): BandShape {
  const key = `${threshold}:${permutations}:${falsePositiveWeight}:${falseNegativeWeight}`;
  const known = shapes.get(key);
  if (known !== undefined) return known;
  const shape = searchBandShape(threshold, permutations, falsePositiveWeight, falseNegativeWeight);
  shapes.set(key, shape);
  return shape;
}

/** Shapes already chosen: the search takes a few milliseconds. */
const shapes = new Map<string, BandShape>();

function searchBandShape(threshold: number, permutations: number, falsePositiveWeight: number, falseNegativeWeight: number): BandShape {
  if (!(threshold > 0 && threshold < 1)) throw new RangeError(`threshold must be between 0 and 1 (exclusive), not ${threshold}`);
  let best: BandShape = { bands: 1, rows: permutations };
  let bestError = Infinity;
  for (let bands = 1; bands <= permutations; bands++) {
    const maxRows = Math.floor(permutations / bands);
    for (let rows = 1; rows <= maxRows; rows++) {
      const candidate = (s: number) => 1 - (1 - s ** rows) ** bands;
      const falsePositives = integrate(candidate, 0, threshold);
      const falseNegatives = integrate((s) => 1 - candidate(s), threshold, 1);
      const error = falsePositiveWeight * falsePositives + falseNegativeWeight * falseNegatives;
      if (error < bestError) {
        bestError = error;
        best = { bands, rows };
      }
    }
  }
  return best;
}

/**
 * The 32-bit key of band `band` (`rows` slots) of the signature at `base`: texts with equal keys in
 * a band are candidates. Streaming dedup keeps only these keys per row in its first pass.
 */
export function bandKey(signatures: Uint32Array, base: number, band: number, rows: number): number {
  let key = 0x811c9dc5 ^ band;
  const start = base + band * rows;
  for (let r = start; r < start + rows; r++) key = Math.imul(key ^ (signatures[r] as number), 0x01000193);
  return key ^ (key >>> 15);
}

/**
 * Calls `visit(earlier, later)` for every pair of texts with an equal band (a pair equal in several
 * bands is visited once per band; callers skip pairs already joined). Each band's slots are hashed
 * to one 32-bit key in an open-addressing table of typed arrays (far cheaper than a Map for
 * millions of lookups); a key collision only adds a candidate, which verification then rejects.
 * Texts of one bucket are chained through a typed array (each text points to the previous one
 * with its key), so a text alone in its bucket allocates nothing. Texts with an empty signature
 * (no shingles) are left out.
 */
export function forEachCandidatePair(
  signatures: Uint32Array,
  count: number,
  permutations: number,
  shape: BandShape,
  visit: (earlier: number, later: number) => void,
  include?: (index: number) => boolean,
): void {
  const { bands, rows } = shape;
  const previous = new Int32Array(count);
  let capacity = 16;
  while (capacity < count * 2) capacity *= 2;
  const mask = capacity - 1;
  const keys = new Int32Array(capacity);
  /** The last text with the slot's key, or -1 for an empty slot. */
  const lastWithKey = new Int32Array(capacity);
  for (let band = 0; band < bands; band++) {
    lastWithKey.fill(-1);
    for (let doc = 0; doc < count; doc++) {
      previous[doc] = -1;
      const base = doc * permutations;
      if (signatures[base] === EMPTY_SLOT || (include !== undefined && !include(doc))) continue;
      const key = bandKey(signatures, base, band, rows);
      let slot = key & mask;
      while (lastWithKey[slot] !== -1 && keys[slot] !== key) slot = (slot + 1) & mask;
      const last = lastWithKey[slot] as number;
      keys[slot] = key;
      lastWithKey[slot] = doc;
      if (last === -1) continue;
      previous[doc] = last;
      for (let earlier = last; earlier !== -1; earlier = previous[earlier] as number) visit(earlier, doc);
    }
  }
}
