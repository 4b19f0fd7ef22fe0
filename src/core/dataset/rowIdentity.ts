/**
 * A row's identity: a hash of its canonical JSON, the same wherever the row sits and however its
 * keys are ordered or spaced. It lets an edit prepared for a row find that row again after the
 * user has moved it (by inserting or deleting lines above it), and refuse when the row changed.
 */
import { createHash } from 'node:crypto';
import { buildLineIndex, lineStop, asBuffer } from './lineIndex';

/**
 * JSON with object keys sorted (by UTF-16 code units) and no whitespace; numbers and strings as
 * `JSON.stringify` writes them. Equal JSON values give equal text (as in RFC 8785).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const text = JSON.stringify(value);
    if (text === undefined) throw new TypeError(`cannot write ${typeof value} as JSON`);
    return text;
  }
  if (Array.isArray(value)) return `[${value.map((item: unknown) => (item === undefined ? 'null' : canonicalJson(item))).join(',')}]`;
  const record = value as Record<string, unknown>;
  const parts: string[] = [];
  for (const key of Object.keys(record).sort()) {
    const item = record[key];
    // As JSON.stringify does: undefined members are left out.
    if (item !== undefined) parts.push(`${JSON.stringify(key)}:${canonicalJson(item)}`);
  }
  return `{${parts.join(',')}}`;
}

/** The identity of a parsed row: sha-256 of its canonical JSON, in hex. */
export function valueIdentity(value: unknown): string {
  return sha256(canonicalJson(value));
}

/**
 * The identity of a row's text. Text that is not JSON is identified by itself (trimmed), so that a
 * broken row can be found again too; the two kinds of identity never collide.
 */
export function rowIdentity(rowText: string): string {
  let value: unknown;
  try {
    value = JSON.parse(rowText);
  } catch {
    return sha256(`\u0000raw\u0000${rowText.trim()}`);
  }
  return valueIdentity(value);
}

export type RowRelocation =
  | { readonly status: 'found'; readonly line: number }
  /** Equally near matches above and below: which one was meant cannot be known. */
  | { readonly status: 'ambiguous'; readonly lines: readonly number[] }
  /** No row has this identity any more: it was changed or removed. */
  | { readonly status: 'gone' };

/**
 * Finds the row with `identity` in `document`, nearest to `previousLine` (1-based) first: the
 * line itself, then one above and one below, and so on outwards.
 */
export function relocateRow(document: string | Uint8Array, identity: string, previousLine: number): RowRelocation {
  const lines = typeof document === 'string' ? stringLines(document) : byteLines(document);
  const from = Math.min(Math.max(Math.round(previousLine), 1), Math.max(lines.count, 1));
  const matches = (line: number): boolean => rowIdentity(lines.text(line)) === identity;
  const maxDistance = Math.max(from - 1, lines.count - from);
  for (let distance = 0; distance <= maxDistance; distance++) {
    const above = from - distance;
    const below = from + distance;
    const found: number[] = [];
    if (above >= 1 && matches(above)) found.push(above);
    if (distance > 0 && below <= lines.count && matches(below)) found.push(below);
    if (found.length === 1) return { status: 'found', line: found[0] as number };
    if (found.length > 1) return { status: 'ambiguous', lines: found };
  }
  return { status: 'gone' };
}

interface LineAccess {
  readonly count: number;
  /** The text of 1-based `line`, without BOM or terminator. */
  text(line: number): string;
}

function byteLines(document: Uint8Array): LineAccess {
  const bytes = asBuffer(document);
  const index = buildLineIndex(bytes);
  return {
    count: index.lineCount,
    text(line) {
      const start = index.starts[line - 1] as number;
      let end = lineStop(index, line - 1);
      if (end < bytes.length && end > start && bytes[end - 1] === 0x0d) end--;
      return bytes.toString('utf8', start, end);
    },
  };
}

/** Lines of an editor's text (JS string offsets, so no decoding). */
function stringLines(document: string): LineAccess {
  const starts: number[] = [];
  const bom = document.charCodeAt(0) === 0xfeff ? 1 : 0;
  if (document.length > 0) {
    for (let start = bom; ; ) {
      starts.push(start);
      const newline = document.indexOf('\n', start);
      if (newline === -1 || newline + 1 === document.length) break;
      start = newline + 1;
    }
  }
  return {
    count: starts.length,
    text(line) {
      const start = starts[line - 1] as number;
      const next = starts[line];
      let end = next === undefined ? (document.endsWith('\n') ? document.length - 1 : document.length) : next - 1;
      if (next !== undefined || document.endsWith('\n')) {
        if (end > start && document.charCodeAt(end - 1) === 0x0d) end--;
      }
      return document.slice(start, end);
    },
  };
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
