/**
 * Byte-preserving row edits: changing a row rewrites that row's bytes and nothing else, so line
 * endings, a BOM, a missing final newline and every other row stay exactly as they were.
 */
import {
  applyEdits,
  createScanner,
  findNodeAtLocation,
  modify,
  parseTree,
  type Edit,
  type JSONPath,
  type Node as JsonNode,
  type ParseError,
  type SyntaxKind,
} from 'jsonc-parser';
import { describeParseError } from '../errors/jsonParseError';
import { hasBom } from './lineIndex';

/** The key under which Distillery keeps what it adds to a row. */
export const DISTILLERY_KEY = 'distillery';

export class RowEditError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RowEditError';
  }
}

export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

// jsonc-parser's SyntaxKind is a const enum, which isolatedModules cannot read: its values, copied.
const COMMA_TOKEN = 5 as SyntaxKind;
const COLON_TOKEN = 6 as SyntaxKind;
const TRIVIA = 15 as SyntaxKind;
const UNKNOWN = 16 as SyntaxKind;
const EOF = 17 as SyntaxKind;

/**
 * Throws a {@link RowEditError} unless `text` is one JSON object on one line: a raw newline
 * (or carriage return) would split the row in two.
 */
export function assertRowText(text: string): void {
  parseRowObject(text, 'the new row');
}

/** Parses a row's text into jsonc-parser's tree, or throws a {@link RowEditError} saying why it is not a JSON object. */
function parseRowObject(text: string, what: string): JsonNode {
  const newline = text.search(/[\r\n]/);
  if (newline !== -1) {
    throw new RowEditError(`a row must stay on one line: ${what} has a raw ${text[newline] === '\n' ? 'newline' : 'carriage return'} at column ${newline + 1}`);
  }
  if (text.trim() === '') throw new RowEditError(`${what} is blank, not a JSON object`);
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false });
  const first = errors[0];
  if (first) throw new RowEditError(`${what} is not valid JSON: ${describeParseError(first)} at column ${first.offset + 1}`);
  if (root?.type !== 'object') throw new RowEditError(`${what} is ${root?.type === 'array' ? 'an array' : `a ${root?.type ?? 'value'}`}, not a JSON object`);
  return root;
}

/**
 * The file's bytes with the row at `range` (as {@link JsonlRow} gives it: no BOM, no terminator)
 * replaced by `newRowText`. Every byte outside the range is copied unchanged.
 */
export function replaceRowBytes(fileBytes: Uint8Array, range: ByteRange, newRowText: string): Buffer {
  assertRowRange(fileBytes, range);
  assertRowText(newRowText);
  const replacement = Buffer.from(newRowText, 'utf8');
  return Buffer.concat([fileBytes.subarray(0, range.start), replacement, fileBytes.subarray(range.end)]);
}

/** Checks that `range` still covers exactly one row's text, so that a stale range cannot cut rows. */
function assertRowRange(bytes: Uint8Array, { start, end }: ByteRange): void {
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end < start || end > bytes.length) {
    throw new RowEditError(`row range [${start}, ${end}) is outside the file (0..${bytes.length})`);
  }
  const startsLine = start === 0 || bytes[start - 1] === NEWLINE || (start === 3 && hasBom(bytes));
  const endsLine =
    end === bytes.length || bytes[end] === NEWLINE || (bytes[end] === CARRIAGE_RETURN && bytes[end + 1] === NEWLINE);
  if (!startsLine || !endsLine || bytes.subarray(start, end).includes(NEWLINE)) {
    throw new RowEditError(`row range [${start}, ${end}) does not cover exactly one line; the file may have changed`);
  }
}

/** The spacing a row uses after ':' and ',' — `{"a":1,"b":2}` or Python's `{"a": 1, "b": 2}`. */
interface Separators {
  readonly afterColon: string;
  readonly afterComma: string;
}

/**
 * Sets (or, with `value` undefined, removes) the value at `path` inside one row's text, keeping
 * that row's own formatting: only the changed value's text is replaced, and new text follows the
 * row's spacing. Throws {@link RowEditError} when the row is not a JSON object or the path
 * cannot be set (an array index past the end, a property of a non-object).
 */
export function setRowValue(rowText: string, path: JSONPath, value: unknown): string {
  const root = parseRowObject(rowText, 'the row');
  if (value !== undefined && JSON.stringify(value) === undefined) {
    throw new RowEditError(`cannot write ${typeof value} as JSON`);
  }
  // jsonc-parser would quietly append for an index past the end; that is almost surely a stale path.
  const last = path.at(-1);
  const parent = typeof last === 'number' ? findNodeAtLocation(root, path.slice(0, -1)) : undefined;
  if (typeof last === 'number' && parent?.type === 'array') {
    const length = parent.children?.length ?? 0;
    if (!Number.isInteger(last) || last < 0 || last > length || (value === undefined && last === length)) {
      throw new RowEditError(`cannot set ${formatPath(path)}: the array has ${length} item${length === 1 ? '' : 's'}`);
    }
  }
  let edits: Edit[];
  try {
    // No formattingOptions: jsonc-parser's formatter would spread objects over several lines.
    edits = modify(rowText, path, value, {});
  } catch (error) {
    throw new RowEditError(`cannot set ${formatPath(path)}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const separators = detectSeparators(rowText);
  return applyEdits(
    rowText,
    edits.map((edit) => ({ ...edit, content: respace(edit.content, separators) })),
  );
}

/** The row without its `"distillery"` key (unchanged text when it has none). */
export function stripDistilleryMetadata(rowText: string): string {
  return setRowValue(rowText, [DISTILLERY_KEY], undefined);
}

function formatPath(path: JSONPath): string {
  return path.length === 0 ? 'the row' : path.map((segment) => (typeof segment === 'number' ? `[${segment}]` : `.${segment}`)).join('');
}

function detectSeparators(text: string): Separators {
  let afterColon: string | undefined;
  let afterComma: string | undefined;
  const scanner = createScanner(text, false);
  let previous: SyntaxKind = UNKNOWN;
  for (let token = scanner.scan(); token !== EOF; token = scanner.scan()) {
    if (previous === COLON_TOKEN && afterColon === undefined) afterColon = token === TRIVIA ? scanner.getTokenValue() : '';
    if (previous === COMMA_TOKEN && afterComma === undefined) afterComma = token === TRIVIA ? scanner.getTokenValue() : '';
    if (afterColon !== undefined && afterComma !== undefined) break;
    previous = token;
  }
  // A row with one property shows no comma; its colon spacing is the best guess (Python spaces both).
  return { afterColon: afterColon ?? '', afterComma: afterComma ?? afterColon ?? '' };
}

/** Re-emits JSON text token by token with the row's spacing (strings are tokens, so never touched). */
function respace(content: string, separators: Separators): string {
  if (content === '') return content;
  const scanner = createScanner(content, true);
  let out = '';
  for (let token = scanner.scan(); token !== EOF; token = scanner.scan()) {
    const offset = scanner.getTokenOffset();
    out += content.substring(offset, offset + scanner.getTokenLength());
    if (token === COLON_TOKEN) out += separators.afterColon;
    else if (token === COMMA_TOKEN) out += separators.afterComma;
  }
  return out;
}
