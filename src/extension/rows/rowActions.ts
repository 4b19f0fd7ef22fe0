import { expectsAnswer, isPairedPreferenceKind, type RowKind } from '../../core/dataset/rowKinds';
import { isRevisableKind } from '../../core/tasks/critiqueRows';

/** What a row's CodeLenses offer, in the order they are shown. */
export const ROW_ACTIONS = ['preview', 'generate', 'critique', 'judge', 'score'] as const;
export type RowAction = (typeof ROW_ACTIONS)[number];

export const ROW_ACTION_COMMANDS: Readonly<Record<RowAction, string>> = {
  preview: 'distillery.previewRow',
  generate: 'distillery.generateRow',
  critique: 'distillery.critiqueRow',
  judge: 'distillery.judgeRow',
  score: 'distillery.scoreRow',
};

export const ROW_ACTION_TITLES: Readonly<Record<RowAction, string>> = {
  preview: 'Preview',
  generate: 'Generate',
  critique: 'Critique & Revise',
  judge: 'Judge',
  score: 'Score',
};

export const ROW_ACTION_TOOLTIPS: Readonly<Record<RowAction, string>> = {
  preview: 'Show this row in the row preview',
  generate: 'Generate answers to this prompt with the teacher models',
  critique: 'Critique this answer against the constitution and revise it',
  judge: 'Judge which answer is better, in both orders',
  score: 'Score the answer against a rubric',
};

/** The kind of a line as the lenses see it: a row kind, or no row at all. */
export type LineKind = RowKind | 'invalid' | 'blank';

/** The actions that fit a line: Preview on every row (a malformed one too), the rest by kind. */
export function actionsFor(kind: LineKind): RowAction[] {
  if (kind === 'blank') return [];
  if (kind === 'invalid' || kind === 'unknown') return ['preview'];
  const actions: RowAction[] = ['preview'];
  if (kind === 'prompt-only' || kind === 'mt-bench') actions.push('generate');
  if (isRevisableKind(kind)) actions.push('critique');
  if (isPairedPreferenceKind(kind)) actions.push('judge');
  if (expectsAnswer(kind)) actions.push('score');
  return actions;
}
