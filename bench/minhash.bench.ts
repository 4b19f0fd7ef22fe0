/**
 * MinHash + LSH on 50,000 generated documents with planted near-duplicates (families of a base text
 * and variants with a few words replaced; 200 words each):
 * - signing speed: our MinHasher against the plainest inline loop over the same shingles and the
 *   same hash family (multiply-add mod 2^32, min per permutation), interleaved, medians of the runs;
 * - LSH bucketing + verification + union-find grouping time as a share of our signing time;
 * - recall and precision of the verified pairs against exact Jaccard ≥ 0.8.
 * Shingling is the same work for both and is done once, outside the timings.
 */
import { performance } from 'node:perf_hooks';
import type { BenchResult } from './run';
import { MinHasher } from '../src/core/curation/minhash';
import { clusterSignatures, verifiedPairs } from '../src/core/curation/nearDuplicates';
import { shingleHashes } from '../src/core/curation/shingles';
import { seededRandom } from '../src/core/random';
import { pairQuality, plantedSet } from '../test/unit/curation/plantedDuplicates';

const DOCUMENTS = 50_000;
const PERMUTATIONS = 128;
const THRESHOLD = 0.8;
const RUNS = 5;

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};

/** The reference: one inline loop, its own coefficients, nothing else. */
function referenceSign(shingles: readonly Uint32Array[], out: Uint32Array): void {
  const random = seededRandom('reference');
  const a = new Int32Array(PERMUTATIONS);
  const b = new Int32Array(PERMUTATIONS);
  for (let p = 0; p < PERMUTATIONS; p++) {
    a[p] = (Math.floor(random() * 0x100000000) | 0) | 1;
    b[p] = Math.floor(random() * 0x100000000) | 0;
  }
  for (let d = 0; d < shingles.length; d++) {
    const doc = shingles[d] as Uint32Array;
    for (let p = 0; p < PERMUTATIONS; p++) {
      const ap = a[p] as number;
      const bp = b[p] as number;
      let min = 0xffffffff;
      for (let s = 0; s < doc.length; s++) {
        const h = (Math.imul(ap, doc[s] as number) + bp) >>> 0;
        if (h < min) min = h;
      }
      out[d * PERMUTATIONS + p] = min;
    }
  }
}

function ourSign(shingles: readonly Uint32Array[], out: Uint32Array): void {
  const hasher = new MinHasher(PERMUTATIONS, 1);
  for (let d = 0; d < shingles.length; d++) hasher.signInto(shingles[d] as Uint32Array, out, d * PERMUTATIONS);
}

export async function run(): Promise<BenchResult> {
  const set = plantedSet({ families: DOCUMENTS / 4, variantsPerFamily: 3, words: 200, seed: 'minhash-bench', edits: [0, 1, 2, 3, 8, 15, 30, 60] });
  const shingles = set.texts.map((text) => shingleHashes(text));
  const ours = new Uint32Array(DOCUMENTS * PERMUTATIONS);
  const reference = new Uint32Array(DOCUMENTS * PERMUTATIONS);
  const ourTimes: number[] = [];
  const referenceTimes: number[] = [];
  const groupingTimes: number[] = [];
  let clusters = 0;
  // One warm-up of each, then interleaved runs so that load from other processes hits both alike.
  ourSign(shingles, ours);
  referenceSign(shingles, reference);
  for (let run = 0; run < RUNS; run++) {
    let start = performance.now();
    referenceSign(shingles, reference);
    referenceTimes.push(performance.now() - start);
    start = performance.now();
    ourSign(shingles, ours);
    ourTimes.push(performance.now() - start);
    start = performance.now();
    clusters = clusterSignatures({ signatures: ours, count: DOCUMENTS, permutations: PERMUTATIONS }, THRESHOLD).clusters.length;
    groupingTimes.push(performance.now() - start);
  }
  const speed = median(referenceTimes) / median(ourTimes);
  const groupingShare = median(groupingTimes) / median(ourTimes);
  const quality = pairQuality(set, verifiedPairs({ signatures: ours, count: DOCUMENTS, permutations: PERMUTATIONS }, THRESHOLD), THRESHOLD);
  const ms = (values: readonly number[]) => values.map((v) => v.toFixed(0)).join(', ');
  return {
    summary:
      `MinHash signing = ${speed.toFixed(2)} × the inline reference loop (target ≥ 0.75); LSH + grouping = ${(groupingShare * 100).toFixed(1)}% of signing (target ≤ 10%); ` +
      `recall ${quality.recall.toFixed(3)} (≥ 0.95), precision ${quality.precision.toFixed(3)} (≥ 0.9); medians of ${RUNS} runs`,
    details: [
      `${DOCUMENTS} documents of 200 words, ${PERMUTATIONS} permutations, threshold ${THRESHOLD}; ${clusters} clusters`,
      `ours:      median ${median(ourTimes).toFixed(0)} ms (runs: ${ms(ourTimes)})`,
      `reference: median ${median(referenceTimes).toFixed(0)} ms (runs: ${ms(referenceTimes)})`,
      `LSH + grouping: median ${median(groupingTimes).toFixed(0)} ms (runs: ${ms(groupingTimes)})`,
      `pairs: ${quality.truePairs} with exact Jaccard ≥ ${THRESHOLD}, ${quality.predictedPairs} found`,
    ],
    metrics: { speedRatio: speed, groupingShare, recall: quality.recall, precision: quality.precision },
  };
}
