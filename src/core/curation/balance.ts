/**
 * Balancing rows across categories (kind, teacher, tag, provenance or a field; see categoryOf):
 * cap each category at N rows, or resample every category to the same count. Random choices come
 * from a seeded generator, so the same seed gives the same rows on every machine. Kept rows stay
 * in their input order, up-sampled copies come after them all.
 */
import { seededRandom } from '../random';

export type BalanceSettings =
  /** At most `cap` rows per category: the first ones, or (with `random`) a seeded random sample. */
  | { readonly mode: 'cap'; readonly cap: number; readonly random?: boolean; readonly seed?: string }
  /**
   * Every category resampled to the same count: the smallest category's size by down-sampling,
   * or (with `upsample`) the largest's, drawing smaller categories' rows again with replacement.
   */
  | { readonly mode: 'equal'; readonly upsample?: boolean; readonly seed?: string };

export interface CategoryCount {
  readonly category: string;
  readonly before: number;
  readonly after: number;
}

export interface BalanceResult<T> {
  readonly rows: T[];
  /** Per category, in order of first appearance. */
  readonly categories: readonly CategoryCount[];
}

export const DEFAULT_BALANCE_SEED = 'distillery';

/** `count` distinct indexes below `size`, chosen uniformly (a partial Fisher–Yates shuffle), sorted. */
export function sampleIndexes(size: number, count: number, random: () => number): number[] {
  const indexes = Array.from({ length: size }, (_, i) => i);
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(random() * (size - i));
    const swap = indexes[i] as number;
    indexes[i] = indexes[j] as number;
    indexes[j] = swap;
  }
  return indexes.slice(0, count).sort((a, b) => a - b);
}

export function balanceRows<T>(items: readonly T[], categoryOf: (item: T) => string, settings: BalanceSettings): BalanceResult<T> {
  if (settings.mode === 'cap' && !(Number.isInteger(settings.cap) && settings.cap >= 0)) {
    throw new RangeError(`cap: must be a whole number ≥ 0, not ${String(settings.cap)}`);
  }
  const groups = new Map<string, number[]>();
  items.forEach((item, index) => {
    const category = categoryOf(item);
    const group = groups.get(category);
    if (group) group.push(index);
    else groups.set(category, [index]);
  });
  const sizes = [...groups.values()].map((group) => group.length);
  const target =
    settings.mode === 'cap'
      ? settings.cap
      : sizes.length === 0
        ? 0
        : // reduce, not Math.max(...sizes): a field with very many values would overflow the call stack.
          sizes.reduce((a, b) => (settings.upsample === true ? Math.max(a, b) : Math.min(a, b)));
  const random = seededRandom(settings.seed ?? DEFAULT_BALANCE_SEED);
  const chosen = new Set<number>();
  const extra: number[] = [];
  const categories: CategoryCount[] = [];
  for (const [category, group] of groups) {
    if (group.length <= target) {
      group.forEach((index) => chosen.add(index));
      if (settings.mode === 'equal' && settings.upsample === true) {
        for (let i = group.length; i < target; i++) extra.push(group[Math.floor(random() * group.length)] as number);
      }
    } else if (settings.mode === 'cap' && settings.random !== true) {
      group.slice(0, target).forEach((index) => chosen.add(index));
    } else {
      sampleIndexes(group.length, target, random).forEach((i) => chosen.add(group[i] as number));
    }
    const upsampled = settings.mode === 'equal' && settings.upsample === true;
    categories.push({ category, before: group.length, after: upsampled ? target : Math.min(group.length, target) });
  }
  const rows = items.filter((_, index) => chosen.has(index));
  for (const index of extra) rows.push(items[index] as T);
  return { rows, categories };
}
