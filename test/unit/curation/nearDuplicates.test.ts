import { strict as assert } from 'node:assert';
import { nearDuplicateClusters, nearDuplicateRate } from '../../../src/core/curation/nearDuplicates';
import { seededRandom } from '../../../src/core/random';

describe('near duplicates', () => {
  const random = seededRandom('near-test');
  const sentence = (length: number) => Array.from({ length }, () => `w${Math.floor(random() * 10_000)}`).join(' ');
  const base = sentence(120);
  const words = base.split(' ');
  const oneWordChanged = [...words.slice(0, 60), 'changed', ...words.slice(61)].join(' ');
  const texts = [sentence(120), base, sentence(120), `${base.toUpperCase()}!`, oneWordChanged, sentence(120), '', ''];

  it('clusters texts that differ by case, punctuation or a word, the first one representing', () => {
    assert.deepEqual(nearDuplicateClusters(texts).clusters, [{ representative: 1, members: [1, 3, 4] }]);
  });

  it('rate: the share of texts that are not the representative of their cluster', () => {
    assert.equal(nearDuplicateRate(texts), 2 / 8);
    assert.equal(nearDuplicateRate([]), 0);
    assert.equal(nearDuplicateRate([base, sentence(120)]), 0);
  });

  it('a stricter threshold splits what a looser one joins', () => {
    const half = [...words.slice(0, 80), ...sentence(40).split(' ')].join(' ');
    assert.deepEqual(nearDuplicateClusters([base, half], { threshold: 0.4 }).clusters, [{ representative: 0, members: [0, 1] }]);
    assert.deepEqual(nearDuplicateClusters([base, half], { threshold: 0.8 }).clusters, []);
  });

  it('rejects a threshold outside (0, 1)', () => {
    assert.throws(() => nearDuplicateClusters(texts, { threshold: 1.5 }), /threshold must be between 0 and 1/);
  });
});
