import { strict as assert } from 'node:assert';
import { JsonlScanner, scanJsonl } from '../../../src/core/dataset/scan';

const bytes = (text: string) => Buffer.from(text, 'utf8');

describe('scanJsonl', () => {
  it('counts rows and blank lines, with or without CRLF and BOM', () => {
    const text = '{"a":1}\r\n\r\n   \n{"b":[1,2]}\n';
    const plain = scanJsonl(bytes(text));
    assert.deepEqual([plain.rows, plain.blank, plain.malformed, plain.lastLineUnterminated], [2, 2, 0, false]);
    const withBom = scanJsonl(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes(text)]));
    assert.deepEqual([withBom.rows, withBom.blank, withBom.malformed], [2, 2, 0]);
  });

  it('reports a syntax error at its line and column', () => {
    const summary = scanJsonl(bytes('{"ok":true}\n{"broken": }\n'));
    assert.equal(summary.malformed, 1);
    assert.deepEqual(summary.problems[0], { line: 2, column: 12, message: 'value expected' });
  });

  it('reports JSON values that are not objects', () => {
    const summary = scanJsonl(bytes('[1]\n  42\nnull\n"s"\n'));
    assert.equal(summary.rows, 0);
    assert.deepEqual(
      summary.problems.map((p) => [p.line, p.column, p.message]),
      [
        [1, 1, 'row is an array, not a JSON object'],
        [2, 3, 'row is a number, not a JSON object'],
        [3, 1, 'row is null, not a JSON object'],
        [4, 1, 'row is a string, not a JSON object'],
      ],
    );
  });

  it('flags a last line without a newline as possibly cut off', () => {
    assert.equal(scanJsonl(bytes('{"a":1}\n{"a":2}')).lastLineUnterminated, true);
    assert.equal(scanJsonl(bytes('{"a":1}\n{"a":')).malformed, 1);
    assert.equal(scanJsonl(bytes('')).lastLineUnterminated, false);
  });

  it('gives the same answer whatever the chunk boundaries are', () => {
    const text = '\ufeff{"a":"é"}\r\n{"b":\n\n{"c":3}\n[]';
    const whole = scanJsonl(bytes(text));
    const data = bytes(text);
    for (let size = 1; size <= 7; size++) {
      const scanner = new JsonlScanner();
      for (let i = 0; i < data.length; i += size) scanner.push(data.subarray(i, i + size));
      assert.deepEqual(scanner.end(), whole, `chunks of ${size} bytes`);
    }
  });

  it('keeps at most maxProblems problems but counts them all', () => {
    const summary = scanJsonl(bytes('x\n'.repeat(10)), { maxProblems: 3 });
    assert.equal(summary.malformed, 10);
    assert.equal(summary.problems.length, 3);
  });
});
