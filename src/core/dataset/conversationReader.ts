/**
 * Reads a row of any known kind into the conversation model, keeping for each turn the JSON path
 * it came from (for diagnostics) and, for each answer, where it lives in the row (for writing a
 * new answer back in the row's own format). `toConversationRow`, `validateRow` and `withAnswers`
 * are built on it.
 */
import { isTranscript, parseTranscript, type TranscriptSegment } from './anthropic';
import type { ConversationRow, Turn } from './conversation';
import { isRecord } from './jsonValue';
import { describeJsonType, hasErrors, issue, type JsonPath, type RowIssue } from './rowIssues';
import { detectRowKind, type KnownRowKind, type RowKind } from './rowKinds';
import { roleOfMessage, roleOfShareGptFrom, type Role } from './roles';

export type MessageStyle = 'messages' | 'sharegpt';

/** A turn and where it is in the row. */
export interface LocatedTurn extends Turn {
  /** The message object, or the string field the turn was read from. */
  readonly path: JsonPath;
  /** Where the role is named: the `role`/`from` value, or the same string for text fields. */
  readonly rolePath: JsonPath;
  readonly contentPath: JsonPath;
  /** An assistant turn that calls tools and has no text: empty content is expected. */
  readonly toolCall?: boolean;
}

/** Where an answer lives in its row, so that a new one can be written in the same place and form. */
export type AnswerSlot =
  /** The answer is `list.slice(start)` of the message list at `path` (absent: `exists` is false). */
  | { readonly type: 'list'; readonly path: JsonPath; readonly start: number; readonly style: MessageStyle; readonly exists: boolean }
  /** The answer is one message object (LLaMA-Factory's ShareGPT `chosen`/`rejected`). */
  | { readonly type: 'message'; readonly path: JsonPath; readonly style: MessageStyle }
  /** The answer is the text of the string at `path` after `prefix` (a shared implicit prompt). */
  | { readonly type: 'string'; readonly path: JsonPath; readonly prefix: string; readonly exists: boolean }
  /** The answer is the transcript's segments from `start` on. */
  | { readonly type: 'transcript'; readonly path: JsonPath; readonly segments: readonly TranscriptSegment[]; readonly start: number };

export interface ReadAnswer {
  readonly turns: readonly LocatedTurn[];
  readonly slot: AnswerSlot;
}

export interface RowSections {
  readonly kind: KnownRowKind;
  readonly row: ConversationRow;
  readonly prompt: readonly LocatedTurn[];
  readonly completion?: ReadAnswer;
  readonly chosen?: ReadAnswer;
  readonly rejected?: ReadAnswer;
  /** Prompt-only rows: where an answer would go, when the row's format has a place for one. */
  readonly newAnswerSlot?: AnswerSlot;
  readonly extraUserTurns?: readonly LocatedTurn[];
}

export interface ReadResult {
  readonly kind: RowKind;
  /** Absent when the row has errors (see `issues`) or no known kind. */
  readonly sections?: RowSections;
  readonly issues: readonly RowIssue[];
}

/** How Alpaca's instruction and input become one user turn: LLaMA-Factory's join. */
export const ALPACA_SEPARATOR = '\n';

export function joinInstruction(instruction: string, input: string | undefined, separator = ALPACA_SEPARATOR): string {
  return [instruction, input ?? ''].filter((part) => part !== '').join(separator);
}

class Reader {
  readonly issues: RowIssue[] = [];

  constructor(readonly row: Record<string, unknown>) {}

  error(code: RowIssue['code'], path: JsonPath, message: string): void {
    this.issues.push(issue(code, 'error', path, message));
  }

  /** A required string field; records an error and returns undefined when it is not one. */
  string(value: unknown, path: JsonPath, what: string): string | undefined {
    if (typeof value === 'string') return value;
    if (value === undefined) this.error('missing-field', path.slice(0, -1), `${what} is missing`);
    else this.error('invalid-type', path, `${what} must be text, not ${describeJsonType(value)}`);
    return undefined;
  }

  /** An optional string field: absent, null or text. */
  optionalString(key: string, what: string): string | undefined {
    const value = this.row[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'string') return value;
    this.error('invalid-type', [key], `${what} must be text, not ${describeJsonType(value)}`);
    return undefined;
  }

