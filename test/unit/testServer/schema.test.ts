import * as assert from 'node:assert/strict';
import type { JsonSchema } from '../../support/openaiServer';
import { countPromptTokens, countTokens, generateFromSchema, Rng, tokenize, validateAgainstSchema } from '../../support/openaiServer';
import { violateSchema } from '../../support/openaiServer/schema';

describe('test server: schemas, tokens and seeded randomness', () => {
  const schema: JsonSchema = {
    type: 'object',
    properties: {
      id: { type: 'string', format: 'uuid' },
      when: { type: 'string', format: 'date-time' },
      label: { type: 'string', minLength: 3, maxLength: 8 },
      level: { type: 'string', enum: ['low', 'mid', 'high'] },
      fixed: { const: 'v1' },
      count: { type: 'integer', minimum: -3, maximum: 3 },
      step: { type: 'number', multipleOf: 0.5, minimum: 1, maximum: 3 },
      ratio: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
      flags: { type: 'array', items: { type: 'string', enum: ['a', 'b', 'c'] }, minItems: 2, maxItems: 3, uniqueItems: true },
      nested: { type: 'array', items: { $ref: '#/definitions/node' }, maxItems: 2 },
      maybe: { type: ['integer', 'null'] },
      either: { oneOf: [{ type: 'boolean' }, { type: 'string', maxLength: 0 }] },
      merged: { allOf: [{ type: 'object', properties: { x: { type: 'integer' } }, required: ['x'] }, { properties: { y: { type: 'string' } }, required: ['y'] }] },
    },
    required: ['id', 'when', 'label', 'level', 'fixed', 'count', 'step', 'ratio', 'flags', 'nested', 'maybe', 'either', 'merged'],
    additionalProperties: false,
    definitions: { node: { type: 'object', properties: { name: { type: 'string' }, children: { type: 'array', items: { $ref: '#/definitions/node' } } }, required: ['name'] } },
  };

  it('generates values that conform, for every supported keyword, over many seeds', () => {
    for (let seed = 0; seed < 200; seed++) {
      const value = generateFromSchema(schema, new Rng(seed));
      assert.deepEqual(validateAgainstSchema(value, schema), [], `seed ${seed}: ${JSON.stringify(value)}`);
    }
  });

  it('finds what breaks a schema', () => {
    assert.deepEqual(validateAgainstSchema({ a: 1 }, { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: false }), ['/a: expected string, got integer']);
    assert.deepEqual(validateAgainstSchema({ b: 1 }, { type: 'object', properties: {}, additionalProperties: false }), ["/: unexpected property 'b'"]);
    assert.equal(validateAgainstSchema([1, 1], { type: 'array', uniqueItems: true }).length, 1);
    assert.equal(validateAgainstSchema(7, { type: 'integer', maximum: 5 }).length, 1);
  });

  it('breaks a schema on purpose in each mode', () => {
    const conforming = generateFromSchema(schema, new Rng(1));
    for (const mode of ['missingRequired', 'wrongType'] as const) {
      const broken = violateSchema(schema, conforming, mode);
      assert.notDeepEqual(validateAgainstSchema(JSON.parse(broken.content), schema), [], mode);
    }
    assert.throws(() => JSON.parse(violateSchema(schema, conforming, 'notJson').content));
    assert.throws(() => JSON.parse(violateSchema(schema, conforming, 'truncated').content));
  });

  it('tokenizes so that the tokens give back the text, and counts them cheaply', () => {
    for (const text of ['Hello, world!', '  leading and trailing  ', 'naïve café — 42 ünïcödé\n\nnext', '', 'supercalifragilistic']) {
      const tokens = tokenize(text);
      assert.equal(tokens.map((t) => t.text).join(''), text);
      assert.equal(countTokens(text), tokens.length);
      for (const token of tokens) assert.equal(text.slice(token.offset, token.offset + token.text.length), token.text);
    }
    assert.equal(countTokens('The cat sat.'), 4);
    assert.equal(countPromptTokens([{ content: 'The cat sat.' }, { content: 'Hi', name: 'bob' }]), 3 + (3 + 4) + (3 + 1 + 1));
  });

  it('draws the same numbers from the same seed, and independent ones from forks', () => {
    const draws = (seed: number | string) => {
      const rng = new Rng(seed);
      return Array.from({ length: 5 }, () => rng.next());
    };
    assert.deepEqual(draws(42), draws(42));
    assert.deepEqual(draws('abc'), draws('abc'));
    assert.notDeepEqual(draws(42), draws(43));
    const rng = new Rng(7);
    const values = Array.from({ length: 20000 }, () => rng.normal(1, 2));
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
    assert.ok(Math.abs(mean - 1) < 0.05 && Math.abs(sd - 2) < 0.05, `mean ${mean} sd ${sd}`);
    const ints = new Set(Array.from({ length: 200 }, () => rng.int(1, 3)));
    assert.deepEqual([...ints].sort(), [1, 2, 3]);
  });
});
