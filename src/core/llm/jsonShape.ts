/**
 * A structural check of a reply against the JSON schema it was asked to follow: types, required
 * keys, properties, array items, enums, `additionalProperties: false`, `anyOf`. Enough to refuse
 * a reply with a missing or mistyped field; not a full JSON Schema validator.
 */
export type JsonSchemaLike = {
  readonly type?: string | readonly string[];
  readonly properties?: Readonly<Record<string, JsonSchemaLike>>;
  readonly required?: readonly string[];
  readonly items?: JsonSchemaLike;
  readonly enum?: readonly unknown[];
  readonly additionalProperties?: boolean | JsonSchemaLike;
  readonly anyOf?: readonly JsonSchemaLike[];
};

/** Problems of `text` as JSON of `schema`, each with its JSON path; empty when it conforms. */
export function checkJsonReply(text: string, schema: JsonSchemaLike): string[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return ['the reply is not valid JSON'];
  }
  const problems: string[] = [];
  check(value, schema, '$', problems);
  return problems;
}

function check(value: unknown, schema: JsonSchemaLike, path: string, problems: string[]): void {
  if (problems.length >= 20) return;
  if (schema.anyOf) {
    const fits = schema.anyOf.some((option) => {
      const sub: string[] = [];
      check(value, option, path, sub);
      return sub.length === 0;
    });
    if (!fits) problems.push(`${path}: matches none of the allowed shapes`);
    return;
  }
  if (schema.enum && !schema.enum.some((allowed) => JSON.stringify(allowed) === JSON.stringify(value))) {
    problems.push(`${path}: not one of ${JSON.stringify(schema.enum)}`);
    return;
  }
  const types = schema.type === undefined ? [] : typeof schema.type === 'string' ? [schema.type] : schema.type;
  if (types.length > 0 && !types.some((type) => hasType(value, type))) {
    problems.push(`${path}: expected ${types.join(' or ')}, got ${typeName(value)}`);
    return;
  }
  if (isObject(value)) {
    for (const key of schema.required ?? []) {
      if (!(key in value)) problems.push(`${path}: missing required "${key}"`);
    }
    for (const [key, child] of Object.entries(value)) {
      const sub = schema.properties?.[key];
      if (sub) check(child, sub, `${path}.${key}`, problems);
      else if (schema.additionalProperties === false) problems.push(`${path}: unexpected "${key}"`);
      else if (typeof schema.additionalProperties === 'object') check(child, schema.additionalProperties, `${path}.${key}`, problems);
    }
  } else if (Array.isArray(value) && schema.items) {
    value.forEach((item, index) => check(item, schema.items as JsonSchemaLike, `${path}[${index}]`, problems));
  }
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case 'object': return isObject(value);
    case 'array': return Array.isArray(value);
    case 'string': return typeof value === 'string';
    case 'number': return typeof value === 'number' && Number.isFinite(value);
    case 'integer': return typeof value === 'number' && Number.isInteger(value);
    case 'boolean': return typeof value === 'boolean';
    case 'null': return value === null;
    default: return true;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number' && Number.isInteger(value)) return 'integer';
  return typeof value;
}
