import { strict as assert } from 'node:assert';
import { MinHasher, exactJaccard } from '../../../src/core/curation/minhash';
import { shingleHashes } from '../../../src/core/curation/shingles';
import { seededRandom } from '../../../src/core/random';

describe('MinHash', () => {
  const random = seededRandom('minhash-test');
  const word = () => `w${Math.floor(random() * 5000)}`;

  it('estimates Jaccard similarity within the sampling error of 128 permutations', () => {
    const hasher = new MinHasher(128, 7);
    const errors: number[] = [];
    for (let trial = 0; trial < 200; trial++) {
      const base = Array.from({ length: 80 }, word);
      const other = base.map((w) => (random() < trial / 400 ? word() : w));
      const a = shingleHashes(base.join(' '));
      const b = shingleHashes(other.join(' '));
      const x = hasher.sign(a);
      const y = hasher.sign(b);
      let equal = 0;
      for (let p = 0; p < 128; p++) if (x[p] === y[p]) equal++;
      errors.push(Math.abs(equal / 128 - exactJaccard(a, b)));
    }
    const mean = errors.reduce((sum, e) => sum + e, 0) / errors.length;
    // The standard error is at most 0.5/√128 ≈ 0.044: the mean absolute error is below it, no error is 4σ.
    assert.ok(mean < 0.035, `mean absolute error ${mean}`);
    assert.ok(Math.max(...errors) < 0.18, `largest error ${Math.max(...errors)}`);
  });

  it('gives the same signature for the same seed, and another for another seed', () => {
    const shingles = shingleHashes('a b c d e f g h i j k l m n o p');
    assert.deepEqual(new MinHasher(128, 3).sign(shingles), new MinHasher(128, 3).sign(shingles));
    assert.notDeepEqual(new MinHasher(128, 3).sign(shingles), new MinHasher(128, 4).sign(shingles));
  });

  it('shingles words without case or punctuation; short texts have one shingle, empty ones none', () => {
    assert.deepEqual(shingleHashes('The quick, brown fox jumps over!'), shingleHashes('the quick brown fox   JUMPS over'));
    assert.equal(shingleHashes('one two three').length, 1);
    assert.equal(shingleHashes('one two three four five six').length, 2);
    assert.equal(shingleHashes(' ... ').length, 0);
  });
});
