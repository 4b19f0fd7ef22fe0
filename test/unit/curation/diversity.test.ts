import { strict as assert } from 'node:assert';
import { distinctN, lengthSpread } from '../../../src/core/curation/diversity';

describe('curation diversity', () => {
  it('distinct-n is unique n-grams over all n-grams, pooled over the texts (hand-computed)', () => {
    const texts = ['the cat sat on the mat', 'The cat ran'];
    // Unigrams: the cat sat on the mat the cat ran = 9; unique {the, cat, sat, on, mat, ran} = 6.
    assert.equal(distinctN(texts, 1), 6 / 9);
    // Bigrams: the·cat cat·sat sat·on on·the the·mat | the·cat cat·ran = 7; unique 6 (the·cat twice).
    assert.equal(distinctN(texts, 2), 6 / 7);
    // Trigrams: 4 + 1 = 5, all different.
    assert.equal(distinctN(texts, 3), 1);
  });

  it('n-grams do not run across texts, and texts shorter than n add none', () => {
    assert.equal(distinctN(['a b', 'a b'], 3), 0);
    assert.equal(distinctN(['a b', 'a b'], 2), 0.5);
    assert.equal(distinctN([], 1), 0);
    assert.equal(distinctN(['x y', 'x y x y'], 2), 2 / 4);
  });

  it('a collapsed set scores lower than a varied one', () => {
    const varied = ['Paris is the capital of France', 'Photosynthesis turns light into sugar', 'Use a hash map for lookups'];
    const collapsed = ['As an AI I cannot help', 'As an AI I cannot help', 'As an AI I cannot help you'];
    for (const n of [1, 2, 3]) assert.ok(distinctN(collapsed, n) < distinctN(varied, n) - 0.3, `distinct-${n}`);
  });

  it('rejects n below 1', () => {
    assert.throws(() => distinctN(['a'], 0), /n: must be a whole number ≥ 1/);
  });

  it('length spread: median, p10/p90 by interpolation, population sd (hand-computed)', () => {
    const spread = lengthSpread([10, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.equal(spread.count, 10);
    assert.equal(spread.median, 5.5);
    assert.ok(Math.abs(spread.p10 - 1.9) < 1e-9);
    assert.ok(Math.abs(spread.p90 - 9.1) < 1e-9);
    assert.equal(spread.mean, 5.5);
    assert.ok(Math.abs(spread.sd - Math.sqrt(8.25)) < 1e-9);
    assert.deepEqual(lengthSpread([]), { count: 0, median: 0, p10: 0, p90: 0, mean: 0, sd: 0 });
  });
});
