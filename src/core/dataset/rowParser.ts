/**
 * Parsing one JSONL line into a row: its place in the file, its terminator, and either the parsed
 * object or the reason it is not one. The in-memory reader and the stream share this, so both give
 * the same result for the same line.
 */
import { isUtf8 } from 'node:buffer';
import { parse, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { describeParseError } from '../errors/jsonParseError';
import type { JsonObject } from './jsonValue';
import { findInvalidUtf8 } from './utf8';

/** Lines longer than this are reported (editors and many tools struggle with them); they are still parsed. */
export const LONG_LINE_BYTES = 1024 * 1024;

export type RowTerminator = '\n' | '\r\n' | '';

export type RowProblemCode = 'syntax' | 'not-object' | 'invalid-utf8';
export type RowWarningCode = 'long-line' | 'unterminated';

/** A finding on one row, located the way an editor shows it. */
export interface RowDiagnostic<Code extends string = string> {
  readonly code: Code;
  /** 1-based line. */
  readonly line: number;
  /** 1-based column in UTF-16 code units, as editors count. */
  readonly column: number;
  /** Byte offset of the same place in the file. */
  readonly offset: number;
  readonly message: string;
}

export type RowProblem = RowDiagnostic<RowProblemCode>;
export type RowWarning = RowDiagnostic<RowWarningCode>;

interface RowCommon {
  /** 1-based line number; blank lines count. */
  readonly line: number;
  /** Byte range [start, end) of the row's text in the file: no BOM, no '\r\n' or '\n'. */
  readonly start: number;
  readonly end: number;
  /** What followed the row; '' for a last line with no newline. */
  readonly terminator: RowTerminator;
  readonly warnings: readonly RowWarning[];
}

export interface ObjectRow extends RowCommon {
  readonly kind: 'object';
  readonly value: JsonObject;
  readonly problem: undefined;
}

/** An empty line, or one of JSON whitespace only: skipped, but counted. */
export interface BlankRow extends RowCommon {
  readonly kind: 'blank';
  readonly value: undefined;
  readonly problem: undefined;
}

export interface InvalidRow extends RowCommon {
  readonly kind: 'invalid';
  readonly value: undefined;
  readonly problem: RowProblem;
}

export type JsonlRow = ObjectRow | BlankRow | InvalidRow;

export interface RowParseOptions {
  /** Row length (bytes) above which a 'long-line' warning is given. Default {@link LONG_LINE_BYTES}. */
  readonly longLineBytes?: number;
}

const NO_WARNINGS: readonly RowWarning[] = Object.freeze([]);
const OPEN_BRACE = 0x7b;
const CARRIAGE_RETURN = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;
const BACKSLASH = 0x5c;

/**
 * Parses the line bytes[start, stop), where `stop` is the offset of its '\n' when `terminated`,
 * else the end of the line's data. `base` is the file offset of bytes[0]; `utf8Checked` says the
 * caller already knows the line is valid UTF-8 (checked once for many lines, which is far cheaper).
 */
export function parseRow(
  bytes: Buffer,
  start: number,
  stop: number,
  terminated: boolean,
  line: number,
  base: number,
  utf8Checked: boolean,
  longLineBytes: number,
): JsonlRow {
  let end = stop;
  let terminator: RowTerminator = '';
  if (terminated) {
    terminator = '\n';
    if (end > start && bytes[end - 1] === CARRIAGE_RETURN) {
      end--;
      terminator = '\r\n';
    }
  }
  const warnings = end - start > longLineBytes || !terminated ? lineWarnings(bytes, start, end, terminated, line, base, longLineBytes) : NO_WARNINGS;

  if (!utf8Checked && !isUtf8(bytes.subarray(start, end))) {
    const bad = findInvalidUtf8(bytes, start, end);
    const at = bad === -1 ? start : bad; // isUtf8 and the scanner agree; the fallback only guards
    const problem: RowProblem = {
      code: 'invalid-utf8',
      line,
      column: bytes.toString('utf8', start, at).length + 1,
      offset: base + at,
      message: `invalid UTF-8 (byte 0x${(bytes[at] ?? 0).toString(16).padStart(2, '0')})`,
    };
    return invalidRow(line, base + start, base + end, terminator, warnings, problem);
  }

  // The common case first: a line that starts with '{' and parses.
  if (bytes[start] === OPEN_BRACE) {
    const text = bytes.toString('utf8', start, end);
    try {
      // A '{' that JSON.parse accepts is an object: no further check needed.
      const value = JSON.parse(text) as JsonObject;
      return { kind: 'object', line, start: base + start, end: base + end, terminator, warnings, value, problem: undefined };
    } catch {
      return invalidRow(line, base + start, base + end, terminator, warnings, syntaxProblem(text, line, base + start));
    }
  }

  if (isJsonWhitespace(bytes, start, end)) {
    return { kind: 'blank', line, start: base + start, end: base + end, terminator, warnings, value: undefined, problem: undefined };
  }
  const text = bytes.toString('utf8', start, end);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return invalidRow(line, base + start, base + end, terminator, warnings, syntaxProblem(text, line, base + start));
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    return { kind: 'object', line, start: base + start, end: base + end, terminator, warnings, value: value as JsonObject, problem: undefined };
  }
  const indent = text.length - text.trimStart().length;
  const problem: RowProblem = {
    code: 'not-object',
    line,
    column: indent + 1,
    offset: base + start + indent, // JSON whitespace is ASCII: characters and bytes agree
    message: `row is ${describeValueKind(value)}, not a JSON object`,
  };
  return invalidRow(line, base + start, base + end, terminator, warnings, problem);
}

