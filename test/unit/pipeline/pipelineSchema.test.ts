/**
 * schemas/pipeline.schema.json (what the editor completes and checks) and pipelineFile.ts (what
 * runs) must agree: the same fields, bounds and choices; every good pipeline passes both; every
 * bad one fails both. The schema is checked with the small draft-07 checker below, which refuses
 * a schema that uses a keyword it does not implement, so that it cannot pass by ignoring one.
 */
import * as assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse, type ParseError } from 'jsonc-parser';
import { checkPipelineText, COMMON_STEP_FIELDS, PIPELINE_FIELDS, STEP_OPTIONS, type OptionKind } from '../../../src/core/pipeline/run/pipelineFile';
import { STEP_TYPES } from '../../../src/core/pipeline/run/pipelineTypes';

const root = path.resolve(__dirname, '..', '..', '..');
const schema = JSON.parse(readFileSync(path.join(root, 'schemas', 'pipeline.schema.json'), 'utf8')) as Schema;
const fixtures = path.join(root, 'test', 'fixtures', 'pipelines');
/** What `npm run demo` sets for the examples (their endpoint comes from the environment). */
const env = { SIM_API_KEY: 'test-key', OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' };

type Schema = Record<string, unknown>;

const KEYWORDS = new Set([
  '$schema', 'title', 'description', 'default', 'definitions', '$ref', 'type', 'properties', 'required', 'additionalProperties',
  'enum', 'const', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minLength', 'pattern', 'minItems', 'items',
  'oneOf', 'allOf', 'if', 'then', 'not', 'dependencies',
  // VS Code's own: they change how the editor reads the file, not what the file may hold.
  'allowComments', 'allowTrailingCommas',
]);

/** The paths of the problems a value has against a schema (draft-07, the keywords above). */
function schemaProblems(value: unknown, node: Schema = schema, at = '$'): string[] {
  const problems: string[] = [];
  const fail = (message: string): void => void problems.push(`${at}: ${message}`);
  if (typeof node.$ref === 'string') {
    const name = /^#\/definitions\/(.+)$/.exec(node.$ref)?.[1];
    const target = name === undefined ? undefined : (schema.definitions as Record<string, Schema>)[name];
    if (!target) throw new Error(`unresolved $ref ${node.$ref}`);
    problems.push(...schemaProblems(value, target, at));
  }
  const isObject = typeof value === 'object' && value !== null && !Array.isArray(value);
  if (node.type !== undefined) {
    const types = Array.isArray(node.type) ? (node.type as string[]) : [node.type as string];
    const actual = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
    const ok = types.some((type) => type === actual || (type === 'integer' && typeof value === 'number' && Number.isInteger(value)));
    if (!ok) return [`${at}: expected ${types.join('|')}`];
  }
  if (node.enum !== undefined && !(node.enum as unknown[]).includes(value)) fail('not in enum');
  if (node.const !== undefined && node.const !== value) fail(`not ${JSON.stringify(node.const)}`);
  if (typeof value === 'number') {
    if (typeof node.minimum === 'number' && value < node.minimum) fail('below minimum');
    if (typeof node.maximum === 'number' && value > node.maximum) fail('above maximum');
    if (typeof node.exclusiveMinimum === 'number' && value <= node.exclusiveMinimum) fail('not above exclusiveMinimum');
    if (typeof node.exclusiveMaximum === 'number' && value >= node.exclusiveMaximum) fail('not below exclusiveMaximum');
  }
  if (typeof value === 'string') {
    if (typeof node.minLength === 'number' && value.length < node.minLength) fail('too short');
    if (typeof node.pattern === 'string' && !new RegExp(node.pattern, 'u').test(value)) fail('does not match pattern');
  }
  if (Array.isArray(value)) {
    if (typeof node.minItems === 'number' && value.length < node.minItems) fail('too few items');
    if (node.items !== undefined) value.forEach((item, index) => problems.push(...schemaProblems(item, node.items as Schema, `${at}[${index}]`)));
  }
  if (isObject) {
    const record = value as Record<string, unknown>;
    for (const name of (node.required as string[] | undefined) ?? []) if (!(name in record)) fail(`missing ${name}`);
    const properties = (node.properties as Record<string, Schema> | undefined) ?? {};
    for (const [name, item] of Object.entries(record)) {
      if (properties[name]) problems.push(...schemaProblems(item, properties[name], `${at}.${name}`));
      else if (node.additionalProperties === false) fail(`unexpected ${name}`);
      else if (typeof node.additionalProperties === 'object') problems.push(...schemaProblems(item, node.additionalProperties as Schema, `${at}.${name}`));
    }
    for (const [name, needs] of Object.entries((node.dependencies as Record<string, string[]> | undefined) ?? {})) {
      if (name in record) for (const need of needs) if (!(need in record)) fail(`${name} needs ${need}`);
    }
  }
  if (Array.isArray(node.oneOf)) {
    const passing = (node.oneOf as Schema[]).filter((branch) => schemaProblems(value, branch, at).length === 0).length;
    if (passing !== 1) fail(`matches ${passing} of oneOf`);
  }
  for (const branch of (node.allOf as Schema[] | undefined) ?? []) {
    if (branch.if !== undefined) {
      if (schemaProblems(value, branch.if as Schema, at).length === 0 && branch.then !== undefined) problems.push(...schemaProblems(value, branch.then as Schema, at));
    } else problems.push(...schemaProblems(value, branch, at));
  }
  if (node.not !== undefined && schemaProblems(value, node.not as Schema, at).length === 0) fail('matches "not"');
  return problems;
}

function keywordsOutside(node: unknown, at: string, found: string[]): string[] {
  if (typeof node !== 'object' || node === null) return found;
  for (const [key, child] of Object.entries(node)) {
    if (!KEYWORDS.has(key)) found.push(`${at}.${key}`);
    if (key === 'properties' || key === 'definitions' || key === 'dependencies') {
      for (const [name, inner] of Object.entries(child as Record<string, unknown>)) if (!Array.isArray(inner)) keywordsOutside(inner, `${at}.${key}.${name}`, found);
    } else if (Array.isArray(child)) child.forEach((inner, index) => keywordsOutside(inner, `${at}.${key}[${index}]`, found));
    else if (typeof child === 'object' && key !== 'default' && key !== 'const' && key !== 'enum') keywordsOutside(child, `${at}.${key}`, found);
  }
  return found;
}

function readJsonc(file: string): unknown {
  const errors: ParseError[] = [];
  const value: unknown = parse(readFileSync(file, 'utf8'), errors, { allowTrailingComma: true });
  assert.deepEqual(errors, [], `${file} is not JSONC`);
  return value;
}

const pipelinesIn = (folder: string): string[] =>
  existsSync(folder) ? readdirSync(folder).filter((name) => name.endsWith('.distillery.jsonc')).map((name) => path.join(folder, name)) : [];

/** The schema of a step type's branch. */
const branch = (type: string): { properties: Record<string, Schema>; required: string[] } =>
  (schema.definitions as Record<string, { properties: Record<string, Schema>; required: string[] }>)[`step-${type}`]!;

/** What the parser's option kind says, in the schema's words, for the keywords both know. */
function expectedBounds(kind: OptionKind): Schema {
  switch (kind.kind) {
    case 'number': {
      const bounds: Schema = { type: kind.integer ? 'integer' : 'number' };
      if (kind.min !== undefined) bounds[kind.exclusiveMin ? 'exclusiveMinimum' : 'minimum'] = kind.min;
      if (kind.max !== undefined) bounds[kind.exclusiveMax ? 'exclusiveMaximum' : 'maximum'] = kind.max;
      return bounds;
    }
    case 'string':
      return { type: 'string', ...(kind.enum ? { enum: [...kind.enum] } : {}), ...(kind.pattern ? { pattern: kind.pattern.source } : {}) };
    case 'boolean':
      return { type: 'boolean' };
    case 'strings':
    case 'profiles':
      return { type: 'array', minItems: 1 };
    case 'path':
    case 'profile':
    case 'source':
      return { type: 'string' };
    case 'weights':
    case 'object':
      return { type: 'object' };
    case 'paths':
    case 'models':
    case 'steps':
      return {};
  }
}

function assertSameOption(kind: OptionKind, option: Schema | undefined, where: string): void {
  assert.ok(option, `${where}: missing from the schema`);
  assert.equal(typeof option.description, 'string', `${where}: no description`);
  for (const [keyword, expected] of Object.entries(expectedBounds(kind))) assert.deepEqual(option[keyword], expected, `${where}.${keyword}`);
  for (const keyword of ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'enum']) {
    if (option[keyword] !== undefined) assert.deepEqual(option[keyword], expectedBounds(kind)[keyword], `${where}: the schema has ${keyword} and the parser does not`);
  }
  if (kind.kind === 'object') {
    const properties = option.properties as Record<string, Schema>;
    assert.deepEqual(Object.keys(properties).sort(), Object.keys(kind.fields).sort(), `${where}: fields`);
    for (const [name, inner] of Object.entries(kind.fields)) assertSameOption(inner, properties[name], `${where}.${name}`);
  }
}

