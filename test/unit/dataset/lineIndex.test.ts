import { strict as assert } from 'node:assert';
import { buildLineIndex, lineAtOffset, lineSpan } from '../../../src/core/dataset/lineIndex';
import { BOM, bytes } from './support';

describe('buildLineIndex', () => {
  it('records the start of every line in a typed array', () => {
    const index = buildLineIndex(bytes('{"a":1}\n\n{"b":2}\r\n{"c":3}'));
    assert.ok(index.starts instanceof Uint32Array);
    assert.deepEqual([...index.starts], [0, 8, 9, 18]);
    assert.equal(index.lineCount, 4);
    assert.equal(index.endsWithNewline, false);
  });

  it('does not count an empty line after the final newline', () => {
    const index = buildLineIndex(bytes('a\nb\n'));
    assert.equal(index.lineCount, 2);
    assert.equal(index.endsWithNewline, true);
    assert.deepEqual(lineSpan(index, 2), { start: 2, stop: 3, terminated: true });
  });

  it('indexes empty buffers, lone newlines and long runs of blank lines', () => {
    assert.equal(buildLineIndex(bytes('')).lineCount, 0);
    assert.deepEqual([...buildLineIndex(bytes('\n')).starts], [0]);
    const many = buildLineIndex(bytes('\n'.repeat(10_000)));
    assert.equal(many.lineCount, 10_000);
    assert.equal(many.starts[9_999], 9_999);
  });

  it('starts line 1 after a BOM, and finds no lines in a file of only a BOM', () => {
    const index = buildLineIndex(Buffer.concat([BOM, bytes('{}\n{}')]));
    assert.equal(index.bomLength, 3);
    assert.deepEqual([...index.starts], [3, 6]);
    assert.deepEqual(lineSpan(index, 2), { start: 6, stop: 8, terminated: false });
    const onlyBom = buildLineIndex(BOM);
    assert.deepEqual([onlyBom.lineCount, onlyBom.bomLength, onlyBom.endsWithNewline], [0, 3, true]);
  });

  it('finds the line of a byte offset, and rejects lines out of range', () => {
    const index = buildLineIndex(bytes('ab\ncd\n\nef'));
    assert.deepEqual([0, 1, 2, 3, 5, 6, 7, 9].map((offset) => lineAtOffset(index, offset)), [1, 1, 1, 2, 2, 3, 4, 4]);
    assert.throws(() => lineSpan(index, 0), RangeError);
    assert.throws(() => lineSpan(index, 5), RangeError);
  });
});