  messageContent(message: Record<string, unknown>, path: JsonPath, role: Role): { content: string; toolCall: boolean } | undefined {
    const value = message.content;
    const toolCall = role === 'assistant' && Array.isArray(message.tool_calls) && message.tool_calls.length > 0;
    if (typeof value === 'string') return { content: value, toolCall };
    if ((value === undefined || value === null) && toolCall) return { content: '', toolCall };
    if (Array.isArray(value)) {
      // OpenAI content parts: the text parts are the turn's text; others are noted and skipped.
      const texts: string[] = [];
      value.forEach((part, j) => {
        if (typeof part === 'string') texts.push(part);
        else if (isRecord(part) && part.type === 'text' && typeof part.text === 'string') texts.push(part.text);
        else {
          const type = isRecord(part) && typeof part.type === 'string' ? `"${part.type}"` : describeJsonType(part);
          this.issues.push(
            issue('unsupported-content', 'information', [...path, 'content', j], `content part ${type} is not text: Distillery reads only the text of this turn`),
          );
        }
      });
      return { content: texts.join('\n'), toolCall };
    }
    if (value === undefined) this.error('missing-field', path, 'message has no content');
    else this.error('invalid-type', [...path, 'content'], `content must be text or a list of content parts, not ${describeJsonType(value)}`);
    return undefined;
  }

  message(value: unknown, path: JsonPath, style: MessageStyle): LocatedTurn | undefined {
    if (!isRecord(value)) {
      this.error('invalid-type', path, `a message must be an object, not ${describeJsonType(value)}`);
      return undefined;
    }
    const roleKey = style === 'messages' ? 'role' : 'from';
    const rawRole = value[roleKey];
    const role = style === 'messages' ? roleOfMessage(rawRole) : roleOfShareGptFrom(rawRole);
    if (rawRole === undefined) {
      this.error('missing-field', path, `message has no "${roleKey}"`);
      return undefined;
    }
    if (role === undefined) {
      const known = style === 'messages' ? 'system, user, assistant or tool' : 'human, gpt, system, function_call or observation';
      this.error('unknown-role', [...path, roleKey], `unknown ${roleKey} ${JSON.stringify(rawRole)}: expected ${known}`);
      return undefined;
    }
    let content: string;
    let toolCall = false;
    const contentPath = [...path, style === 'messages' ? 'content' : 'value'];
    if (style === 'messages') {
      const read = this.messageContent(value, path, role);
      if (read === undefined) return undefined;
      ({ content, toolCall } = read);
    } else {
      const text = this.string(value.value, contentPath, 'value');
      if (text === undefined) return undefined;
      content = text;
    }
    const turn: LocatedTurn = { role, content, path, rolePath: [...path, roleKey], contentPath };
    const name = style === 'messages' ? value.name : undefined;
    return {
      ...turn,
      ...(typeof name === 'string' ? { name } : {}),
      ...(toolCall ? { toolCall } : {}),
    };
  }

  list(value: unknown, path: JsonPath, style: MessageStyle): LocatedTurn[] | undefined {
    if (!Array.isArray(value)) {
      if (value === undefined) this.error('missing-field', path.slice(0, -1), `"${String(path[path.length - 1])}" is missing`);
      else this.error('invalid-type', path, `must be a list of messages, not ${describeJsonType(value)}`);
      return undefined;
    }
    const turns: LocatedTurn[] = [];
    let ok = true;
    value.forEach((element, i) => {
      const turn = this.message(element, [...path, i], style);
      if (turn) turns.push(turn);
      else ok = false;
    });
    return ok ? turns : undefined;
  }

  /** The row-level `system` field of LLaMA-Factory's Alpaca and ShareGPT rows, as a system turn. */
  rowSystem(): LocatedTurn[] {
    const system = this.optionalString('system', 'system');
    return system ? [textTurn('system', system, ['system'])] : [];
  }

