/**
 * From dataset rows to pairwise judging and back: the two answers a row offers (a preference
 * row's chosen as A and rejected as B, in any of its four forms; or the two answers of a
 * candidates row, `distillery.candidates`, that `generate --output candidates` writes), who wrote
 * them (for the self-preference warning), and the row with its verdict under
 * `distillery.judgement`. Everything else in the row stays, a person's `distillery.human` label
 * included.
 */
import { finalAnswerText, isPairedPreference, toConversationRow } from '../dataset/conversation';
import { isJsonObject } from '../dataset/jsonValue';
import { DISTILLERY_KEY } from '../dataset/rowEdit';
import { ROW_KIND_LABELS } from '../dataset/rowKinds';
import { InputError } from '../errors/located';
import type { JudgePairInput } from './judgePair';
import type { PairVerdict } from './judgeTypes';

export interface JudgeRowInput {
  readonly input: JudgePairInput;
  /** Where the two answers came from. */
  readonly source: 'preference' | 'candidates';
}

/**
 * The pair a row offers for judging, or an InputError saying why it has none (naming the field).
 * Authors: a candidate's `teacher.model`; for a preference row, `distillery.teacher.model` wrote
 * the chosen answer when the row came from critique–revise (`distillery.critique`: the revision is
 * the chosen one), and both answers otherwise.
 */
export function judgeInputOf(row: unknown): JudgeRowInput {
  const read = toConversationRow(row);
  if (!read.ok) {
    const first = read.issues.find((i) => i.severity === 'error');
    const where = first && first.path.length > 0 ? ` at ${first.path.join('.')}` : '';
    throw new InputError(`the row cannot be read${first ? `${where}: ${first.message}` : ''}`);
  }
  const conversation = read.row;
  const metadata = isJsonObject(conversation.metadata) ? conversation.metadata : undefined;
  if (isPairedPreference(conversation)) {
    const a = finalAnswerText(conversation.chosen);
    const b = finalAnswerText(conversation.rejected);
    if (a === undefined) throw new InputError('chosen: the answer has no assistant text to judge');
    if (b === undefined) throw new InputError('rejected: the answer has no assistant text to judge');
    const teacher = modelOf(metadata?.teacher);
    const authors = teacher === undefined ? undefined : metadata?.critique !== undefined ? { a: teacher } : { a: teacher, b: teacher };
    return { input: { prompt: conversation.prompt, a, b, ...(authors ? { authors } : {}) }, source: 'preference' };
  }
  const candidates = metadata?.candidates;
  if (Array.isArray(candidates)) {
    if (candidates.length !== 2) {
      throw new InputError(`${DISTILLERY_KEY}.candidates: pairwise judging takes exactly 2 candidates, this row has ${candidates.length}`);
    }
    const [first, second] = candidates.map((candidate, index) => {
      const content = isJsonObject(candidate) ? candidate.content : undefined;
      if (typeof content !== 'string') throw new InputError(`${DISTILLERY_KEY}.candidates[${index}].content: not a string`);
      return { content, author: isJsonObject(candidate) ? modelOf(candidate.teacher) : undefined };
    }) as [{ content: string; author: string | undefined }, { content: string; author: string | undefined }];
    const authors = { ...(first.author !== undefined ? { a: first.author } : {}), ...(second.author !== undefined ? { b: second.author } : {}) };
    return { input: { prompt: conversation.prompt, a: first.content, b: second.content, authors }, source: 'candidates' };
  }
  throw new InputError(`a ${ROW_KIND_LABELS[conversation.kind]} row has no pair to judge: give preference rows (chosen, rejected) or rows with 2 ${DISTILLERY_KEY}.candidates`);
}

/**
 * The row with the verdict under `distillery.judgement` (replacing an earlier one). The row's
 * other `distillery` fields stay (a human label among them), but `source` (the key of another
 * run) goes, as the batch runner writes this run's own.
 */
export function judgedRow(row: Record<string, unknown>, verdict: PairVerdict): Record<string, unknown> {
  const { source: _source, ...kept } = isJsonObject(row[DISTILLERY_KEY]) ? (row[DISTILLERY_KEY] as Record<string, unknown>) : {};
  return { ...row, [DISTILLERY_KEY]: { ...kept, judgement: verdict } };
}

function modelOf(teacher: unknown): string | undefined {
  const model = isJsonObject(teacher) ? teacher.model : undefined;
  return typeof model === 'string' && model.trim() !== '' ? model : undefined;
}
