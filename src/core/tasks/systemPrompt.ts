/**
 * System prompt templates: `{{field}}` takes the input row's top-level string field of that name.
 * The template is the user's own text, so the row's values go in as they are (a template that
 * says "Answer as {{persona}}" wants the persona, not a fenced quotation of it).
 */
import { createHash } from 'node:crypto';
import { InputError } from '../errors/located';
import { isRecord } from '../dataset/jsonValue';

const PLACEHOLDER = /\{\{\s*([^{}\s]+)\s*\}\}/g;

/** The fields a template names, in order of first use. */
export function templateFields(template: string): string[] {
  const fields: string[] = [];
  for (const match of template.matchAll(PLACEHOLDER)) {
    const name = match[1];
    if (name !== undefined && !fields.includes(name)) fields.push(name);
  }
  return fields;
}

/**
 * The template with each `{{field}}` replaced by the row's string value. A field the row lacks, or
 * holds as something other than text, is an InputError naming the field and what the row has.
 */
export function renderSystemPrompt(template: string, row: unknown): string {
  const record = isRecord(row) ? row : {};
  for (const field of templateFields(template)) {
    const value = record[field];
    if (typeof value !== 'string') {
      const has = value === undefined ? 'has no such field' : `has ${value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value} there`;
      throw new InputError(`system prompt template: {{${field}}} needs a top-level text field "${field}", but the row ${has}`);
    }
  }
  return template.replace(PLACEHOLDER, (_whole, field: string) => record[field] as string);
}

/** A short stable name for a template, recorded in provenance so that runs can be grouped by it. */
export function templateHash(template: string): string {
  return createHash('sha256').update(template, 'utf8').digest('hex').slice(0, 16);
}
