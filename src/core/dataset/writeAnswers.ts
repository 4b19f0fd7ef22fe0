/**
 * Writes new answers back into a row in the row's own format: the inverse of reading it into the
 * conversation model. Every other key of the row (unknown ones included) keeps its value and its
 * place; messages that the new answer does not change stay the same objects, extra keys and all.
 */
import { formatTranscript, joinSegments, type TranscriptSegment } from './anthropic';
import type { Turn } from './conversation';
import { readRow, type AnswerSlot, type MessageStyle } from './conversationReader';
import { isRecord } from './jsonValue';
import type { JsonPath } from './rowIssues';
import { ROW_KIND_LABELS, type RowKind } from './rowKinds';
import { SHAREGPT_FROM_OF_ROLE } from './roles';

/**
 * A new answer. A string replaces the text of the answer's last assistant turn (everything else
 * in the answer, such as tool calls, stays), or adds an assistant turn to a prompt-only row.
 * A list of turns replaces the whole answer; when it has the same roles as the old answer, each
 * message is updated in place so that its other keys survive.
 */
export type AnswerReplacement = string | readonly Turn[];

export interface AnswerUpdate {
  /** The answer of an SFT or KTO row, or a first answer for a prompt-only row. */
  readonly completion?: AnswerReplacement;
  readonly chosen?: AnswerReplacement;
  readonly rejected?: AnswerReplacement;
}

export type WriteResult = { readonly ok: true; readonly value: Record<string, unknown> } | { readonly ok: false; readonly message: string };

const ANSWER_KEYS = ['completion', 'chosen', 'rejected'] as const;

/**
 * `original` is the row as parsed, `kind` the kind it was read as. The original is not modified.
 * Fails (with a message for the user) when the row cannot be read as `kind`, when the kind has no
 * place for an answer that the update gives (`chosen` on a chat row, any answer on an MT-bench
 * question, whose answers FastChat keeps in a separate file), or when the new answer does not fit
 * the place (two turns where Alpaca has one `output` string).
 */
export function withAnswers(original: unknown, kind: RowKind, update: AnswerUpdate): WriteResult {
  const read = readRow(original, kind);
  if (read.sections === undefined || !isRecord(original)) {
    const first = read.issues.find((i) => i.severity === 'error');
    return fail(`cannot read the row as ${ROW_KIND_LABELS[kind]}${first ? `: ${first.message}` : ''}`);
  }
  const sections = read.sections;
  let value: Record<string, unknown> = original;
  for (const key of ANSWER_KEYS) {
    const replacement = update[key];
    if (replacement === undefined) continue;
    const answer = sections[key];
    const slot = answer?.slot ?? (key === 'completion' ? sections.newAnswerSlot : undefined);
    if (slot === undefined) return fail(`a ${ROW_KIND_LABELS[kind]} row has no place for ${key === 'completion' ? 'an answer' : `a ${key} answer`}`);
    const written = writeSlot(value, slot, answer?.turns ?? [], replacement);
    if (!written.ok) return written;
    value = written.value;
  }
  return { ok: true, value };
}

function fail(message: string): WriteResult {
  return { ok: false, message };
}

function writeSlot(row: Record<string, unknown>, slot: AnswerSlot, old: readonly Turn[], replacement: AnswerReplacement): WriteResult {
  switch (slot.type) {
    case 'list': {
      const list = slot.exists ? getAt(row, slot.path) : [];
      if (!Array.isArray(list)) return fail('the answer list is not a list');
      const answer = replaceInList(list.slice(slot.start), old, replacement, slot.style);
      return { ok: true, value: setAt(row, slot.path, [...list.slice(0, slot.start), ...answer]) };
    }
    case 'message': {
      const turn = singleAssistantTurn(replacement, 'this answer is one message');
      if (typeof turn === 'object' && 'message' in turn) return turn;
      const message = getAt(row, slot.path);
      if (!isRecord(message)) return fail('the answer is not a message');
      return { ok: true, value: setAt(row, slot.path, updateMessage(message, turn, slot.style)) };
    }
    case 'string': {
      const turn = singleAssistantTurn(replacement, 'this answer is one text field');
      if (typeof turn === 'object' && 'message' in turn) return turn;
      return { ok: true, value: setAt(row, slot.path, slot.prefix + turn.content) };
    }
    case 'transcript': {
      const answer = replaceInTranscript(slot.segments.slice(slot.start), old, replacement);
      if (answer === undefined) return fail('a transcript holds only Human and Assistant turns');
      return { ok: true, value: setAt(row, slot.path, joinSegments(slot.segments.slice(0, slot.start)) + answer) };
    }
  }
}

