/**
 * Row filters: each a predicate over a row's facts (rowFacts.ts), combined with AND. A dropped row
 * is counted under the first filter that refused it, so the counts add up to the rows dropped.
 */
import type { Verdict } from '../tasks/judgeTypes';
import type { RowFacts } from './rowFacts';

export type LengthField = 'prompt' | 'answer';
export type LengthUnit = 'chars' | 'words';

export interface FilterSettings {
  /** Keep rows whose reward (or the rubric's score, with `rubric`) is at least this; unscored rows are dropped. */
  readonly minScore?: number;
  readonly maxScore?: number;
  readonly rubric?: string;
  /** Keep judged rows with this winner. */
  readonly verdict?: Verdict;
  /** Keep judged rows whose verdict held in both orders. */
  readonly positionConsistent?: boolean;
  /** Length bounds on the answer (default) or the prompt, in characters (default) or words. */
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly lengthOf?: LengthField;
  readonly lengthUnit?: LengthUnit;
  readonly kind?: string;
  readonly tag?: string;
  readonly teacher?: string;
  readonly provenance?: 'human' | 'synthetic';
}

/** Why a row was dropped: the filter that refused it. */
export type DropReason = 'score' | 'verdict' | 'position-inconsistent' | 'length' | 'kind' | 'tag' | 'teacher' | 'provenance';

export interface RowFilter {
  readonly reason: DropReason;
  readonly keeps: (facts: RowFacts) => boolean;
}

export const wordCount = (text: string): number => text.split(/\s+/u).filter((word) => word !== '').length;

function scoreValue(facts: RowFacts, rubric: string | undefined): number | undefined {
  if (facts.score === undefined) return undefined;
  return rubric === undefined ? facts.score.reward : facts.score.scores.find((s) => s.rubric === rubric)?.score;
}

/** The filters the settings ask for, in a fixed order (the order drop reasons are counted in). */
export function rowFilters(settings: FilterSettings): RowFilter[] {
  const filters: RowFilter[] = [];
  const { minScore, maxScore, rubric } = settings;
  if (minScore !== undefined || maxScore !== undefined || rubric !== undefined) {
    filters.push({
      reason: 'score',
      keeps: (facts) => {
        const value = scoreValue(facts, rubric);
        return value !== undefined && (minScore === undefined || value >= minScore) && (maxScore === undefined || value <= maxScore);
      },
    });
  }
  if (settings.verdict !== undefined) {
    const wanted = settings.verdict;
    filters.push({ reason: 'verdict', keeps: (facts) => facts.verdict?.winner === wanted });
  }
  if (settings.positionConsistent === true) {
    filters.push({ reason: 'position-inconsistent', keeps: (facts) => facts.verdict?.positionConsistent === true });
  }
  const { minLength, maxLength } = settings;
  if (minLength !== undefined || maxLength !== undefined) {
    const field = settings.lengthOf ?? 'answer';
    const measure = settings.lengthUnit === 'words' ? wordCount : (text: string) => [...text].length;
    filters.push({
      reason: 'length',
      keeps: (facts) => {
        const text = field === 'prompt' ? facts.prompt : facts.answer;
        if (text === undefined) return false;
        const length = measure(text);
        return (minLength === undefined || length >= minLength) && (maxLength === undefined || length <= maxLength);
      },
    });
  }
  if (settings.kind !== undefined) {
    const kind = settings.kind;
    filters.push({ reason: 'kind', keeps: (facts) => facts.kind === kind });
  }
  if (settings.tag !== undefined) {
    const tag = settings.tag;
    filters.push({ reason: 'tag', keeps: (facts) => facts.tags.includes(tag) });
  }
  if (settings.teacher !== undefined) {
    const teacher = settings.teacher;
    filters.push({ reason: 'teacher', keeps: (facts) => facts.teacher === teacher });
  }
  if (settings.provenance !== undefined) {
    const provenance = settings.provenance;
    filters.push({ reason: 'provenance', keeps: (facts) => facts.provenance === provenance });
  }
  return filters;
}

/** The first filter that refuses the row, or undefined when every filter keeps it. */
export function dropReason(filters: readonly RowFilter[], facts: RowFacts): DropReason | undefined {
  return filters.find((filter) => !filter.keeps(facts))?.reason;
}

export interface FilterResult<T> {
  readonly kept: T[];
  readonly dropped: number;
  /** Rows dropped per reason; only reasons that dropped a row appear. */
  readonly droppedBy: Partial<Record<DropReason, number>>;
}

/** Keeps the items whose facts pass every filter; counts the rest by reason. */
export function filterRows<T>(items: readonly T[], factsOf: (item: T) => RowFacts, settings: FilterSettings): FilterResult<T> {
  const filters = rowFilters(settings);
  const kept: T[] = [];
  const droppedBy: Partial<Record<DropReason, number>> = {};
  for (const item of items) {
    const reason = dropReason(filters, factsOf(item));
    if (reason === undefined) kept.push(item);
    else droppedBy[reason] = (droppedBy[reason] ?? 0) + 1;
  }
  return { kept, dropped: items.length - kept.length, droppedBy };
}
