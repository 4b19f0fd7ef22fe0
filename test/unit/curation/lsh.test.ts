import { strict as assert } from 'node:assert';
import { optimalBandShape } from '../../../src/core/curation/lsh';
import { signTexts, verifiedPairs } from '../../../src/core/curation/nearDuplicates';
import { pairQuality, plantedSet } from './plantedDuplicates';

const candidateProbability = (s: number, { bands, rows }: { bands: number; rows: number }) => 1 - (1 - s ** rows) ** bands;

describe('LSH', () => {
  it('chooses bands and rows whose S-curve rises at the threshold', () => {
    for (const threshold of [0.5, 0.7, 0.8, 0.9]) {
      const shape = optimalBandShape(threshold, 128);
      assert.ok(shape.bands * shape.rows <= 128);
      assert.ok(candidateProbability(threshold + 0.05, shape) > 0.9, `${threshold}: ${JSON.stringify(shape)}`);
      assert.ok(candidateProbability(threshold - 0.3, shape) < 0.1, `${threshold}: ${JSON.stringify(shape)}`);
    }
    assert.deepEqual(optimalBandShape(0.8, 128, 0.5, 0.5), { bands: 9, rows: 13 }, "datasketch's choice for equal weights");
  });

  it('finds ≥ 95% of the planted pairs above the threshold with ≥ 90% precision, against exact Jaccard', () => {
    const set = plantedSet({ families: 400, variantsPerFamily: 2, words: 200, seed: 'lsh-test', edits: [0, 1, 2, 3, 8, 15, 30, 60] });
    const quality = pairQuality(set, verifiedPairs(signTexts(set.texts), 0.8), 0.8);
    assert.ok(quality.truePairs > 300, `only ${quality.truePairs} true pairs`);
    assert.ok(quality.recall >= 0.95, `recall ${quality.recall}`);
    assert.ok(quality.precision >= 0.9, `precision ${quality.precision}`);
  });
});
