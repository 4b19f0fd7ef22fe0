/** What `JSON.parse` can return. */
export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;

/** A JSON object: the only value a dataset row may be. */
export interface JsonObject {
  [key: string]: JsonValue;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A JSON object as `JSON.parse` returns it, with values not yet narrowed. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return isJsonObject(value);
}
