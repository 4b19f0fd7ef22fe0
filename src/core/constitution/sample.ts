/**
 * Seeded, weighted sampling of principles without replacement.
 *
 * The draw is sequential: each pick chooses among the principles left with probability
 * proportional to their weights, then removes the one chosen. This is the same distribution as
 * Efraimidis–Spirakis keys (u^(1/w), largest k), but it needs only addition, multiplication and
 * comparison, which IEEE 754 defines exactly, whereas Math.pow and Math.log may differ in the
 * last bit between engines. With `seededRandom`, the same seed gives the same draw everywhere.
 */
import { seededRandom } from '../random';
import type { PrincipleData } from './types';

export interface SampleOptions {
  /** How many to draw (a whole number ≥ 0). */
  readonly k: number;
  /** Any string; the same seed over the same principles gives the same draw. */
  readonly seed: string;
  /** Keep only principles with these tags (compared case-insensitively); none or empty: all. */
  readonly tags?: readonly string[];
  /** `any` (default): a principle with at least one of `tags`; `all`: with every one of them. */
  readonly tagMatch?: 'any' | 'all';
  /** Keep only principles usable for a phase: `critique` needs Critique and Revision, `compare` needs Compare. */
  readonly purpose?: 'critique' | 'compare';
}

export interface SampleResult<P extends PrincipleData> {
  /** In the order drawn. */
  readonly principles: readonly P[];
  /** How many principles were eligible after filtering. */
  readonly poolSize: number;
  /** Things the caller should tell the user, e.g. that fewer than k could be drawn. */
  readonly notes: readonly string[];
}

/** Principles that pass the tag and purpose filters, in document order. */
export function eligiblePrinciples<P extends PrincipleData>(principles: readonly P[], options: Omit<SampleOptions, 'k' | 'seed'> = {}): P[] {
  const wanted = (options.tags ?? []).map((tag) => tag.trim().toLowerCase()).filter((tag) => tag !== '');
  return principles.filter((principle) => {
    if (options.purpose === 'critique' && (principle.critique === undefined || principle.revision === undefined)) return false;
    if (options.purpose === 'compare' && principle.compare === undefined) return false;
    if (wanted.length === 0) return true;
    const has = new Set(principle.tags.map((tag) => tag.toLowerCase()));
    return options.tagMatch === 'all' ? wanted.every((tag) => has.has(tag)) : wanted.some((tag) => has.has(tag));
  });
}

export function samplePrinciples<P extends PrincipleData>(principles: readonly P[], options: SampleOptions): SampleResult<P> {
  const { k, seed } = options;
  if (!Number.isInteger(k) || k < 0) throw new RangeError(`k must be a whole number ≥ 0, not ${k}`);
  for (const principle of principles) {
    if (!(Number.isFinite(principle.weight) && principle.weight > 0)) throw new RangeError(`principle "${principle.id}" has a weight that is not a positive number`);
  }
  const pool = eligiblePrinciples(principles, options);
  const notes: string[] = [];
  if (pool.length === 0) notes.push(`no principle matches${describeFilter(options)}: nothing drawn`);
  else if (k > pool.length) notes.push(`asked for ${k} principles but only ${pool.length} match${describeFilter(options)}: all ${pool.length} are drawn, in sampled order`);

  const random = seededRandom(seed);
  const left = [...pool];
  const drawn: P[] = [];
  while (drawn.length < k && left.length > 0) {
    let total = 0;
    for (const principle of left) total += principle.weight;
    const target = random() * total;
    let index = left.length - 1;
    let cumulative = 0;
    for (let i = 0; i < left.length; i++) {
      cumulative += (left[i] as P).weight;
      if (target < cumulative) {
        index = i;
        break;
      }
    }
    drawn.push(...left.splice(index, 1));
  }
  return { principles: drawn, poolSize: pool.length, notes };
}

function describeFilter(options: Omit<SampleOptions, 'k' | 'seed'>): string {
  const parts: string[] = [];
  const tags = (options.tags ?? []).filter((tag) => tag.trim() !== '');
  if (tags.length > 0) parts.push(`${options.tagMatch === 'all' ? 'all' : 'any'} of the tags ${tags.join(', ')}`);
  if (options.purpose === 'critique') parts.push('Critique and Revision');
  if (options.purpose === 'compare') parts.push('a Compare question');
  return parts.length > 0 ? ` (with ${parts.join(' and ')})` : '';
}
