/**
 * Datasets kept as one JSON array (LLaMA-Factory's `data/*.json`) ⇄ JSONL, over text and parsed
 * values. A JSON array of objects becomes one JSONL row per element and comes back as an equal
 * array. Elements that are not objects cannot be JSONL rows: they are reported with their index
 * and offset and left out.
 *
 * Values go through `JSON.parse`/`JSON.stringify`, so an element's formatting is not kept (JSONL
 * needs each row on one line anyway), and numbers are written as JavaScript reads them (`1.0` as
 * `1`, integers beyond 2^53 rounded).
 */
import { parse, parseTree, type ParseError } from 'jsonc-parser';
import { describeParseError } from '../errors/jsonParseError';
import { isRecord } from './jsonValue';
import { describeJsonType } from './rowIssues';

const BOM = '\uFEFF';

export interface ElementProblem {
  /** The element's index in the array. */
  readonly index: number;
  /** The element's offset in the text (after any BOM). */
  readonly offset: number;
  readonly message: string;
}

export type JsonArrayParse =
  | { readonly ok: true; readonly rows: readonly Record<string, unknown>[]; readonly problems: readonly ElementProblem[] }
  /** The text is not a JSON array: a syntax error at `offset`, or another JSON value. */
  | { readonly ok: false; readonly offset: number; readonly message: string };

/** Whether a text holds a JSON array (its first non-blank character, after a BOM, is `[`). */
export function looksLikeJsonArray(text: string): boolean {
  return /^\uFEFF?\s*\[/.test(text);
}

function withoutBom(text: string): string {
  return text.startsWith(BOM) ? text.slice(1) : text;
}

/** Reads a JSON array file: its object elements as rows, the others as problems. */
export function parseJsonArray(text: string): JsonArrayParse {
  const body = withoutBom(text);
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    const errors: ParseError[] = [];
    parse(body, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
    const first = errors[0];
    return first ? { ok: false, offset: first.offset, message: describeParseError(first) } : { ok: false, offset: 0, message: 'invalid JSON' };
  }
  if (!Array.isArray(value)) {
    return { ok: false, offset: body.length - body.trimStart().length, message: `the file holds ${describeJsonType(value)}, not a JSON array` };
  }
  const rows: Record<string, unknown>[] = [];
  const bad: number[] = [];
  value.forEach((element: unknown, index) => {
    if (isRecord(element)) rows.push(element);
    else bad.push(index);
  });
  if (bad.length === 0) return { ok: true, rows, problems: [] };
  // Offsets only when there is something to report: the tree costs more than JSON.parse.
  const elements = parseTree(body)?.children ?? [];
  const problems = bad.map((index): ElementProblem => ({
    index,
    offset: elements[index]?.offset ?? 0,
    message: `element ${index} is ${describeJsonType(value[index])}, not a JSON object: it cannot be a JSONL row`,
  }));
  return { ok: true, rows, problems };
}

export interface JsonlWriteOptions {
  /** Line ending: `\n` (the default) or `\r\n`. */
  readonly eol?: '\n' | '\r\n';
}

/** Rows as JSONL text: one compact JSON object per line, each line terminated. */
export function toJsonl(rows: readonly unknown[], options: JsonlWriteOptions = {}): string {
  const eol = options.eol ?? '\n';
  return rows.map((row) => JSON.stringify(row) + eol).join('');
}

export interface JsonArrayWriteOptions {
  /** Indentation of the array's elements: 2 spaces by default (as LLaMA-Factory's files), 0 for one line. */
  readonly indent?: number;
}

/** Rows as a JSON array file's text, ending with a newline. */
export function toJsonArray(rows: readonly unknown[], options: JsonArrayWriteOptions = {}): string {
  return JSON.stringify(rows, null, options.indent ?? 2) + '\n';
}

export type JsonArrayConversion =
  | { readonly ok: true; readonly text: string; readonly rows: number; readonly problems: readonly ElementProblem[] }
  | { readonly ok: false; readonly offset: number; readonly message: string };

/** A JSON array file's text as JSONL text; elements that are not objects are left out and reported. */
export function jsonArrayToJsonl(text: string, options: JsonlWriteOptions = {}): JsonArrayConversion {
  const parsed = parseJsonArray(text);
  if (!parsed.ok) return parsed;
  return { ok: true, text: toJsonl(parsed.rows, options), rows: parsed.rows.length, problems: parsed.problems };
}
