import { strict as assert } from 'node:assert';
import { hashSeed, seededRandom } from '../../../src/core/random';
import { eligiblePrinciples, samplePrinciples } from '../../../src/core/constitution/sample';
import type { PrincipleData } from '../../../src/core/constitution/types';

const principle = (id: string, weight = 1, tags: string[] = [], requests: Partial<PrincipleData> = { compare: 'c' }): PrincipleData => ({ id, weight, tags, ...requests });
const ids = (list: readonly PrincipleData[]) => list.map((item) => item.id);

describe('principle sampling', () => {
  const ten = 'abcdefghij'.split('').map((id, index) => principle(id, index + 1));

  it('is pinned: the same seed gives the same numbers and the same draw on every machine', () => {
    // Golden values: if these change, every recorded seed in users' data draws differently.
    assert.deepEqual(hashSeed('distillery'), [2325768319, 1060387758, 3577172679, 2746798839]);
    const random = seededRandom('distillery');
    assert.deepEqual([random(), random(), random()], [0.02121818414889276, 0.6880032878834754, 0.3335086009465158]);
    assert.deepEqual(ids(samplePrinciples(ten, { k: 4, seed: 'golden' }).principles), ['j', 'd', 'i', 'g']);
  });

  it('is reproducible and seed-dependent', () => {
    const draw = (seed: string) => ids(samplePrinciples(ten, { k: 3, seed }).principles).join(',');
    assert.equal(draw('run-1'), draw('run-1'));
    const distinct = new Set(Array.from({ length: 50 }, (_, index) => draw(`seed-${index}`)));
    assert.ok(distinct.size > 30, `only ${distinct.size} distinct draws out of 50`);
  });

  it('draws without replacement', () => {
    for (let seed = 0; seed < 200; seed++) {
      const drawn = ids(samplePrinciples(ten, { k: 6, seed: String(seed) }).principles);
      assert.equal(new Set(drawn).size, 6);
    }
  });

  it('draws each principle with a frequency proportional to its weight (deterministic seeds)', () => {
    const pool = [principle('w1', 1), principle('w2', 2), principle('w3', 3), principle('w4', 4)];
    const runs = 20000;
    const first = new Map<string, number>();
    const inTwo = new Map<string, number>();
    for (let seed = 0; seed < runs; seed++) {
      const drawn = ids(samplePrinciples(pool, { k: 2, seed: `proportional-${seed}` }).principles);
      first.set(drawn[0] as string, (first.get(drawn[0] as string) ?? 0) + 1);
      for (const id of drawn) inTwo.set(id, (inTwo.get(id) ?? 0) + 1);
    }
    const total = 10;
    for (const { id, weight } of pool) {
      // The first pick: exactly proportional to the weight.
      const observed = (first.get(id) ?? 0) / runs;
      assert.ok(Math.abs(observed - weight / total) < 0.015, `${id}: first pick ${observed}, expected ${weight / total}`);
      // Inclusion in a draw of two, without replacement: P(first) + Σ_j P(j first)·w/(W − w_j).
      let expected = weight / total;
      for (const other of pool) if (other.id !== id) expected += (other.weight / total) * (weight / (total - other.weight));
      const included = (inTwo.get(id) ?? 0) / runs;
      assert.ok(Math.abs(included - expected) < 0.015, `${id}: included ${included}, expected ${expected}`);
    }
  });

  it('filters by tags: any-of by default, all-of on request, case-insensitively', () => {
    const pool = [principle('safe', 1, ['safety']), principle('honest', 1, ['Honesty']), principle('both', 1, ['safety', 'honesty']), principle('none')];
    assert.deepEqual(ids(eligiblePrinciples(pool, { tags: ['safety', 'honesty'] })), ['safe', 'honest', 'both']);
    assert.deepEqual(ids(eligiblePrinciples(pool, { tags: ['SAFETY', 'honesty'], tagMatch: 'all' })), ['both']);
    assert.deepEqual(ids(eligiblePrinciples(pool, { tags: [] })), ['safe', 'honest', 'both', 'none']);
    for (let seed = 0; seed < 50; seed++) {
      const drawn = ids(samplePrinciples(pool, { k: 2, seed: String(seed), tags: ['honesty'] }).principles);
      assert.deepEqual([...drawn].sort(), ['both', 'honest']);
    }
  });

  it('filters by purpose: critique needs Critique and Revision, compare needs Compare', () => {
    const pool = [principle('cr', 1, [], { critique: 'c', revision: 'r' }), principle('cmp'), principle('all', 1, [], { critique: 'c', revision: 'r', compare: 'q' })];
    assert.deepEqual(ids(eligiblePrinciples(pool, { purpose: 'critique' })), ['cr', 'all']);
    assert.deepEqual(ids(eligiblePrinciples(pool, { purpose: 'compare' })), ['cmp', 'all']);
  });

  it('k larger than the pool: all of them, in sampled order, with a note', () => {
    const pool = [principle('a', 1, ['x']), principle('b', 5, ['x']), principle('c', 1, ['y'])];
    const result = samplePrinciples(pool, { k: 5, seed: 's', tags: ['x'] });
    assert.deepEqual([...ids(result.principles)].sort(), ['a', 'b']);
    assert.equal(result.poolSize, 2);
    assert.deepEqual(result.notes, ['asked for 5 principles but only 2 match (with any of the tags x): all 2 are drawn, in sampled order']);
    const orders = new Set(Array.from({ length: 40 }, (_, seed) => ids(samplePrinciples(pool, { k: 9, seed: String(seed) }).principles).join()));
    assert.ok(orders.size > 1, 'the order is sampled, not the document order');
    assert.deepEqual(samplePrinciples(pool, { k: 1, seed: 's', tags: ['zzz'] }).notes, ['no principle matches (with any of the tags zzz): nothing drawn']);
    assert.deepEqual(samplePrinciples(pool, { k: 0, seed: 's' }).principles, []);
  });

  it('refuses a k that is not a whole number ≥ 0, and weights that are not positive', () => {
    assert.throws(() => samplePrinciples(ten, { k: -1, seed: 's' }), RangeError);
    assert.throws(() => samplePrinciples(ten, { k: 1.5, seed: 's' }), RangeError);
    assert.throws(() => samplePrinciples([principle('z', 0)], { k: 1, seed: 's' }), /weight/);
  });
});
