import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { jsonArrayToJsonl, looksLikeJsonArray, parseJsonArray, toJsonArray, toJsonl } from '../../../../src/core/dataset/jsonArray';
import { readDataText, requireData } from './realData';

function jsonlRows(text: string): unknown[] {
  assert.ok(text === '' || text.endsWith('\n'));
  return text
    .split('\n')
    .slice(0, -1)
    .map((line) => JSON.parse(line) as unknown);
}

describe('JSON array files ⇄ JSONL', () => {
  it('tells a JSON array file from JSONL', () => {
    assert.equal(looksLikeJsonArray('\uFEFF  \n[\n {"a": 1}\n]'), true);
    assert.equal(looksLikeJsonArray('{"a": 1}\n{"a": 2}\n'), false);
    assert.equal(looksLikeJsonArray(''), false);
  });

  it('converts an array of objects to one row per line and back to an equal array', () => {
    const text = '\uFEFF[\n  {"instruction": "a", "input": "", "output": "b"},\n  {"x": [1, {"y": null}], "s": "line\\nbreak"}\n]\n';
    const result = jsonArrayToJsonl(text);
    assert.ok(result.ok);
    assert.equal(result.text, '{"instruction":"a","input":"","output":"b"}\n{"x":[1,{"y":null}],"s":"line\\nbreak"}\n');
    assert.equal(result.rows, 2);
    assert.deepEqual(result.problems, []);
    const back = toJsonArray(jsonlRows(result.text));
    assert.deepStrictEqual(JSON.parse(back), JSON.parse(text.slice(1)));
    assert.equal(toJsonl([{ a: 1 }], { eol: '\r\n' }), '{"a":1}\r\n');
    assert.equal(toJsonArray([{ a: 1 }], { indent: 0 }), '[{"a":1}]\n');
  });

  it('reports elements that are not objects with their index and offset, and leaves them out', () => {
    const text = '[{"a": 1}, 2, null, [3], {"b": 2}, "s"]';
    const parsed = parseJsonArray(text);
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.rows, [{ a: 1 }, { b: 2 }]);
    assert.deepEqual(
      parsed.problems.map((p) => [p.index, p.offset, text.slice(p.offset, p.offset + 4)]),
      [
        [1, 11, '2, n'],
        [2, 14, 'null'],
        [3, 20, '[3],'],
        [5, 35, '"s"]'],
      ],
    );
    assert.match(parsed.problems[0]?.message ?? '', /element 1 is a number, not a JSON object/);
  });

  it('reports a syntax error at its offset, and a file that is not an array', () => {
    assert.deepEqual(parseJsonArray('[{"a": 1},\n {"b": }]'), { ok: false, offset: 18, message: 'value expected' });
    const notArray = parseJsonArray('  {"a": 1}');
    assert.deepEqual(notArray, { ok: false, offset: 2, message: 'the file holds an object, not a JSON array' });
  });

  it('array → JSONL → array gives an equal array (property)', () => {
    const row = fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 4, noNullPrototype: true });
    fc.assert(
      fc.property(fc.array(row, { maxLength: 6 }), fc.constantFrom(0, 2, 4), (rows, indent) => {
        const text = toJsonArray(rows, { indent });
        const result = jsonArrayToJsonl(text);
        assert.ok(result.ok);
        assert.deepStrictEqual(JSON.parse(toJsonArray(jsonlRows(result.text))), JSON.parse(text));
      }),
      { numRuns: 200 },
    );
  });

  describe('LLaMA-Factory demo files (real data)', function () {
    before(requireData);
    for (const [file, count] of [
      ['llamafactory-alpaca_en_demo.json', 999],
      ['llamafactory-dpo_en_demo.json', 300],
      ['llamafactory-kto_en_demo.json', 300],
    ] as const) {
      it(`${file}: ${count} rows to JSONL and back to an equal array`, () => {
        const text = readDataText(file);
        assert.equal(looksLikeJsonArray(text), true);
        const result = jsonArrayToJsonl(text);
        assert.ok(result.ok);
        assert.equal(result.rows, count);
        assert.deepEqual(result.problems, []);
        assert.equal(result.text.split('\n').length, count + 1);
        assert.deepStrictEqual(jsonlRows(result.text), JSON.parse(text));
        assert.deepStrictEqual(JSON.parse(toJsonArray(jsonlRows(result.text))), JSON.parse(text));
      });
    }
  });
});
