/**
 * JSON Schema, the subset that structured outputs use: generate a value that conforms
 * (`generateFromSchema`), check a value (`validateAgainstSchema`), and produce content that
 * breaks a schema on purpose (`violateSchema`, for the "200 whose content breaks the schema" fault).
 *
 * Supported: type (one or a list, 'integer' included), properties, required,
 * additionalProperties: false, items, enum, const, min/maxLength, minimum/maximum and their
 * exclusive forms, multipleOf, min/maxItems, uniqueItems, anyOf/oneOf/allOf, local $ref into
 * $defs/definitions, and a few string formats. `pattern` is neither generated nor checked.
 */
import type { Rng } from './random';
import { phrase } from './generate';

export type JsonType = 'object' | 'array' | 'string' | 'number' | 'integer' | 'boolean' | 'null';

export interface JsonSchema {
  type?: JsonType | JsonType[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  multipleOf?: number;
  minLength?: number;
  maxLength?: number;
  format?: string;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  definitions?: Record<string, JsonSchema>;
  description?: string;
  [keyword: string]: unknown;
}

/** Where a value goes: the property name that holds it (if any) and its JSON pointer. */
export interface SchemaField {
  name: string | undefined;
  pointer: string;
  schema: JsonSchema;
}

/**
 * Lets a caller choose some values itself (the judge fills `winner`, `reasoning`…):
 * return `{ value }` to use it, or undefined to let the generator decide.
 */
export type FieldFiller = (field: SchemaField) => { value: unknown } | undefined;

export interface GenerateOptions {
  filler?: FieldFiller;
  /** Text for a free string field of at most `maxLength` characters. */
  text?: (field: SchemaField, maxLength: number) => string;
}

/** Deeper than this, recursive schemas get their smallest value. */
const MAX_DEPTH = 8;

function resolveRef(root: JsonSchema, ref: string): JsonSchema {
  if (!ref.startsWith('#')) return {};
  let node: unknown = root;
  for (const rawPart of ref.slice(1).split('/').filter(Boolean)) {
    const part = rawPart.replace(/~1/g, '/').replace(/~0/g, '~');
    if (typeof node !== 'object' || node === null) return {};
    node = (node as Record<string, unknown>)[part];
  }
  return typeof node === 'object' && node !== null ? (node as JsonSchema) : {};
}

/** Follows $ref and merges allOf, so that callers see one plain schema. */
export function normalise(root: JsonSchema, schema: JsonSchema): JsonSchema {
  let current = schema;
  for (let hops = 0; current.$ref !== undefined && hops < 32; hops++) {
    const { $ref, ...rest } = current;
    current = { ...resolveRef(root, $ref), ...rest };
  }
  if (current.allOf) {
    const { allOf, ...rest } = current;
    let merged: JsonSchema = rest;
    for (const part of allOf) {
      const resolved = normalise(root, part);
      merged = {
        ...resolved,
        ...merged,
        properties: { ...resolved.properties, ...merged.properties },
        required: [...(resolved.required ?? []), ...(merged.required ?? [])],
      };
    }
    current = merged;
  }
  return current;
}

function typesOf(schema: JsonSchema): JsonType[] {
  if (Array.isArray(schema.type)) return schema.type;
  if (schema.type) return [schema.type];
  if (schema.properties) return ['object'];
  if (schema.items) return ['array'];
  return [];
}

function numberBounds(schema: JsonSchema, integer: boolean): [number, number] {
  const step = integer ? 1 : 0.01;
  let low = schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + step : undefined);
  let high = schema.maximum ?? (schema.exclusiveMaximum !== undefined ? schema.exclusiveMaximum - step : undefined);
  if (low === undefined && high === undefined) [low, high] = [0, 100];
  else if (low === undefined) low = (high as number) - 100;
  else if (high === undefined) high = low + 100;
  if (integer) return [Math.ceil(low as number), Math.floor(high as number)];
  return [low as number, high as number];
}

function formattedString(format: string | undefined, rng: Rng): string | undefined {
  switch (format) {
    case 'date-time':
      return new Date(Date.UTC(2025, rng.int(0, 11), rng.int(1, 28), rng.int(0, 23), rng.int(0, 59))).toISOString();
    case 'date':
      return `2025-${String(rng.int(1, 12)).padStart(2, '0')}-${String(rng.int(1, 28)).padStart(2, '0')}`;
    case 'email':
      return `user${rng.int(1, 999)}@example.com`;
    case 'uri':
    case 'url':
      return `https://example.com/item/${rng.int(1, 9999)}`;
    case 'uuid': {
      const hex = () => rng.int(0, 0xffff).toString(16).padStart(4, '0');
      return `${hex()}${hex()}-${hex()}-4${hex().slice(1)}-8${hex().slice(1)}-${hex()}${hex()}${hex()}`;
    }
    default:
      return undefined;
  }
}

function fitLength(text: string, minLength: number, maxLength: number): string {
  let result = text.length > maxLength ? text.slice(0, maxLength) : text;
  while (result.length < minLength) result += result.length === 0 ? 'x' : ` ${text || 'x'}`;
  return result.length > maxLength ? result.slice(0, maxLength) : result;
}

