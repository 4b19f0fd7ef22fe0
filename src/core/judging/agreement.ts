/**
 * How far two sets of labels agree: raw agreement, accuracy against a reference (human labels),
 * and Cohen's kappa, which discounts the agreement two raters would reach by chance given how
 * often each uses each label: κ = (p_o − p_e) / (1 − p_e).
 */
import type { Verdict } from '../tasks/judgeTypes';

export const VERDICTS: readonly Verdict[] = ['A', 'B', 'tie'];

/** Share of positions where `a` and `b` hold the same label; undefined when there are none. */
export function agreementRate<T>(a: readonly T[], b: readonly T[]): number | undefined {
  checkPaired(a, b);
  if (a.length === 0) return undefined;
  let same = 0;
  a.forEach((label, i) => {
    if (label === b[i]) same++;
  });
  return same / a.length;
}

/**
 * Cohen's kappa of two raters over the same items. Undefined with no items, and when chance
 * agreement is already 1 (both raters used one and the same label throughout: κ is 0/0).
 */
export function cohenKappa<T>(a: readonly T[], b: readonly T[]): number | undefined {
  checkPaired(a, b);
  const n = a.length;
  if (n === 0) return undefined;
  const countsA = new Map<T, number>();
  const countsB = new Map<T, number>();
  let observed = 0;
  a.forEach((label, i) => {
    const other = b[i] as T;
    countsA.set(label, (countsA.get(label) ?? 0) + 1);
    countsB.set(other, (countsB.get(other) ?? 0) + 1);
    if (label === other) observed++;
  });
  let expected = 0;
  for (const [label, count] of countsA) expected += (count / n) * ((countsB.get(label) ?? 0) / n);
  if (expected >= 1) return undefined;
  return (observed / n - expected) / (1 - expected);
}

/** The most frequent label; a tie between labels gives 'tie' (no label has a majority). */
export function majorityVerdict(verdicts: readonly Verdict[]): Verdict | undefined {
  if (verdicts.length === 0) return undefined;
  const counts = VERDICTS.map((v) => verdicts.filter((x) => x === v).length);
  const top = Math.max(...counts);
  const leaders = VERDICTS.filter((_, i) => counts[i] === top);
  return leaders.length === 1 ? (leaders[0] as Verdict) : 'tie';
}

function checkPaired(a: readonly unknown[], b: readonly unknown[]): void {
  if (a.length !== b.length) throw new RangeError(`labels must be paired: ${a.length} against ${b.length}`);
}
