import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { canonicalJson, relocateRow, rowIdentity, valueIdentity } from '../../../src/core/dataset/rowIdentity';
import { BOM, bytes, rowArbitrary } from './support';

describe('rowIdentity', () => {
  it('is the same for the same row however its keys are ordered or spaced', () => {
    const id = rowIdentity('{"prompt":"p","chosen":{"a":1,"b":[1,2]}}');
    assert.match(id, /^[0-9a-f]{64}$/);
    assert.equal(rowIdentity('{ "chosen": {"b": [1, 2], "a": 1.0}, "prompt": "p" }'), id);
    assert.equal(valueIdentity({ chosen: { b: [1, 2], a: 1 }, prompt: 'p' }), id);
  });

  it('differs when anything in the row differs', () => {
    const id = rowIdentity('{"prompt":"p","chosen":"c"}');
    for (const other of ['{"prompt":"p","chosen":"C"}', '{"prompt":"p"}', '{"prompt":"p","chosen":["c"]}', '{"prompt":"p","chosen":"c","x":null}']) {
      assert.notEqual(rowIdentity(other), id, other);
    }
  });

  it('writes canonical JSON: sorted keys at every depth, no whitespace', () => {
    assert.equal(canonicalJson({ b: [{ d: 1, c: 'é' }], a: null, '': true }), '{"":true,"a":null,"b":[{"c":"é","d":1}]}');
    assert.throws(() => canonicalJson(() => 1), TypeError);
  });

  it('is stable under any reordering of keys (property)', () => {
    fc.assert(
      fc.property(rowArbitrary, (row) => {
        const reversed = Object.fromEntries(Object.entries(row).reverse());
        assert.equal(rowIdentity(JSON.stringify(reversed, null, 1).replace(/\n/g, ' ')), rowIdentity(JSON.stringify(row)));
      }),
    );
  });

  it('identifies text that is not JSON by the text itself', () => {
    assert.equal(rowIdentity('{"a": '), rowIdentity('  {"a": '));
    assert.notEqual(rowIdentity('{"a": '), rowIdentity('{"a": 1'));
  });
});

describe('relocateRow', () => {
  const rows = ['{"id":1}', '{"id":2}', '{"id":3}', '{"id":4}', '{"id":5}'];
  const target = rowIdentity('{"id":3}');

  it('finds the row where it was', () => {
    assert.deepEqual(relocateRow(rows.join('\n'), target, 3), { status: 'found', line: 3 });
  });

  it('finds a row moved by lines inserted or deleted above it, in text or bytes, with CRLF and a BOM', () => {
    const moved = ['{"new":1}', '', '{"new":2}', ...rows].join('\r\n');
    assert.deepEqual(relocateRow(moved, target, 3), { status: 'found', line: 6 });
    assert.deepEqual(relocateRow(`\ufeff${moved}\r\n`, target, 3), { status: 'found', line: 6 });
    assert.deepEqual(relocateRow(Buffer.concat([BOM, bytes(moved)]), target, 3), { status: 'found', line: 6 });
    const fewer = rows.slice(1).join('\n');
    assert.deepEqual(relocateRow(fewer, target, 3), { status: 'found', line: 2 });
  });

  it('finds a row that was only reformatted (its identity is its JSON value)', () => {
    const text = rows.map((row) => (row === '{"id":3}' ? '{ "id" : 3 }' : row)).join('\n');
    assert.deepEqual(relocateRow(text, target, 3), { status: 'found', line: 3 });
  });

  it('picks the nearest of several equal rows, and refuses when two are equally near', () => {
    const duplicates = ['{"id":3}', '{"x":1}', '{"x":2}', '{"x":3}', '{"id":3}', '{"x":4}'].join('\n');
    assert.deepEqual(relocateRow(duplicates, target, 4), { status: 'found', line: 5 });
    assert.deepEqual(relocateRow(duplicates, target, 2), { status: 'found', line: 1 });
    assert.deepEqual(relocateRow(duplicates, target, 3), { status: 'ambiguous', lines: [1, 5] });
  });

  it('reports the row gone when it was changed or removed', () => {
    const changed = rows.map((row) => (row === '{"id":3}' ? '{"id":3,"edited":true}' : row)).join('\n');
    assert.deepEqual(relocateRow(changed, target, 3), { status: 'gone' });
    const removed = rows.filter((row) => row !== '{"id":3}').join('\n');
    assert.deepEqual(relocateRow(removed, target, 3), { status: 'gone' });
    assert.deepEqual(relocateRow('', target, 1), { status: 'gone' });
  });

  it('accepts a previous line past the end of a shortened document', () => {
    assert.deepEqual(relocateRow(rows.join('\n'), target, 400), { status: 'found', line: 3 });
  });
});