/** A value that conforms to `schema`, drawn from `rng`. */
export function generateFromSchema(schema: JsonSchema, rng: Rng, options: GenerateOptions = {}): unknown {
  const root = schema;

  const generate = (raw: JsonSchema, name: string | undefined, pointer: string, depth: number): unknown => {
    const node = normalise(root, raw);
    const field: SchemaField = { name, pointer, schema: node };
    const chosen = options.filler?.(field);
    if (chosen) return chosen.value;
    if ('const' in node) return node.const;
    if (node.enum && node.enum.length > 0) return rng.pick(node.enum);
    const branches = node.anyOf ?? node.oneOf;
    if (branches && branches.length > 0) {
      // Prefer a branch that is not just null: a real answer says something.
      const branch = branches.find((b) => normalise(root, b).type !== 'null') ?? branches[0] ?? {};
      const { anyOf: _anyOf, oneOf: _oneOf, ...rest } = node;
      return generate({ ...rest, ...branch }, name, pointer, depth);
    }
    const types = typesOf(node);
    const type = types.find((t) => t !== 'null') ?? types[0] ?? 'string';
    switch (type) {
      case 'null':
        return null;
      case 'boolean':
        return rng.chance(0.5);
      case 'integer':
      case 'number': {
        const integer = type === 'integer';
        const [low, high] = numberBounds(node, integer);
        if (high < low) return low;
        if (node.multipleOf && node.multipleOf > 0) {
          const first = Math.ceil(low / node.multipleOf);
          const last = Math.floor(high / node.multipleOf);
          return last >= first ? rng.int(first, last) * node.multipleOf : low;
        }
        return integer ? rng.int(low, high) : Math.round(rng.float(low, high) * 100) / 100;
      }
      case 'string': {
        const formatted = formattedString(node.format, rng);
        if (formatted !== undefined) return formatted;
        const minLength = node.minLength ?? 1;
        const maxLength = Math.max(minLength, node.maxLength ?? 200);
        const text = options.text ? options.text(field, maxLength) : phrase(rng, rng.int(2, 6));
        return fitLength(text, minLength, maxLength);
      }
      case 'array': {
        const minItems = node.minItems ?? 1;
        const maxItems = Math.max(minItems, node.maxItems ?? minItems + 2);
        const count = depth >= MAX_DEPTH ? minItems : rng.int(minItems, maxItems);
        const items: unknown[] = [];
        const seen = new Set<string>();
        for (let i = 0, attempts = 0; items.length < count && attempts < count * 10; attempts++, i++) {
          const item = generate(node.items ?? {}, undefined, `${pointer}/${items.length}`, depth + 1);
          const key = JSON.stringify(item);
          if (node.uniqueItems && seen.has(key)) continue;
          seen.add(key);
          items.push(item);
        }
        return items;
      }
      case 'object':
      default: {
        const result: Record<string, unknown> = {};
        const properties = node.properties ?? {};
        const required = new Set(node.required ?? []);
        for (const [key, propertySchema] of Object.entries(properties)) {
          // Strict structured outputs require every property, so the generator fills them all,
          // except optional ones in schemas nested too deep to end otherwise.
          if (depth >= MAX_DEPTH && !required.has(key)) continue;
          result[key] = generate(propertySchema, key, `${pointer}/${key}`, depth + 1);
        }
        return result;
      }
    }
  };

  return generate(schema, undefined, '', 0);
}

function typeOfValue(value: unknown): JsonType {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value as JsonType;
}

function typeAccepts(type: JsonType, value: unknown): boolean {
  const actual = typeOfValue(value);
  return actual === type || (type === 'number' && actual === 'integer');
}