export function describeValueKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

function invalidRow(
  line: number,
  start: number,
  end: number,
  terminator: RowTerminator,
  warnings: readonly RowWarning[],
  problem: RowProblem,
): InvalidRow {
  return { kind: 'invalid', line, start, end, terminator, warnings, value: undefined, problem };
}

function syntaxProblem(text: string, line: number, fileStart: number): RowProblem {
  // JSON.parse's messages differ between engines and give no reliable offset; jsonc-parser gives
  // a stable reason and the exact offset of the first error.
  const errors: ParseError[] = [];
  parse(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  const first = errors[0];
  const at = first ? exactErrorOffset(text, first) : 0;
  return {
    code: 'syntax',
    line,
    column: at + 1,
    offset: fileStart + Buffer.byteLength(text.slice(0, at), 'utf8'),
    message: first ? describeParseError(first) : 'invalid JSON',
  };
}

/**
 * jsonc-parser reports errors inside a string at the string's start; point at the offending
 * character instead (a raw tab in a string is a common slip in hand-edited rows).
 */
function exactErrorOffset(text: string, error: ParseError): number {
  const code = printParseErrorCode(error.error);
  const end = error.offset + error.length;
  for (let i = error.offset + 1; i < end; i++) {
    const char = text.charCodeAt(i);
    if (code === 'InvalidCharacter' && char < 0x20) return i;
    if (char === BACKSLASH) {
      const escaped = text[i + 1] ?? '';
      if (code === 'InvalidEscapeCharacter' && !'"\\/bfnrtu'.includes(escaped)) return i;
      if (code === 'InvalidUnicode' && escaped === 'u' && !/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) return i;
      i++; // an escape is two characters: "\\" must not start another
    }
  }
  return error.offset;
}

function lineWarnings(
  bytes: Buffer,
  start: number,
  end: number,
  terminated: boolean,
  line: number,
  base: number,
  longLineBytes: number,
): readonly RowWarning[] {
  const warnings: RowWarning[] = [];
  if (end - start > longLineBytes) {
    warnings.push({
      code: 'long-line',
      line,
      column: 1,
      offset: base + start,
      message: `row is ${formatMegabytes(end - start)} long (over ${formatMegabytes(longLineBytes)})`,
    });
  }
  if (!terminated) {
    warnings.push({
      code: 'unterminated',
      line,
      column: bytes.toString('utf8', start, end).length + 1,
      offset: base + end,
      message: 'the last line has no newline: it may have been cut off',
    });
  }
  return warnings;
}

function formatMegabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

/** Space, tab and '\r' only (the '\n' never reaches a line); other Unicode spaces are not JSON whitespace. */
function isJsonWhitespace(bytes: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const byte = bytes[i];
    if (byte !== SPACE && byte !== TAB && byte !== CARRIAGE_RETURN) return false;
  }
  return true;
}