  /** Alpaca's prompt: system, history pairs, then instruction and input as one user turn. */
  alpacaPrompt(): LocatedTurn[] | undefined {
    const turns = this.rowSystem();
    const history = this.row.history;
    if (history !== undefined && history !== null) {
      if (!Array.isArray(history)) {
        this.error('invalid-type', ['history'], `history must be a list of [instruction, answer] pairs, not ${describeJsonType(history)}`);
        return undefined;
      }
      for (const [i, pair] of history.entries()) {
        if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || typeof pair[1] !== 'string') {
          this.error('invalid-type', ['history', i], 'each history entry must be a pair of texts: [instruction, answer]');
          return undefined;
        }
        turns.push(textTurn('user', pair[0], ['history', i, 0]), textTurn('assistant', pair[1], ['history', i, 1]));
      }
    }
    const instruction = this.string(this.row.instruction, ['instruction'], 'instruction');
    const input = this.optionalString('input', 'input');
    if (instruction === undefined) return undefined;
    turns.push(textTurn('user', joinInstruction(instruction, input), ['instruction']));
    return turns;
  }

  /** A `prompt` field: text (a transcript is read as turns) or a message list. */
  promptField(key: string): { turns: LocatedTurn[]; conversational: boolean; isList: boolean } | undefined {
    const value = this.row[key];
    if (Array.isArray(value)) {
      const turns = this.list(value, [key], 'messages');
      return turns && { turns, conversational: true, isList: true };
    }
    const text = this.string(value, [key], key);
    if (text === undefined) return undefined;
    if (isTranscript(text)) {
      // A transcript prompt that ends on an empty "Assistant:" invites the answer (as in
      // Dahoas/rm-static); that cue is not a turn.
      const turns = parseTranscript(text).turns.map((t) => textTurn(t.role, t.content, [key]));
      const last = turns[turns.length - 1];
      if (last?.role === 'assistant' && last.content.trim() === '') turns.pop();
      return { turns, conversational: true, isList: false };
    }
    return { turns: [textTurn('user', text, [key])], conversational: false, isList: false };
  }

  /** A string-or-list answer field (`completion`, `chosen`, `rejected`). */
  answerField(key: string): ReadAnswer | undefined {
    const value = this.row[key];
    if (Array.isArray(value)) {
      const turns = this.list(value, [key], 'messages');
      return turns && { turns, slot: { type: 'list', path: [key], start: 0, style: 'messages', exists: true } };
    }
    const text = this.string(value, [key], key);
    return text === undefined ? undefined : { turns: [textTurn('assistant', text, [key])], slot: { type: 'string', path: [key], prefix: '', exists: true } };
  }

  /** A message list whose answer is the turns after the last user or system turn. */
  splitList(key: string, style: MessageStyle): { prompt: LocatedTurn[]; answer: ReadAnswer } | undefined {
    const system = style === 'sharegpt' ? this.rowSystem() : [];
    const turns = this.list(this.row[key], [key], style);
    if (turns === undefined) return undefined;
    const start = answerStart(turns);
    return {
      prompt: [...system, ...turns.slice(0, start)],
      answer: { turns: turns.slice(start), slot: { type: 'list', path: [key], start, style, exists: true } },
    };
  }

  label(): boolean | undefined {
    const label = this.row.label;
    if (typeof label === 'boolean') return label;
    this.error('invalid-type', ['label'], `label must be true or false, not ${describeJsonType(label)}`);
    return undefined;
  }

  require(...keys: string[]): boolean {
    const missing = keys.filter((k) => !Object.hasOwn(this.row, k));
    for (const key of missing) this.error('missing-field', [], `"${key}" is missing`);
    return missing.length === 0;
  }
}

function textTurn(role: Role, content: string, path: JsonPath): LocatedTurn {
  return { role, content, path, rolePath: path, contentPath: path };
}

/** Where a conversation's answer starts: after its last user or system turn. */
export function answerStart(turns: readonly { role: Role }[]): number {
  for (let i = turns.length - 1; i >= 0; i--) {
    const role = turns[i]?.role;
    if (role === 'user' || role === 'system') return i + 1;
  }
  return 0;
}

function sameTurn(a: Turn | undefined, b: Turn | undefined): boolean {
  return a !== undefined && b !== undefined && a.role === b.role && a.content === b.content && a.name === b.name;
}

/**
 * The implicit prompt of two conversations: their longest common prefix of turns, shortened
 * until it ends on a user or system turn so that both answers start where the assistant speaks.
 * When the two are identical this leaves the last answer to each.
 */
export function sharedPromptLength(a: readonly Turn[], b: readonly Turn[]): number {
  let k = 0;
  while (k < a.length && k < b.length && sameTurn(a[k], b[k])) k++;
  while (k > 0 && (a[k - 1]?.role === 'assistant' || a[k - 1]?.role === 'tool')) k--;
  return k;
}

/**
 * TRL's implicit prompt of two texts: their longest common prefix, leaving a space before the
 * point where they differ to the answers; never splitting a surrogate pair. Identical texts have
 * no shared prompt (each answer is the whole text).
 */
