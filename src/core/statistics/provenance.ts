/**
 * Where a row came from, as Distillery records it under the row's `"distillery"` key:
 *
 *   "distillery": { "provenance": "human" }
 *   "distillery": { "provenance": "synthetic", "teacher": "gpt-4o" }
 *
 * - `provenance`: `"human"` (written or labelled by people) or `"synthetic"` (made by a model).
 * - `teacher`: the model that made a synthetic row, as a string or as `{ "model": "…" }`. A row with
 *   a teacher and no `provenance` is synthetic.
 *
 * Rows without this metadata (or with other values) are `unknown`: plain datasets say nothing of
 * their origin, and guessing would make the human/synthetic mix look better known than it is.
 */
import { isRecord } from '../dataset/jsonValue';
import type { Provenance } from './report';

export interface RowProvenance {
  readonly provenance: Provenance;
  /** The teacher model of a synthetic row, when recorded. */
  readonly teacher?: string;
}

function teacherName(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() || undefined;
  if (isRecord(value) && typeof value.model === 'string') return value.model.trim() || undefined;
  return undefined;
}

/** Reads the provenance of a parsed row (the whole row object). */
export function rowProvenance(row: unknown): RowProvenance {
  const metadata = isRecord(row) ? row.distillery : undefined;
  if (!isRecord(metadata)) return { provenance: 'unknown' };
  const teacher = teacherName(metadata.teacher);
  const stated = typeof metadata.provenance === 'string' ? metadata.provenance.trim().toLowerCase() : undefined;
  if (stated === 'human') return { provenance: 'human' };
  if (stated === 'synthetic' || (stated === undefined && teacher !== undefined)) {
    return teacher === undefined ? { provenance: 'synthetic' } : { provenance: 'synthetic', teacher };
  }
  return { provenance: 'unknown' };
}