/** A replacement that must be a single assistant turn, or the failure to return. */
function singleAssistantTurn(replacement: AnswerReplacement, why: string): Turn | { ok: false; message: string } {
  if (typeof replacement === 'string') return { role: 'assistant', content: replacement };
  const [turn] = replacement;
  if (replacement.length === 1 && turn?.role === 'assistant') return turn;
  return { ok: false, message: `${why}: the new answer must be a single assistant turn` };
}

function lastAssistant(turns: readonly Turn[]): number {
  for (let i = turns.length - 1; i >= 0; i--) if (turns[i]?.role === 'assistant') return i;
  return -1;
}

function sameRoles(a: readonly Turn[], b: readonly Turn[]): boolean {
  return a.length === b.length && a.every((t, i) => t.role === b[i]?.role);
}

function replaceInList(messages: readonly unknown[], old: readonly Turn[], replacement: AnswerReplacement, style: MessageStyle): unknown[] {
  if (typeof replacement === 'string') {
    const j = lastAssistant(old);
    const message = messages[j];
    if (j < 0 || !isRecord(message)) return [...messages, makeMessage({ role: 'assistant', content: replacement }, style)];
    const copy = messages.slice();
    copy[j] = withContent(message, replacement, style);
    return copy;
  }
  if (sameRoles(old, replacement) && messages.length === old.length) {
    return messages.map((message, i) => {
      const was = old[i];
      const now = replacement[i];
      if (was === undefined || now === undefined || !isRecord(message)) return message;
      return was.content === now.content && was.name === now.name ? message : updateMessage(message, now, style);
    });
  }
  return replacement.map((turn) => makeMessage(turn, style));
}

function replaceInTranscript(segments: readonly TranscriptSegment[], old: readonly Turn[], replacement: AnswerReplacement): string | undefined {
  if (typeof replacement === 'string') {
    const j = lastAssistant(old);
    if (j < 0) return joinSegments(segments) + formatTranscript([{ role: 'assistant', content: replacement }]);
    return joinSegments(segments.map((s, i) => (i === j ? { marker: s.marker, content: replacement } : s)));
  }
  if (replacement.some((t) => t.role !== 'user' && t.role !== 'assistant')) return undefined;
  if (sameRoles(old, replacement) && segments.length === old.length) {
    return joinSegments(segments.map((s, i) => ({ marker: s.marker, content: replacement[i]?.content ?? s.content })));
  }
  return formatTranscript(replacement);
}

function contentKey(style: MessageStyle): string {
  return style === 'messages' ? 'content' : 'value';
}

function withContent(message: Record<string, unknown>, content: string, style: MessageStyle): Record<string, unknown> {
  return { ...message, [contentKey(style)]: content };
}

function updateMessage(message: Record<string, unknown>, turn: Turn, style: MessageStyle): Record<string, unknown> {
  const updated = withContent(message, turn.content, style);
  if (style === 'messages' && updated.name !== turn.name) {
    if (turn.name === undefined) delete updated.name;
    else updated.name = turn.name;
  }
  return updated;
}

function makeMessage(turn: Turn, style: MessageStyle): Record<string, unknown> {
  if (style === 'sharegpt') return { from: SHAREGPT_FROM_OF_ROLE[turn.role], value: turn.content };
  return turn.name === undefined ? { role: turn.role, content: turn.content } : { role: turn.role, content: turn.content, name: turn.name };
}

function getAt(node: unknown, path: JsonPath): unknown {
  let current = node;
  for (const key of path) {
    if (typeof key === 'number') current = Array.isArray(current) ? current[key] : undefined;
    else current = isRecord(current) ? current[key] : undefined;
  }
  return current;
}

/** A copy of `node` with the value at `path` replaced (or added, last, when absent). */
function setAt<T>(node: T, path: JsonPath, value: unknown): T;
function setAt(node: unknown, path: JsonPath, value: unknown): unknown {
  const [head, ...rest] = path;
  if (head === undefined) return value;
  if (typeof head === 'number') {
    const copy = Array.isArray(node) ? node.slice() : [];
    copy[head] = setAt(copy[head], rest, value);
    return copy;
  }
  const record = isRecord(node) ? node : {};
  return { ...record, [head]: setAt(record[head], rest, value) };
}
