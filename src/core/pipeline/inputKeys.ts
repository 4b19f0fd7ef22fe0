/**
 * Stable keys for input rows: a hash of the row's value plus its occurrence among identical rows,
 * so that exact duplicate rows in an input file each get their own key (each comes out once), and
 * a re-run over the same file gives every row the same key again, wherever it sits.
 */
import { valueIdentity } from '../dataset/rowIdentity';

/** Hex digits of the value hash kept in a key: 128 bits, ample against collisions, half the bytes. */
const HASH_DIGITS = 32;

export class InputRowKeys {
  private readonly occurrences = new Map<string, number>();

  /** The key of the next row with this value: `<hash>.<occurrence>`, occurrence counted from 0. */
  next(value: unknown): string {
    const hash = valueIdentity(value).slice(0, HASH_DIGITS);
    const occurrence = this.occurrences.get(hash) ?? 0;
    this.occurrences.set(hash, occurrence + 1);
    return `${hash}.${occurrence}`;
  }
}

/** The key recorded for a line that is not a JSON object; it cannot be done, only failed. */
export function malformedLineKey(line: number): string {
  return `malformed@${line}`;
}