describe('pipeline: the JSON schema and the parser agree', () => {
  it('uses only the draft-07 keywords this check implements', () => {
    assert.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#');
    assert.deepEqual(keywordsOutside(schema, '$', []), []);
  });

  it('has the parser\'s top-level fields, and refuses others', () => {
    assert.equal(schema.additionalProperties, false);
    const properties = schema.properties as Record<string, Schema>;
    assert.deepEqual(Object.keys(properties).sort(), Object.keys(PIPELINE_FIELDS).sort());
    for (const [name, kind] of Object.entries(PIPELINE_FIELDS)) assertSameOption(kind, properties[name], name);
  });

  it('has one branch per step type with exactly the parser\'s options, bounds, choices and required ones', () => {
    const step = (schema.definitions as Record<string, Schema>).step!;
    assert.deepEqual((step.properties as Record<string, Schema>).type!.enum, [...STEP_TYPES]);
    assert.equal((step.allOf as unknown[]).length, STEP_TYPES.length);
    for (const type of STEP_TYPES) {
      const { properties, required } = branch(type);
      assert.equal((schema.definitions as Record<string, Schema>)[`step-${type}`]!.additionalProperties, false, type);
      const common = type === 'self-instruct' ? ['id', 'type'] : ['id', 'type', 'input'];
      assert.deepEqual(Object.keys(properties).sort(), [...common, ...Object.keys(STEP_OPTIONS[type].fields)].sort(), type);
      assert.deepEqual(required.sort(), ['type', ...STEP_OPTIONS[type].required].sort(), `${type} required`);
      assert.deepEqual(properties.type, { const: type, description: properties.type?.description });
      assertSameOption(COMMON_STEP_FIELDS.id!, properties.id, `${type}.id`);
      for (const [name, kind] of Object.entries(STEP_OPTIONS[type].fields)) assertSameOption(kind, properties[name], `${type}.${name}`);
    }
  });

  const good = [...pipelinesIn(path.join(fixtures, 'good')), ...pipelinesIn(path.join(root, 'examples'))];
  it('has good example pipelines to check', () => {
    assert.ok(good.length >= 3, good.join(', '));
  });
  for (const file of good) {
    it(`accepts ${path.relative(root, file)} in both`, () => {
      assert.deepEqual(schemaProblems(readJsonc(file)), []);
      const { problems } = checkPipelineText(readFileSync(file, 'utf8'), file, env);
      assert.deepEqual(problems.map((p) => p.message), []);
    });
  }

  const bad = pipelinesIn(path.join(fixtures, 'bad'));
  it('has bad pipelines to check', () => {
    assert.ok(bad.length >= 10);
  });
  for (const file of bad) {
    it(`refuses ${path.relative(root, file)} in both`, () => {
      const text = readFileSync(file, 'utf8');
      const expected = /^\/\/ expect: (.+)$/m.exec(text)?.[1];
      assert.ok(expected, 'a bad fixture says what it expects on its first line');
      assert.notDeepEqual(schemaProblems(readJsonc(file)), [], 'the schema accepts it');
      const { pipeline, problems } = checkPipelineText(text, file, env);
      assert.equal(pipeline, undefined);
      assert.ok(problems.some((p) => p.message.includes(expected)), problems.map((p) => p.message).join('\n'));
    });
  }

  it('the schema check itself refuses what it should (a wrong type, a bound, an unknown key, a oneOf miss)', () => {
    const base = { input: 'x.jsonl', steps: [{ type: 'dedup' }] };
    assert.deepEqual(schemaProblems(base), []);
    assert.deepEqual(schemaProblems({ ...base, cache: 'yes' }), ['$.cache: expected boolean']);
    assert.deepEqual(schemaProblems({ ...base, concurrency: 0 }), ['$.concurrency: below minimum']);
    assert.deepEqual(schemaProblems({ ...base, extra: 1 }), ['$: unexpected extra']);
    assert.deepEqual(schemaProblems({ ...base, steps: [{ type: 'balance', by: 'kind' }] }), ['$.steps[0]: matches 0 of oneOf']);
  });
});
