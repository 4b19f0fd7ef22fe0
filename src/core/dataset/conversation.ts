/**
 * Distillery's one conversation model: every dataset row, whatever its format, read as a prompt
 * and its answer(s). Generation, critique–revise, judging, scoring and curation read this; they
 * write answers back into the row's own format with `withAnswers`.
 *
 *   SFT rows (chat, ShareGPT, Alpaca, prompt/completion, self-instruct): `prompt` + `completion`.
 *   Paired preference rows (all four forms): `prompt` + `chosen` + `rejected`.
 *   Unpaired preference (KTO): `prompt` + `completion` + `label`.
 *   Prompt-only rows: `prompt` alone; MT-bench questions add `extraUserTurns` (and `reference`).
 */
import { readRow } from './conversationReader';
import { hasErrors, type RowIssue } from './rowIssues';
import type { KnownRowKind } from './rowKinds';
import type { Role } from './roles';

export type { Role } from './roles';
export { ROLES, isRole } from './roles';
export { withAnswers, type AnswerReplacement, type AnswerUpdate, type WriteResult } from './writeAnswers';

export interface Turn {
  readonly role: Role;
  /** The turn's text. Content-part lists are read as their text parts joined; see `readRow`. */
  readonly content: string;
  /** OpenAI's optional participant name (`name` on a message), when the row has one. */
  readonly name?: string;
}

export interface ConversationRow {
  readonly kind: KnownRowKind;
  /**
   * TRL's distinction: true when the row is a conversation (message lists, ShareGPT, Alpaca,
   * Anthropic transcripts); false for its "standard" rows of plain text, where the prompt is text
   * to continue (a completion model's input) and is modelled as one user turn.
   */
  readonly conversational: boolean;
  /**
   * Everything before the answer(s), in the row's order: system turn(s) first as rows normally
   * have them, then the dialogue up to and including the last user (or tool) turn. For paired
   * preference rows it is the context both answers share (the longest common prefix of turns,
   * when the prompt is implicit).
   */
  readonly prompt: readonly Turn[];
  /**
   * The answer of an SFT or unpaired-preference row: the turns after the prompt, usually one
   * assistant turn, more when the assistant called tools (assistant, tool, …, assistant) or when
   * the data has two assistant turns in a row.
   */
  readonly completion?: readonly Turn[];
  /** The preferred answer of a paired preference row. */
  readonly chosen?: readonly Turn[];
  /** The dispreferred answer of a paired preference row. */
  readonly rejected?: readonly Turn[];
  /** Unpaired preference (KTO): whether `completion` is desirable. */
  readonly label?: boolean;
  /**
   * Later user turns of a multi-turn prompt-only row (MT-bench's second question), each asked
   * after the model's answer to the previous one, so they cannot be part of `prompt`.
   */
  readonly extraUserTurns?: readonly string[];
  /** MT-bench's reference answers, one per user turn (some are empty strings), for judges. */
  readonly reference?: readonly string[];
  /** The row's `"distillery"` value, exactly as it is in the row. */
  readonly metadata?: unknown;
}

export type ToConversationResult =
  | { readonly ok: true; readonly row: ConversationRow; /** Warnings and notes, never errors. */ readonly issues: readonly RowIssue[] }
  | { readonly ok: false; readonly issues: readonly RowIssue[] };

/**
 * Reads a parsed row (any `JSON.parse` result) into the conversation model. Fails, with the
 * problems located by JSON path, when the row is not an object, has no known kind, or has fields
 * of the wrong type or roles that cannot be read. Quality problems (empty turns, roles out of
 * order, identical answers) do not stop it: `validateRow` reports those.
 */
export function toConversationRow(value: unknown): ToConversationResult {
  const read = readRow(value);
  if (read.sections === undefined || hasErrors(read.issues)) return { ok: false, issues: read.issues };
  return { ok: true, row: read.sections.row, issues: read.issues };
}

/** The text of the last assistant turn of an answer: what a critique revises, what a judge reads. */
export function finalAnswerText(answer: readonly Turn[] | undefined): string | undefined {
  if (answer === undefined) return undefined;
  for (let i = answer.length - 1; i >= 0; i--) {
    const turn = answer[i];
    if (turn?.role === 'assistant') return turn.content;
  }
  return undefined;
}

/** The answers a judge compares: `[chosen, rejected]` for a pair, `[completion]` for SFT rows. */
export function answersOf(row: ConversationRow): readonly (readonly Turn[])[] {
  if (row.chosen !== undefined && row.rejected !== undefined) return [row.chosen, row.rejected];
  return row.completion !== undefined ? [row.completion] : [];
}

export function isPairedPreference(row: ConversationRow): row is ConversationRow & { chosen: readonly Turn[]; rejected: readonly Turn[] } {
  return row.chosen !== undefined && row.rejected !== undefined;
}

export function turnsEqual(a: readonly Turn[], b: readonly Turn[]): boolean {
  return a.length === b.length && a.every((t, i) => {
    const u = b[i];
    return u !== undefined && t.role === u.role && t.content === u.content && t.name === u.name;
  });
}
