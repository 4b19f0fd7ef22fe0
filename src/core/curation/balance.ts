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
  // A typed array: a category may hold millions of rows.
  const indexes = new Int32Array(size);
  for (let i = 0; i < size; i++) indexes[i] = i;
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(random() * (size - i));
    const swap = indexes[i] as number;
    indexes[i] = indexes[j] as number;
    indexes[j] = swap;
  }
  return Array.from(indexes.subarray(0, count)).sort((a, b) => a - b);
}

/** Which rows a balance keeps: by row index, and the up-sampled copies (row indexes, in output order). */
export interface BalancePlan {
  readonly chosen: Uint8Array;
  readonly extra: readonly number[];
  /** Per category, in order of first appearance. */
  readonly categories: readonly CategoryCount[];
}

/**
 * The balance of rows given only their categories: `categoryIds[row]` is the category's number
 * (numbered in order of first appearance, names in `categoryNames`), or -1 for a row not in play
 * (dropped by a filter). A few bytes per row: what streaming balance keeps between its two passes.
 */
export function balancePlan(categoryIds: Int32Array, categoryNames: readonly string[], settings: BalanceSettings): BalancePlan {
  if (settings.mode === 'cap' && !(Number.isInteger(settings.cap) && settings.cap >= 0)) {
    throw new RangeError(`cap: must be a whole number ≥ 0, not ${String(settings.cap)}`);
  }
  const categoryCount = categoryNames.length;
  // Members of each category in row order, by counting sort into one array.
  const sizes = new Int32Array(categoryCount);
  for (const id of categoryIds) if (id >= 0) sizes[id] = (sizes[id] as number) + 1;
  const starts = new Int32Array(categoryCount + 1);
  for (let c = 0; c < categoryCount; c++) starts[c + 1] = (starts[c] as number) + (sizes[c] as number);
  const members = new Int32Array(starts[categoryCount] as number);
  const fill = starts.slice(0, categoryCount);
  categoryIds.forEach((id, row) => {
    if (id < 0) return;
    const at = fill[id] as number;
    members[at] = row;
    fill[id] = at + 1;
  });
  const target =
    settings.mode === 'cap'
      ? settings.cap
      : categoryCount === 0
        ? 0
        : // reduce, not Math.max(...sizes): a field with very many values would overflow the call stack.
          sizes.reduce((a, b) => (settings.upsample === true ? Math.max(a, b) : Math.min(a, b)));
  const random = seededRandom(settings.seed ?? DEFAULT_BALANCE_SEED);
  const chosen = new Uint8Array(categoryIds.length);
  const extra: number[] = [];
  const categories: CategoryCount[] = [];
  const upsampled = settings.mode === 'equal' && settings.upsample === true;
  for (let c = 0; c < categoryCount; c++) {
    const group = members.subarray(starts[c] as number, starts[c + 1] as number);
    if (group.length <= target) {
      for (const row of group) chosen[row] = 1;
      if (upsampled) for (let i = group.length; i < target; i++) extra.push(group[Math.floor(random() * group.length)] as number);
    } else if (settings.mode === 'cap' && settings.random !== true) {
      for (const row of group.subarray(0, target)) chosen[row] = 1;
    } else {
      for (const i of sampleIndexes(group.length, target, random)) chosen[group[i] as number] = 1;
    }
    categories.push({ category: categoryNames[c] as string, before: group.length, after: upsampled ? target : Math.min(group.length, target) });
  }
  return { chosen, extra, categories };
}

/** Numbers categories in order of first appearance. */
export class CategoryNumbers {
  private readonly ids = new Map<string, number>();
  readonly names: string[] = [];

  idOf(category: string): number {
    let id = this.ids.get(category);
    if (id === undefined) {
      id = this.names.length;
      this.ids.set(category, id);
      this.names.push(category);
    }
    return id;
  }
}

export function balanceRows<T>(items: readonly T[], categoryOf: (item: T) => string, settings: BalanceSettings): BalanceResult<T> {
  const numbers = new CategoryNumbers();
  const ids = Int32Array.from(items, (item) => numbers.idOf(categoryOf(item)));
  const plan = balancePlan(ids, numbers.names, settings);
  const rows = items.filter((_, index) => plan.chosen[index] === 1);
  for (const index of plan.extra) rows.push(items[index] as T);
  return { rows, categories: plan.categories };
}
