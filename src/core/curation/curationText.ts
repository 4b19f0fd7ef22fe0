/** Which text of a row curation compares: its prompt, its answer, or the whole row. */
import { finalAnswerText, toConversationRow } from '../dataset/conversation';
import { canonicalJson } from '../dataset/rowIdentity';

export type CurationField = 'prompt' | 'answer' | 'row';
export const CURATION_FIELDS: readonly CurationField[] = ['prompt', 'answer', 'row'];

export function isCurationField(value: string): value is CurationField {
  return (CURATION_FIELDS as readonly string[]).includes(value);
}

/**
 * The text of `field` in a parsed row, or '' when the row has none (a row of unknown kind has no
 * prompt or answer). Prompt: every prompt turn and later user turn, one per line. Answer: the
 * final assistant text of the completion, or of `chosen` for a preference pair. Row: the canonical
 * JSON of the row without its `"distillery"` metadata, so that provenance does not hide a duplicate.
 */
export function curationText(value: Record<string, unknown>, field: CurationField): string {
  if (field === 'row') {
    const { distillery: _metadata, ...rest } = value;
    return canonicalJson(rest);
  }
  const read = toConversationRow(value);
  if (!read.ok) return '';
  const row = read.row;
  if (field === 'prompt') return [...row.prompt.map((turn) => turn.content), ...(row.extraUserTurns ?? [])].join('\n');
  return finalAnswerText(row.completion ?? row.chosen) ?? '';
}

/** Every string in a JSON value, in key order, depth first. */
function stringLeaves(value: unknown, out: string[]): void {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const item of value) stringLeaves(item, out);
  else if (value !== null && typeof value === 'object') for (const key of Object.keys(value).sort()) stringLeaves((value as Record<string, unknown>)[key], out);
}

/**
 * The text of `field` for word-based comparison (shingles, n-grams). For `row` it is the row's
 * strings, one per line, without `"distillery"`: JSON escapes would glue words together ("\nThe").
 */
export function curationWordsText(value: Record<string, unknown>, field: CurationField): string {
  if (field !== 'row') return curationText(value, field);
  const { distillery: _metadata, ...rest } = value;
  const strings: string[] = [];
  stringLeaves(rest, strings);
  return strings.join('\n');
}
