import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { readJsonlRows } from '../../../src/core/dataset/jsonlBuffer';
import {
  assertRowText,
  replaceRowBytes,
  RowEditError,
  setRowValue,
  stripDistilleryMetadata,
} from '../../../src/core/dataset/rowEdit';
import { BOM, bytes, layOut, layoutArbitrary, rowArbitrary } from './support';

/** Asserts that `after` is `before` with bytes [start, end) replaced by `replacement`, every other byte equal. */
function assertOnlyRangeChanged(before: Buffer, after: Buffer, start: number, end: number, replacement: string): void {
  const inserted = bytes(replacement);
  assert.equal(after.length, before.length - (end - start) + inserted.length);
  assert.ok(after.subarray(0, start).equals(before.subarray(0, start)), 'bytes before the row');
  assert.ok(after.subarray(start, start + inserted.length).equals(inserted), 'the row');
  assert.ok(after.subarray(start + inserted.length).equals(before.subarray(end)), 'bytes after the row');
}

describe('replaceRowBytes', () => {
  const crlfWithBom = Buffer.concat([BOM, bytes('{"a": 1}\r\n\r\n{"b":2,  "c":[1, 2]}\r\n{"d":"é"}')]);

  it('rewrites only the row’s bytes in a CRLF file with a BOM and no final newline', () => {
    const rows = readJsonlRows(crlfWithBom);
    for (const row of rows.filter((r) => r.kind === 'object')) {
      const replacement = '{"changed":"ü","n":1}';
      const after = replaceRowBytes(crlfWithBom, row, replacement);
      assertOnlyRangeChanged(crlfWithBom, after, row.start, row.end, replacement);
      const reread = readJsonlRows(after);
      assert.deepEqual(reread[row.line - 1]?.value, { changed: 'ü', n: 1 });
      assert.deepEqual(
        reread.map((r) => r.terminator),
        rows.map((r) => r.terminator),
        'line endings and the missing final newline stay',
      );
    }
    // The BOM stays when row 1 changes.
    const first = replaceRowBytes(crlfWithBom, readJsonlRows(crlfWithBom)[0] as { start: number; end: number }, '{}');
    assert.ok(first.subarray(0, 3).equals(BOM));
  });

  it('keeps every other byte identical for any file and any row (property)', () => {
    fc.assert(
      fc.property(
        fc.array(rowArbitrary, { minLength: 1, maxLength: 8 }),
        layoutArbitrary,
        fc.nat(),
        rowArbitrary,
        (rows, layout, pick, replacement) => {
          const before = layOut(rows.map((row) => JSON.stringify(row)), layout);
          const parsed = readJsonlRows(before);
          const target = parsed[pick % parsed.length];
          assert.ok(target);
          const text = JSON.stringify(replacement);
          const after = replaceRowBytes(before, target, text);
          assertOnlyRangeChanged(before, after, target.start, target.end, text);
          const reread = readJsonlRows(after);
          assert.deepEqual(reread.map((row) => row.value), rows.map((row, i) => (i === target.line - 1 ? replacement : row)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses text that would break the row over lines, or is not a JSON object', () => {
    const data = bytes('{"a":1}\n{"b":2}\n');
    const row = readJsonlRows(data)[0] as { start: number; end: number };
    for (const [text, message] of [
      ['{"a":\n1}', /one line.*raw newline at column 6/],
      ['{"a":1}\r', /raw carriage return/],
      ['{"a":', /not valid JSON: value expected/],
      ['[1,2]', /an array, not a JSON object/],
      ['', /blank, not a JSON object/],
      ['  ', /blank, not a JSON object/],
      ['{"a":1} // note', /not valid JSON/],
    ] as const) {
      assert.throws(() => replaceRowBytes(data, row, text), (error: unknown) => error instanceof RowEditError && message.test(error.message), text);
    }
    // An escaped newline inside a string is fine: it is not a line break.
    assert.doesNotThrow(() => assertRowText('{"a":"line 1\\nline 2"}'));
  });

  it('refuses a range that no longer covers exactly one row', () => {
    const data = bytes('{"a":1}\r\n{"b":2}\n');
    for (const range of [
      { start: 0, end: 9 }, // takes the line break
      { start: 1, end: 7 }, // starts inside the row
      { start: 0, end: 5 }, // ends inside the row
      { start: 0, end: 18 }, // two rows
      { start: 10, end: 40 }, // past the end
      { start: -1, end: 7 },
    ]) {
      assert.throws(() => replaceRowBytes(data, range, '{}'), RowEditError, JSON.stringify(range));
    }
    assert.doesNotThrow(() => replaceRowBytes(data, { start: 0, end: 7 }, '{}'));
    assert.doesNotThrow(() => replaceRowBytes(data, { start: 9, end: 16 }, '{}'));
  });
});

describe('setRowValue', () => {
  it('adds the distillery key in the row’s own spacing, compact or Python-style', () => {
    const metadata = { teacher: { model: 'm', temperature: 0.7 }, tags: ['a', 'b'] };
    assert.equal(
      setRowValue('{"prompt":"p","completion":"c"}', ['distillery'], metadata),
      '{"prompt":"p","completion":"c","distillery":{"teacher":{"model":"m","temperature":0.7},"tags":["a","b"]}}',
    );
    assert.equal(
      setRowValue('{"prompt": "p", "completion": "c"}', ['distillery'], metadata),
      '{"prompt": "p", "completion": "c", "distillery": {"teacher": {"model": "m", "temperature": 0.7}, "tags": ["a", "b"]}}',
    );
    assert.equal(setRowValue('{}', ['distillery'], { a: 1 }), '{"distillery":{"a":1}}');
    assert.equal(setRowValue('{"only": 1}', ['distillery'], 2), '{"only": 1, "distillery": 2}');
  });

  it('replaces a value and leaves the rest of the row’s text alone', () => {
    const row = '{ "b" : 2,"a":  {"x": 1,  "y": [1,2]} , "c": "s" }';
    assert.equal(setRowValue(row, ['a', 'y', 1], 'new: "value", here'), '{ "b" : 2,"a":  {"x": 1,  "y": [1,"new: \\"value\\", here"]} , "c": "s" }');
    assert.equal(setRowValue(row, ['b'], { z: [] }), '{ "b" : {"z": []},"a":  {"x": 1,  "y": [1,2]} , "c": "s" }');
  });

  it('sets a nested path into messages, escaping newlines so the row stays on one line', () => {
    const row = '{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"hello"}]}';
    const edited = setRowValue(row, ['messages', 1, 'content'], 'line 1\nline 2');
    assert.equal(edited, '{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"line 1\\nline 2"}]}');
    assert.doesNotThrow(() => assertRowText(edited));
  });

  it('removes a key with undefined, and leaves the row unchanged when the key is absent', () => {
    assert.equal(setRowValue('{"a": 1, "b": 2, "c": 3}', ['b'], undefined), '{"a": 1, "c": 3}');
    assert.equal(setRowValue('{"a": 1}', ['zzz'], undefined), '{"a": 1}');
  });

  it('refuses rows that are not objects and paths that cannot be set', () => {
    assert.throws(() => setRowValue('[1]', ['a'], 1), RowEditError);
    assert.throws(() => setRowValue('{"a":', ['a'], 1), RowEditError);
    assert.throws(() => setRowValue('{"a":[1]}', ['a', 5], 1), /cannot set \.a\[5\]: the array has 1 item/);
    assert.equal(setRowValue('{"a":[1]}', ['a', 1], 2), '{"a":[1,2]}'); // one past the end appends
    assert.throws(() => setRowValue('{"a":1}', ['b'], () => 1), /cannot write function/);
  });
});

describe('stripDistilleryMetadata', () => {
  it('removes the key wherever it is, keeping the rest byte for byte', () => {
    assert.equal(stripDistilleryMetadata('{"distillery": {"a": [1, {"b": 2}]}, "prompt": "p"}'), '{"prompt": "p"}');
    assert.equal(stripDistilleryMetadata('{"prompt":"p","distillery":{"a":1},"chosen":"c"}'), '{"prompt":"p","chosen":"c"}');
    assert.equal(stripDistilleryMetadata('{"prompt": "p", "distillery": 1}'), '{"prompt": "p"}');
    assert.equal(stripDistilleryMetadata('{"distillery":{}}'), '{}');
    assert.equal(stripDistilleryMetadata('{"prompt":"distillery"}'), '{"prompt":"distillery"}');
  });

  it('undoes adding it: add then strip gives the original text (property)', () => {
    fc.assert(
      fc.property(rowArbitrary, rowArbitrary, (row, metadata) => {
        const { distillery: _ignored, ...plain } = row;
        const text = JSON.stringify(plain);
        const added = setRowValue(text, ['distillery'], metadata);
        assert.deepEqual(JSON.parse(added), { ...plain, distillery: metadata });
        assert.equal(stripDistilleryMetadata(added), text);
      }),
      { numRuns: 300 },
    );
  });
});