/** The ways `value` breaks `schema`, as "pointer: problem" strings; empty when it conforms. */
export function validateAgainstSchema(value: unknown, schema: JsonSchema): string[] {
  const root = schema;

  const check = (current: unknown, raw: JsonSchema, pointer: string, errors: string[]): void => {
    const node = normalise(root, raw);
    const at = pointer || '/';
    const types = typesOf(node);
    if (types.length > 0 && !types.some((t) => typeAccepts(t, current))) {
      errors.push(`${at}: expected ${types.join(' or ')}, got ${typeOfValue(current)}`);
      return;
    }
    if ('const' in node && JSON.stringify(node.const) !== JSON.stringify(current)) {
      errors.push(`${at}: expected the constant ${JSON.stringify(node.const)}`);
    }
    if (node.enum && !node.enum.some((option) => JSON.stringify(option) === JSON.stringify(current))) {
      errors.push(`${at}: ${JSON.stringify(current)} is not one of ${JSON.stringify(node.enum)}`);
    }
    const branches = node.anyOf ?? node.oneOf;
    if (branches) {
      const matching = branches.filter((branch) => {
        const branchErrors: string[] = [];
        check(current, branch, pointer, branchErrors);
        return branchErrors.length === 0;
      }).length;
      if (matching === 0 || (node.oneOf && matching > 1)) {
        errors.push(`${at}: matches ${matching} of the ${node.oneOf ? 'oneOf' : 'anyOf'} branches`);
      }
    }
    if (typeof current === 'string') {
      if (node.minLength !== undefined && current.length < node.minLength) errors.push(`${at}: shorter than ${node.minLength}`);
      if (node.maxLength !== undefined && current.length > node.maxLength) errors.push(`${at}: longer than ${node.maxLength}`);
    }
    if (typeof current === 'number') {
      if (node.minimum !== undefined && current < node.minimum) errors.push(`${at}: below ${node.minimum}`);
      if (node.maximum !== undefined && current > node.maximum) errors.push(`${at}: above ${node.maximum}`);
      if (node.exclusiveMinimum !== undefined && current <= node.exclusiveMinimum) errors.push(`${at}: not above ${node.exclusiveMinimum}`);
      if (node.exclusiveMaximum !== undefined && current >= node.exclusiveMaximum) errors.push(`${at}: not below ${node.exclusiveMaximum}`);
      if (node.multipleOf && Math.abs(current / node.multipleOf - Math.round(current / node.multipleOf)) > 1e-9) {
        errors.push(`${at}: not a multiple of ${node.multipleOf}`);
      }
    }
    if (Array.isArray(current)) {
      if (node.minItems !== undefined && current.length < node.minItems) errors.push(`${at}: fewer than ${node.minItems} items`);
      if (node.maxItems !== undefined && current.length > node.maxItems) errors.push(`${at}: more than ${node.maxItems} items`);
      if (node.uniqueItems && new Set(current.map((item) => JSON.stringify(item))).size !== current.length) {
        errors.push(`${at}: items are not unique`);
      }
      const itemSchema = node.items;
      if (itemSchema) current.forEach((item, index) => check(item, itemSchema, `${pointer}/${index}`, errors));
    }
    if (typeOfValue(current) === 'object') {
      const object = current as Record<string, unknown>;
      for (const key of node.required ?? []) {
        if (!(key in object)) errors.push(`${at}: missing required property '${key}'`);
      }
      const properties = node.properties ?? {};
      for (const [key, propertyValue] of Object.entries(object)) {
        const propertySchema = properties[key];
        if (propertySchema) check(propertyValue, propertySchema, `${pointer}/${key}`, errors);
        else if (node.additionalProperties === false) errors.push(`${at}: unexpected property '${key}'`);
        else if (typeof node.additionalProperties === 'object') check(propertyValue, node.additionalProperties, `${pointer}/${key}`, errors);
      }
    }
  };

  const errors: string[] = [];
  check(value, schema, '', errors);
  return errors;
}

/** How the schemaViolation fault breaks the content. */
export type ViolationMode = 'missingRequired' | 'wrongType' | 'notJson' | 'truncated';

/** A value of a different JSON type than `schema` asks for. */
function wrongValueFor(schema: JsonSchema): unknown {
  const types = typesOf(schema);
  if (schema.enum) return '__not_in_enum__';
  if (types.includes('string')) return 12345;
  if (types.includes('number') || types.includes('integer')) return 'many';
  if (types.includes('boolean')) return 'yes';
  if (types.includes('array')) return { not: 'an array' };
  return ['not', 'an', 'object'];
}

/**
 * Content that fails to parse as, or to conform to, `schema`; `conforming` is a value that does
 * conform, which the broken content is made from so that it looks like a near miss.
 */
export function violateSchema(schema: JsonSchema, conforming: unknown, mode: ViolationMode | undefined): { content: string; mode: ViolationMode } {
  const root = normalise(schema, schema);
  const isObject = typeOfValue(conforming) === 'object';
  const required = root.required ?? [];
  const effective: ViolationMode = mode ?? (isObject && required.length > 0 ? 'missingRequired' : 'wrongType');
  const text = JSON.stringify(conforming);
  switch (effective) {
    case 'notJson':
      return { content: `Sure! Here is the JSON you asked for:\n${text}\nLet me know if you need anything else.`, mode: effective };
    case 'truncated':
      return { content: text.slice(0, Math.max(1, Math.floor(text.length / 2))), mode: effective };
    case 'missingRequired': {
      if (isObject && required.length > 0) {
        const copy = { ...(conforming as Record<string, unknown>) };
        delete copy[required[0] as string];
        return { content: JSON.stringify(copy), mode: effective };
      }
      return violateSchema(schema, conforming, 'wrongType');
    }
    case 'wrongType': {
      const firstKey = isObject ? Object.keys(root.properties ?? {})[0] : undefined;
      if (isObject && firstKey !== undefined) {
        const propertySchema = normalise(schema, root.properties?.[firstKey] ?? {});
        return { content: JSON.stringify({ ...(conforming as Record<string, unknown>), [firstKey]: wrongValueFor(propertySchema) }), mode: effective };
      }
      return { content: JSON.stringify(wrongValueFor(root)), mode: effective };
    }
  }
}
