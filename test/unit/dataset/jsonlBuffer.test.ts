import { strict as assert } from 'node:assert';
import { isUtf8 } from 'node:buffer';
import fc from 'fast-check';
import { JsonlBuffer, readJsonlRows } from '../../../src/core/dataset/jsonlBuffer';
import type { JsonlRow } from '../../../src/core/dataset/rowParser';
import { findInvalidUtf8 } from '../../../src/core/dataset/utf8';
import { BOM, bytes, splitInChunks } from './support';

const kinds = (rows: readonly JsonlRow[]) => rows.map((row) => row.kind);
const problems = (rows: readonly JsonlRow[]) =>
  rows.flatMap((row) => (row.problem ? [[row.problem.line, row.problem.column, row.problem.code, row.problem.message]] : []));

describe('JsonlBuffer: reading rows', () => {
  it('gives each row its line, byte range, terminator and value', () => {
    const rows = readJsonlRows(bytes('{"a":1}\n{"b":"é"}\r\n{"c":[]}'));
    assert.deepEqual(
      rows.map(({ line, start, end, terminator, value }) => ({ line, start, end, terminator, value })),
      [
        { line: 1, start: 0, end: 7, terminator: '\n', value: { a: 1 } },
        { line: 2, start: 8, end: 18, terminator: '\r\n', value: { b: 'é' } },
        { line: 3, start: 20, end: 28, terminator: '', value: { c: [] } },
      ],
    );
  });

  it('accounts for every byte: BOM + each row and its terminator rebuild the file', () => {
    const data = Buffer.concat([BOM, bytes('{"a":1}\r\n\n  \r\n[1]\n{"x":\n{"é":"ü"}')]);
    const file = new JsonlBuffer(data);
    const rebuilt = Buffer.concat([
      data.subarray(0, file.index.bomLength),
      ...[...file.rows()].flatMap((row) => [data.subarray(row.start, row.end), bytes(row.terminator)]),
    ]);
    assert.deepEqual(rebuilt, data);
  });

  it('skips a BOM at byte 0, but not one inside the file', () => {
    const rows = readJsonlRows(Buffer.concat([BOM, bytes('{"a":1}\n'), BOM, bytes('{"b":2}\n')]));
    assert.deepEqual(kinds(rows), ['object', 'invalid']);
    assert.equal(rows[0]?.start, 3);
    assert.deepEqual(problems(rows), [[2, 1, 'syntax', 'invalid symbol']]);
  });

  it('keeps the \\r of CRLF out of the row, and reports the terminator', () => {
    const data = bytes('{"a":"x"}\r\n\r\n');
    const rows = readJsonlRows(data);
    assert.equal(data.toString('utf8', rows[0]?.start, rows[0]?.end), '{"a":"x"}');
    assert.deepEqual(rows.map((row) => [row.kind, row.terminator]), [['object', '\r\n'], ['blank', '\r\n']]);
  });

  it('skips blank lines but counts them in line numbers', () => {
    const rows = readJsonlRows(bytes('\n  \n\t\r\n{"a":1}\n{"a":\n'));
    assert.deepEqual(kinds(rows), ['blank', 'blank', 'blank', 'object', 'invalid']);
    assert.deepEqual(problems(rows), [[5, 6, 'syntax', 'value expected']]);
  });

  it('reports syntax errors at their exact line, column and byte offset', () => {
    const data = bytes('{"ok":true}\n{"née": 1 2}\n{"a":tru}\n{"a":1}}\n{"a":"b\tc"}\n{"a":1,}\n{"a":1} // note\n');
    const rows = readJsonlRows(data);
    assert.deepEqual(problems(rows), [
      [2, 11, 'syntax', 'comma expected'],
      [3, 6, 'syntax', 'invalid symbol'],
      [4, 8, 'syntax', 'unexpected text after the row'],
      [5, 8, 'syntax', 'invalid character in string'], // the raw tab, not the string's start
      [6, 8, 'syntax', 'property name expected'],
      [7, 9, 'syntax', 'comments are not allowed in JSON'],
    ]);
    // "é" is one column but two bytes: the byte offset counts bytes.
    const second = rows[1];
    assert.equal(second?.problem?.offset, data.indexOf('2}'));
  });

  it('reports JSON values that are not objects', () => {
    const rows = readJsonlRows(bytes('[1]\n  42\nnull\n"s"\ntrue\n'));
    assert.deepEqual(problems(rows), [
      [1, 1, 'not-object', 'row is an array, not a JSON object'],
      [2, 3, 'not-object', 'row is a number, not a JSON object'],
      [3, 1, 'not-object', 'row is null, not a JSON object'],
      [4, 1, 'not-object', 'row is a string, not a JSON object'],
      [5, 1, 'not-object', 'row is a boolean, not a JSON object'],
    ]);
  });

  it('parses rows indented with JSON whitespace', () => {
    const rows = readJsonlRows(bytes(' \t{"a":1} \n'));
    assert.deepEqual(rows[0]?.value, { a: 1 });
  });

  describe('invalid UTF-8', () => {
    const cases: Array<[string, number[]]> = [
      ['a lone continuation byte', [0x80]],
      ['an overlong encoding', [0xc0, 0xaf]],
      ['a UTF-16 surrogate', [0xed, 0xa0, 0x80]],
      ['a truncated sequence', [0xe2, 0x82]],
      ['a byte never used', [0xff]],
      ['a code point above U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
    ];
    for (const [name, bad] of cases) {
      it(`reports ${name} at its line, column and byte, instead of decoding it to U+FFFD`, () => {
        const data = Buffer.concat([bytes('{"a":1}\n{"é":"x'), Buffer.from(bad), bytes('"}\n{"b":2}\n')]);
        const rows = readJsonlRows(data);
        assert.deepEqual(kinds(rows), ['object', 'invalid', 'object']);
        const problem = rows[1]?.problem;
        assert.equal(problem?.code, 'invalid-utf8');
        assert.equal(problem?.line, 2);
        assert.equal(problem?.column, 8); // seven characters before it: {"é":"x
        assert.equal(problem?.offset, data.indexOf(Buffer.from(bad)));
      });
    }

    it('agrees with buffer.isUtf8 on any bytes', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 40 }), (data) => {
          assert.equal(findInvalidUtf8(data) === -1, isUtf8(data));
        }),
        { numRuns: 2000 },
      );
      fc.assert(
        fc.property(fc.string({ unit: 'binary' }), (text) => assert.equal(findInvalidUtf8(bytes(text)), -1)),
      );
    });
  });

  it('warns about lines over 1 MiB but still parses them', () => {
    const big = `{"text":"${'x'.repeat(1024 * 1024)}"}`;
    const rows = readJsonlRows(bytes(`{"a":1}\n${big}\n`));
    assert.deepEqual(kinds(rows), ['object', 'object']);
    assert.deepEqual(rows[0]?.warnings, []);
    assert.deepEqual(rows[1]?.warnings.map((w) => [w.code, w.line]), [['long-line', 2]]);
    assert.equal((rows[1]?.value as { text: string }).text.length, 1024 * 1024);
    // The limit can be set.
    const small = readJsonlRows(bytes('{"a":"12345"}\n'), { longLineBytes: 8 });
    assert.equal(small[0]?.warnings[0]?.code, 'long-line');
  });

  it('warns that a last line with no newline may be torn, whatever it holds', () => {
    for (const last of ['{"a":2}', '{"a":', '  ']) {
      const rows = readJsonlRows(bytes(`{"a":1}\n${last}`));
      assert.deepEqual(rows[0]?.warnings, []);
      const warning = rows[1]?.warnings.at(-1);
      assert.equal(warning?.code, 'unterminated', last);
      assert.equal(warning?.line, 2);
      assert.equal(rows[1]?.terminator, '');
    }
    assert.equal(readJsonlRows(bytes('{"a":1}\n')).at(-1)?.warnings.length, 0);
  });

  it('reads any line on demand, and refuses lines that are not there', () => {
    const file = new JsonlBuffer(bytes('{"a":1}\n{"a":2}\n{"a":3}\n'));
    assert.equal(file.lineCount, 3);
    assert.deepEqual(file.row(3).value, { a: 3 });
    assert.deepEqual(file.row(1).value, { a: 1 });
    assert.equal(file.rowText(file.row(2)), '{"a":2}');
    for (const line of [0, 4, 1.5]) assert.throws(() => file.row(line), RangeError);
  });

  it('reads plain Uint8Arrays as well as Buffers', () => {
    const data = new Uint8Array(bytes('x{"a":1}\n')).subarray(1);
    assert.deepEqual(readJsonlRows(data)[0]?.value, { a: 1 });
  });

  it('gives the same rows whether read whole or in chunks of any size', () => {
    const data = Buffer.concat([
      BOM,
      bytes('{"a":"é"}\r\n{"b":\n\n{"c":3}\n'),
      Buffer.from([0x7b, 0x22, 0xe2, 0x82, 0x22, 0x3a, 0x31, 0x7d, 0x0a]),
      bytes('[]\n{"😀":"日本"}'),
    ]);
    const whole = readJsonlRows(data);
    for (let size = 1; size <= 9; size++) assert.deepEqual(splitInChunks(data, [size]), whole, `chunks of ${size}`);
    assert.deepEqual(splitInChunks(data, [2, 5, 1, 11]), whole);
  });
});

describe('JsonlBuffer: places of errors inside strings', () => {
  it('points at the bad escape or character, not at the start of the string', () => {
    const rows = readJsonlRows(bytes('{"a":"x\\\\y\\q"}\n{"a":"\\\\u12\\u12"}\n{"a":"ok\u0001"}\n{"a":"\\\\q"}\n'));
    assert.deepEqual(problems(rows), [
      [1, 11, 'syntax', 'invalid escape character'],
      [2, 12, 'syntax', 'invalid unicode escape'],
      [3, 9, 'syntax', 'invalid character in string'],
    ]);
  });
});
