/**
 * A row's new text for a new value, changing only the values that differ: the rest of the line
 * (key order, spacing, escapes, numbers as written) stays as the user had it, so an accepted
 * revision shows in the diff and in version control as the answer and the metadata, not as a
 * reformatted row. Pure (no `vscode` import).
 */
import { setRowValue } from '../../core/dataset/rowEdit';
import { canonicalJson } from '../../core/dataset/rowIdentity';

type Path = (string | number)[];

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The smallest set of (path, new value) that turns `before` into `after`; undefined removes. */
function changes(before: unknown, after: unknown, path: Path, out: Array<[Path, unknown]>): void {
  if (canonicalJson(before) === canonicalJson(after)) return;
  if (isPlainObject(before) && isPlainObject(after)) {
    for (const key of Object.keys(before)) if (!Object.hasOwn(after, key)) out.push([[...path, key], undefined]);
    for (const [key, value] of Object.entries(after)) {
      if (Object.hasOwn(before, key)) changes(before[key], value, [...path, key], out);
      else out.push([[...path, key], value]);
    }
    return;
  }
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
    after.forEach((value, i) => changes(before[i], value, [...path, i], out));
    return;
  }
  out.push([path, after]);
}

/** `rowText` (whose parse is `before`) rewritten to hold `after`; the whole row re-serialised when an edit cannot be made in place. */
export function rewriteRow(rowText: string, before: unknown, after: Record<string, unknown>): string {
  const edits: Array<[Path, unknown]> = [];
  changes(before, after, [], edits);
  try {
    let text = rowText;
    for (const [path, value] of edits) text = path.length === 0 ? JSON.stringify(value) : setRowValue(text, path, value);
    if (canonicalJson(JSON.parse(text)) === canonicalJson(after)) return text;
  } catch {
    // Fall through to a plain serialisation: correct, if not byte-frugal.
  }
  return JSON.stringify(after);
}
