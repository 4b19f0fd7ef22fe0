import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { balanceRows } from '../../../src/core/curation/balance';
import { categoryOf, rowFacts } from '../../../src/core/curation/rowFacts';
import { sharedDataFile } from '../../support/sharedData';

/** Items named by category and position: a0 a1 … b0 … */
const items = [...['a', 'a', 'a', 'a', 'a', 'a', 'b', 'b', 'b', 'c'].entries()].map(([index, category]) => ({ index, category }));
const byCategory = (item: { category: string }) => item.category;
const indexes = (rows: readonly { index: number }[]) => rows.map((row) => row.index);
const countBy = (rows: readonly { category: string }[]) => rows.reduce<Record<string, number>>((counts, row) => ({ ...counts, [row.category]: (counts[row.category] ?? 0) + 1 }), {});

describe('curation balance', () => {
  it('caps each category at its first N rows, keeping the input order', () => {
    const result = balanceRows(items, byCategory, { mode: 'cap', cap: 2 });
    assert.deepEqual(indexes(result.rows), [0, 1, 6, 7, 9]);
    assert.deepEqual(result.categories, [
      { category: 'a', before: 6, after: 2 },
      { category: 'b', before: 3, after: 2 },
      { category: 'c', before: 1, after: 1 },
    ]);
  });

  it('caps with a seeded random sample: the same seed gives the same rows, another seed others', () => {
    const draw = (seed: string) => indexes(balanceRows(items, byCategory, { mode: 'cap', cap: 2, random: true, seed }).rows);
    const first = draw('7');
    assert.deepEqual(draw('7'), first);
    assert.deepEqual(countBy(first.map((index) => items[index]!)), { a: 2, b: 2, c: 1 });
    assert.deepEqual([...first].sort((x, y) => x - y), first, 'kept in input order');
    const seeds = ['1', '2', '3', '4', '5', '6'];
    assert.ok(seeds.some((seed) => JSON.stringify(draw(seed)) !== JSON.stringify(first)), 'other seeds choose other rows');
  });

  it('down-samples every category to the smallest one, reproducibly', () => {
    const result = balanceRows(items, byCategory, { mode: 'equal', seed: 's' });
    assert.deepEqual(countBy(result.rows), { a: 1, b: 1, c: 1 });
    assert.equal(new Set(indexes(result.rows)).size, 3, 'no row twice');
    assert.deepEqual(indexes(balanceRows(items, byCategory, { mode: 'equal', seed: 's' }).rows), indexes(result.rows));
  });

  it('up-samples to the largest category with replacement only when asked', () => {
    const result = balanceRows(items, byCategory, { mode: 'equal', upsample: true, seed: 's' });
    assert.deepEqual(countBy(result.rows), { a: 6, b: 6, c: 6 });
    assert.deepEqual(indexes(result.rows).slice(0, 10), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 'every original row, in order, then the copies');
    assert.deepEqual(indexes(result.rows.filter((row) => row.category === 'c')), [9, 9, 9, 9, 9, 9]);
    assert.deepEqual(result.categories.map((c) => c.after), [6, 6, 6]);
    assert.deepEqual(indexes(balanceRows(items, byCategory, { mode: 'equal', upsample: true, seed: 's' }).rows), indexes(result.rows));
  });

  it('refuses a cap that is not a whole number', () => {
    assert.throws(() => balanceRows(items, byCategory, { mode: 'cap', cap: 1.5 }), /cap: must be a whole number/);
  });

  it('balances the KTO demo by its label field', () => {
    const rows = JSON.parse(readFileSync(sharedDataFile('llamafactory-kto_en_demo.json'), 'utf8')) as Record<string, unknown>[];
    const labels = new Set(rows.map((row) => JSON.stringify(row.label)));
    assert.ok(labels.size === 2, 'the demo has desirable and undesirable rows');
    const result = balanceRows(rows, (row) => categoryOf(row, rowFacts(row), 'label'), { mode: 'equal', seed: 'kto' });
    const [smaller] = result.categories.map((c) => c.before).sort((x, y) => x - y);
    assert.deepEqual(result.categories.map((c) => c.after), [smaller, smaller]);
    assert.equal(result.rows.length, 2 * smaller!);
  });
});
