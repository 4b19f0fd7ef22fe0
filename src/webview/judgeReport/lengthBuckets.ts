// Verdicts grouped by how much longer A was than B (characters), so that a judge that favours the
// longer answer shows as an A-win share rising from left to right.
import type { Verdict } from '../../core/tasks/judgeTypes';

export interface LengthBucket {
  /** Inclusive lower edge (characters of A − B); -Infinity is sent as null by JSON, so kept as a label. */
  readonly label: string;
  readonly counts: Readonly<Record<Verdict, number>>;
}

/** Upper edges (exclusive) of every bucket but the last. */
const EDGES = [-500, -100, -20, 21, 101, 501] as const;
const LABELS = ['< −500', '−500 to −101', '−100 to −21', '−20 to 20', '21 to 100', '101 to 500', '> 500'] as const;

export function lengthBuckets(rows: readonly { readonly winner: Verdict; readonly lengthDifference: number }[]): LengthBucket[] {
  const counts = LABELS.map(() => ({ A: 0, B: 0, tie: 0 }));
  for (const row of rows) {
    let index = EDGES.findIndex((edge) => row.lengthDifference < edge);
    if (index < 0) index = EDGES.length;
    (counts[index] as Record<Verdict, number>)[row.winner]++;
  }
  return LABELS.map((label, i) => ({ label, counts: counts[i] as Record<Verdict, number> }));
}
