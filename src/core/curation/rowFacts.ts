/**
 * The facts curation reads from a row: its kind, prompt and answer text, provenance and teacher,
 * score, judge verdict, tags. Filters, balance and the mix report all read rows through this, so
 * they agree on what "the answer" or "the teacher" of a row is.
 *
 * Tags are Distillery metadata: `"distillery": { "tags": ["math", "short"] }` (strings only).
 */
import { finalAnswerText, toConversationRow, type Turn } from '../dataset/conversation';
import { isRecord } from '../dataset/jsonValue';
import { detectRowKind, type RowKind } from '../dataset/rowKinds';
import { readJudgedRow, type JudgedRow } from '../judging/judgedRows';
import { rowProvenance } from '../statistics/provenance';
import type { Provenance } from '../statistics/report';
import type { ScoreResult } from '../tasks/judgeTypes';
import { rowScore } from '../tasks/rubricScore';

export interface RowFacts {
  readonly kind: RowKind;
  /** The prompt's turns' text joined by blank lines; '' when the row cannot be read. */
  readonly prompt: string;
  /** The last assistant turn of the answer (the chosen one for a preference pair); undefined when there is none. */
  readonly answer: string | undefined;
  readonly provenance: Provenance;
  readonly teacher: string | undefined;
  readonly score: ScoreResult | undefined;
  /** The judge's verdict; undefined when the row is unjudged or its judgement is malformed. */
  readonly verdict: JudgedRow['judgement'] | undefined;
  readonly tags: readonly string[];
}

const joinTurns = (turns: readonly Turn[]): string => turns.map((turn) => turn.content).join('\n\n');

function rowTags(row: Record<string, unknown>): string[] {
  const meta = row.distillery;
  if (!isRecord(meta) || !Array.isArray(meta.tags)) return [];
  return meta.tags.filter((tag): tag is string => typeof tag === 'string');
}

export function rowFacts(row: Record<string, unknown>): RowFacts {
  const conversation = toConversationRow(row);
  const read = conversation.ok ? conversation.row : undefined;
  const { provenance, teacher } = rowProvenance(row);
  const judged = readJudgedRow(row);
  return {
    kind: read?.kind ?? detectRowKind(row),
    prompt: read ? joinTurns(read.prompt) : '',
    answer: read ? finalAnswerText(read.completion ?? read.chosen) : undefined,
    provenance,
    teacher,
    score: rowScore(row),
    verdict: judged.kind === 'judged' ? judged.row.judgement : undefined,
    tags: rowTags(row),
  };
}

/** Categories rows can be grouped by; any other name is a top-level field of the row. */
export const BUILT_IN_CATEGORIES = ['kind', 'teacher', 'tag', 'provenance'] as const;

/** Shown for a row that has no value for the category. */
export const NO_CATEGORY = '(none)';

/**
 * The category of a row: its kind, teacher, first tag, provenance, or the value of a top-level
 * field (strings as they are, other values as JSON).
 */
export function categoryOf(row: Record<string, unknown>, facts: RowFacts, by: string): string {
  switch (by) {
    case 'kind':
      return facts.kind;
    case 'teacher':
      return facts.teacher ?? NO_CATEGORY;
    case 'tag':
      return facts.tags[0] ?? NO_CATEGORY;
    case 'provenance':
      return facts.provenance;
    default: {
      const value = row[by];
      if (value === undefined || value === null) return NO_CATEGORY;
      return typeof value === 'string' ? value : JSON.stringify(value);
    }
  }
}
