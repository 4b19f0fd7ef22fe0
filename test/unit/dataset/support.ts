import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { JsonlRowSplitter } from '../../../src/core/dataset/rowSplitter';
import type { JsonlRow } from '../../../src/core/dataset/rowParser';
import type { JsonObject, JsonValue } from '../../../src/core/dataset/jsonValue';

export const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

export const bytes = (text: string): Buffer => Buffer.from(text, 'utf8');

/** A fresh temporary directory per test file, removed after its tests. */
export function useTempDir(prefix: string): () => string {
  let dir: string | undefined;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), `distillery-${prefix}-`));
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    if (!dir) throw new Error('temp dir used outside a test');
    return dir;
  };
}

/** Feeds `data` to a splitter in chunks of the given sizes (cycled). */
export function splitInChunks(data: Uint8Array, sizes: readonly number[]): JsonlRow[] {
  const splitter = new JsonlRowSplitter();
  const rows: JsonlRow[] = [];
  let at = 0;
  for (let i = 0; at < data.length; i++) {
    const size = Math.max(1, sizes.length === 0 ? data.length : (sizes[i % sizes.length] as number));
    rows.push(...splitter.push(data.subarray(at, at + size)));
    at += size;
  }
  rows.push(...splitter.end());
  return rows;
}

/** Unicode strings: any code point, astral ones included. */
const unicodeString = fc.string({ unit: 'binary', maxLength: 12 });

/** Numbers that survive JSON unchanged (JSON has no -0, NaN or infinities). */
const jsonNumber = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Object.is(n, -0)),
);

const { value: jsonValueArbitrary } = fc.letrec<{ value: JsonValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    unicodeString,
    jsonNumber,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(unicodeString, tie('value'), { maxKeys: 4, noNullPrototype: true }),
  ),
}));

/** Dataset rows: objects of unicode strings, numbers, nested arrays and objects. */
export const rowArbitrary: fc.Arbitrary<JsonObject> = fc.dictionary(unicodeString, jsonValueArbitrary, {
  maxKeys: 6,
  noNullPrototype: true,
});

export interface JsonlLayout {
  readonly bom: boolean;
  /** Per line; cycled. */
  readonly endings: readonly ('\n' | '\r\n')[];
  readonly finalNewline: boolean;
}

export const layoutArbitrary: fc.Arbitrary<JsonlLayout> = fc.record({
  bom: fc.boolean(),
  endings: fc.array(fc.constantFrom<'\n' | '\r\n'>('\n', '\r\n'), { minLength: 1, maxLength: 5 }),
  finalNewline: fc.boolean(),
});

/** Writes lines (row texts) with the given layout. */
export function layOut(lines: readonly string[], layout: JsonlLayout): Buffer {
  let text = '';
  lines.forEach((line, i) => {
    const last = i === lines.length - 1;
    text += line;
    if (!last || layout.finalNewline) text += layout.endings[i % layout.endings.length] as string;
  });
  return Buffer.concat([layout.bom ? BOM : Buffer.alloc(0), bytes(text)]);
}