export function sharedTextPrefixLength(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  if (i > 0 && isHighSurrogate(a.charCodeAt(i - 1))) i--;
  if (i > 0 && a[i - 1] === ' ') i--;
  return i;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function located(turns: readonly Turn[], path: JsonPath): LocatedTurn[] {
  return turns.map((t) => textTurn(t.role, t.content, path));
}

function plain(turns: readonly LocatedTurn[]): Turn[] {
  return turns.map((t) => (t.name === undefined ? { role: t.role, content: t.content } : { role: t.role, content: t.content, name: t.name }));
}

interface Parts {
  conversational: boolean;
  prompt: LocatedTurn[];
  completion?: ReadAnswer;
  chosen?: ReadAnswer;
  rejected?: ReadAnswer;
  label?: boolean;
  newAnswerSlot?: AnswerSlot;
  extraUserTurns?: LocatedTurn[];
  reference?: string[];
}

function readImplicitPreference(r: Reader): Parts | undefined {
  if (!r.require('chosen', 'rejected')) return undefined;
  const { chosen, rejected } = r.row;
  if (typeof chosen === 'string' && typeof rejected === 'string') {
    if (isTranscript(chosen) && isTranscript(rejected)) {
      const a = parseTranscript(chosen);
      const b = parseTranscript(rejected);
      const k = sharedPromptLength(a.turns, b.turns);
      return {
        conversational: true,
        prompt: located(a.turns.slice(0, k), ['chosen']),
        chosen: { turns: located(a.turns.slice(k), ['chosen']), slot: { type: 'transcript', path: ['chosen'], segments: a.segments, start: k } },
        rejected: { turns: located(b.turns.slice(k), ['rejected']), slot: { type: 'transcript', path: ['rejected'], segments: b.segments, start: k } },
      };
    }
    const k = sharedTextPrefixLength(chosen, rejected);
    const prefix = chosen.slice(0, k);
    return {
      conversational: false,
      prompt: k > 0 ? [textTurn('user', prefix, ['chosen'])] : [],
      chosen: { turns: [textTurn('assistant', chosen.slice(k), ['chosen'])], slot: { type: 'string', path: ['chosen'], prefix, exists: true } },
      rejected: { turns: [textTurn('assistant', rejected.slice(k), ['rejected'])], slot: { type: 'string', path: ['rejected'], prefix, exists: true } },
    };
  }
  if (Array.isArray(chosen) && Array.isArray(rejected)) {
    const a = r.list(chosen, ['chosen'], 'messages');
    const b = r.list(rejected, ['rejected'], 'messages');
    if (a === undefined || b === undefined) return undefined;
    const k = sharedPromptLength(a, b);
    return {
      conversational: true,
      prompt: a.slice(0, k),
      chosen: { turns: a.slice(k), slot: { type: 'list', path: ['chosen'], start: k, style: 'messages', exists: true } },
      rejected: { turns: b.slice(k), slot: { type: 'list', path: ['rejected'], start: k, style: 'messages', exists: true } },
    };
  }
  for (const key of ['chosen', 'rejected'] as const) {
    const value = r.row[key];
    if (typeof value !== 'string' && !Array.isArray(value)) {
      r.error('invalid-type', [key], `${key} must be text or a list of messages, not ${describeJsonType(value)}`);
      return undefined;
    }
  }
  r.error('invalid-type', ['rejected'], 'chosen and rejected must both be text or both be message lists');
  return undefined;
}

function readParts(r: Reader, kind: KnownRowKind): Parts | undefined {
  const row = r.row;
  switch (kind) {
    case 'chat':
    case 'sharegpt': {
      const split = r.splitList(kind === 'chat' ? 'messages' : 'conversations', kind === 'chat' ? 'messages' : 'sharegpt');
      return split && { conversational: true, prompt: split.prompt, completion: split.answer };
    }
    case 'alpaca': {
      const prompt = r.alpacaPrompt();
      const output = r.string(row.output, ['output'], 'output');
      if (prompt === undefined || output === undefined) return undefined;
      return {
        conversational: true,
        prompt,
        completion: { turns: [textTurn('assistant', output, ['output'])], slot: { type: 'string', path: ['output'], prefix: '', exists: true } },
      };
    }
    case 'self-instruct': {
      const instances = row.instances;
      if (!Array.isArray(instances) || instances.length === 0) {
        r.error('invalid-type', ['instances'], 'instances must be a non-empty list of {input, output}');
        return undefined;
      }
      const first: unknown = instances[0];
      if (!isRecord(first)) {
        r.error('invalid-type', ['instances', 0], `an instance must be an object, not ${describeJsonType(first)}`);
        return undefined;
      }
      const instruction = r.string(row.instruction, ['instruction'], 'instruction');
      const input = first.input === undefined || first.input === null ? '' : r.string(first.input, ['instances', 0, 'input'], 'input');
      const output = r.string(first.output, ['instances', 0, 'output'], 'output');
      if (instruction === undefined || input === undefined || output === undefined) return undefined;
      if (instances.length > 1) {
        r.issues.push(
          issue('ignored-instances', 'information', ['instances'], `${instances.length} instances: Distillery reads the first as this task's answer`),
        );
      }
      return {
        conversational: true,
        prompt: [textTurn('user', joinInstruction(instruction, input), ['instruction'])],
        completion: {
          turns: [textTurn('assistant', output, ['instances', 0, 'output'])],
          slot: { type: 'string', path: ['instances', 0, 'output'], prefix: '', exists: true },
        },
      };
    }
    case 'prompt-completion': {
      const prompt = r.promptField('prompt');
      const completion = r.answerField('completion');
      return prompt && completion && { conversational: prompt.conversational, prompt: prompt.turns, completion };
    }
    case 'prompt-only':
      return readPromptOnly(r);
    case 'preference': {
      const prompt = Object.hasOwn(row, 'prompt') ? r.promptField('prompt') : mapDefined(r.alpacaPrompt(), (turns) => ({ turns, conversational: true }));
      if (!r.require('chosen', 'rejected')) return undefined;
      const chosen = r.answerField('chosen');
      const rejected = r.answerField('rejected');
      return prompt && chosen && rejected && { conversational: prompt.conversational, prompt: prompt.turns, chosen, rejected };
    }
    case 'implicit-preference':
      return readImplicitPreference(r);
    case 'openai-dpo': {
      if (!r.require('input', 'preferred_output', 'non_preferred_output')) return undefined;
      if (!isRecord(row.input)) {
        r.error('invalid-type', ['input'], `input must be an object with "messages", not ${describeJsonType(row.input)}`);
        return undefined;
      }
      const prompt = r.list(row.input.messages, ['input', 'messages'], 'messages');
      const chosen = r.list(row.preferred_output, ['preferred_output'], 'messages');
      const rejected = r.list(row.non_preferred_output, ['non_preferred_output'], 'messages');
      if (prompt === undefined || chosen === undefined || rejected === undefined) return undefined;
      return {
        conversational: true,
        prompt,
        chosen: { turns: chosen, slot: { type: 'list', path: ['preferred_output'], start: 0, style: 'messages', exists: true } },
        rejected: { turns: rejected, slot: { type: 'list', path: ['non_preferred_output'], start: 0, style: 'messages', exists: true } },
      };
    }
    case 'sharegpt-preference': {
      if (!r.require('chosen', 'rejected')) return undefined;
      const system = r.rowSystem();
      const prompt = r.list(row.conversations, ['conversations'], 'sharegpt');
      const chosen = r.message(row.chosen, ['chosen'], 'sharegpt');
      const rejected = r.message(row.rejected, ['rejected'], 'sharegpt');
      if (prompt === undefined || chosen === undefined || rejected === undefined) return undefined;
      return {
        conversational: true,
        prompt: [...system, ...prompt],
        chosen: { turns: [chosen], slot: { type: 'message', path: ['chosen'], style: 'sharegpt' } },
        rejected: { turns: [rejected], slot: { type: 'message', path: ['rejected'], style: 'sharegpt' } },
      };
    }
    case 'unpaired-preference': {
      const label = r.label();
      let parts: Parts | undefined;
      if (Object.hasOwn(row, 'messages') || Object.hasOwn(row, 'conversations')) {
        const split = Object.hasOwn(row, 'messages') ? r.splitList('messages', 'messages') : r.splitList('conversations', 'sharegpt');
        parts = split && { conversational: true, prompt: split.prompt, completion: split.answer };
      } else if (Object.hasOwn(row, 'instruction')) {
        parts = readParts(r, 'alpaca');
      } else {
        parts = r.require('prompt') ? readParts(r, 'prompt-completion') : undefined;
      }
      return parts && label !== undefined ? { ...parts, label } : undefined;
    }
    case 'mt-bench': {
      const turns = row.turns;
      if (!Array.isArray(turns) || turns.length === 0 || !turns.every((t) => typeof t === 'string')) {
        r.error('invalid-type', ['turns'], 'turns must be a non-empty list of texts');
        return undefined;
      }
      const questions = turns.map((t: string, i) => textTurn('user', t, ['turns', i]));
      let reference: string[] | undefined;
      if (row.reference !== undefined) {
        if (!Array.isArray(row.reference) || !row.reference.every((t) => typeof t === 'string')) {
          r.error('invalid-type', ['reference'], 'reference must be a list of texts, one per turn');
          return undefined;
        }
        reference = row.reference as string[];
      }
      return {
        conversational: true,
        prompt: questions.slice(0, 1),
        extraUserTurns: questions.slice(1),
        ...(reference ? { reference } : {}),
      };
    }
  }
}

function mapDefined<T, U>(value: T | undefined, f: (v: T) => U): U | undefined {
  return value === undefined ? undefined : f(value);
}

function readPromptOnly(r: Reader): Parts | undefined {
  const row = r.row;
  if (Object.hasOwn(row, 'messages') || Object.hasOwn(row, 'conversations')) {
    const key = Object.hasOwn(row, 'messages') ? 'messages' : 'conversations';
    const style: MessageStyle = key === 'messages' ? 'messages' : 'sharegpt';
    const system = style === 'sharegpt' ? r.rowSystem() : [];
    const turns = r.list(row[key], [key], style);
    return (
      turns && {
        conversational: true,
        prompt: [...system, ...turns],
        newAnswerSlot: { type: 'list', path: [key], start: turns.length, style, exists: true },
      }
    );
  }
  if (Object.hasOwn(row, 'instruction')) {
    const prompt = r.alpacaPrompt();
    return prompt && { conversational: true, prompt, newAnswerSlot: { type: 'string', path: ['output'], prefix: '', exists: false } };
  }
  const prompt = r.promptField('prompt');
  if (prompt === undefined) return undefined;
  const newAnswerSlot: AnswerSlot = prompt.isList
    ? { type: 'list', path: ['completion'], start: 0, style: 'messages', exists: false }
    : { type: 'string', path: ['completion'], prefix: '', exists: false };
  return { conversational: prompt.conversational, prompt: prompt.turns, newAnswerSlot };
}

/** Reads a row as the given kind (by default its detected kind). */
export function readRow(value: unknown, kind: RowKind = detectRowKind(value)): ReadResult {
  if (!isRecord(value)) {
    return { kind: 'unknown', issues: [issue('not-an-object', 'error', [], `row is ${describeJsonType(value)}, not a JSON object`)] };
  }
  if (kind === 'unknown') {
    return {
      kind,
      issues: [issue('unknown-format', 'error', [], 'row matches no dataset format Distillery knows (chat, ShareGPT, Alpaca, prompt/completion, preference, KTO, prompt-only)')],
    };
  }
  const r = new Reader(value);
  const parts = readParts(r, kind);
  if (parts === undefined || hasErrors(r.issues)) return { kind, issues: r.issues };
  const row: ConversationRow = {
    kind,
    conversational: parts.conversational,
    prompt: plain(parts.prompt),
    ...(parts.completion ? { completion: plain(parts.completion.turns) } : {}),
    ...(parts.chosen ? { chosen: plain(parts.chosen.turns) } : {}),
    ...(parts.rejected ? { rejected: plain(parts.rejected.turns) } : {}),
    ...(parts.label !== undefined ? { label: parts.label } : {}),
    ...(parts.extraUserTurns ? { extraUserTurns: parts.extraUserTurns.map((t) => t.content) } : {}),
    ...(parts.reference ? { reference: parts.reference } : {}),
    ...(Object.hasOwn(value, 'distillery') ? { metadata: value.distillery } : {}),
  };
  const sections: RowSections = {
    kind,
    row,
    prompt: parts.prompt,
    ...(parts.completion ? { completion: parts.completion } : {}),
    ...(parts.chosen ? { chosen: parts.chosen } : {}),
    ...(parts.rejected ? { rejected: parts.rejected } : {}),
    ...(parts.newAnswerSlot ? { newAnswerSlot: parts.newAnswerSlot } : {}),
    ...(parts.extraUserTurns ? { extraUserTurns: parts.extraUserTurns } : {}),
  };
  return { kind, sections, issues: r.issues };
}
