/**
 * Row conversions between formats, over parsed rows. Keys are renamed in place: the converted
 * row keeps every other key, unknown ones included, in its original order, and so does each
 * message.
 *
 * ShareGPT ⇄ messages is lossless: `conversations` ⇄ `messages`, `from` ⇄ `role`,
 * `value` ⇄ `content`, with human ⇄ user, gpt ⇄ assistant, system ⇄ system,
 * observation ⇄ tool. A row is converted only when the way back gives it again exactly, so
 * ShareGPT rows with other `from` values (LLaMA-Factory's `function_call`, whose OpenAI form needs
 * call ids and parsed arguments; `user`/`assistant` aliases that would come back as human/gpt)
 * and messages rows with other roles (`developer`, `function`) are refused with the reason.
 * LLaMA-Factory's ShareGPT preference rows (`conversations`, `chosen: {from, value}`,
 * `rejected: {from, value}`) convert the same way to TRL's `{prompt, chosen: [message],
 * rejected: [message]}` and back.
 *
 * Alpaca → messages is one way (the join of instruction and input cannot be undone); see
 * `alpacaToMessages`.
 */
import { readRow } from './conversationReader';
import { isRecord } from './jsonValue';
import { describeJsonType, setOwn, type JsonPath } from './rowIssues';
import { LOSSLESS_SHAREGPT_FROM, isRole, SHAREGPT_FROM_OF_ROLE, type Role } from './roles';

export type ConvertResult =
  | { readonly ok: true; readonly value: Record<string, unknown> }
  | { readonly ok: false; readonly path: JsonPath; readonly message: string };

class Refusal {
  constructor(
    readonly path: JsonPath,
    readonly message: string,
  ) {}
}

function refuse(path: JsonPath, message: string): never {
  throw new Refusal(path, message);
}

function attempt(convert: () => Record<string, unknown>): ConvertResult {
  try {
    return { ok: true, value: convert() };
  } catch (e) {
    if (e instanceof Refusal) return { ok: false, path: e.path, message: e.message };
    throw e;
  }
}

/** A copy of `record` with keys renamed (and their values replaced) in place. */
function renameKeys(record: Record<string, unknown>, renames: Readonly<Record<string, readonly [string, unknown]>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    const rename = Object.hasOwn(renames, key) ? renames[key] : undefined;
    if (rename) setOwn(out, rename[0], rename[1]);
    else setOwn(out, key, value);
  }
  return out;
}

function asRow(row: unknown): Record<string, unknown> {
  return isRecord(row) ? row : refuse([], `row is ${describeJsonType(row)}, not a JSON object`);
}

function noKey(record: Record<string, unknown>, key: string, path: JsonPath, why: string): void {
  if (Object.hasOwn(record, key)) refuse([...path, key], why);
}

const ROLE_OF_FROM: Readonly<Record<string, Role>> = { human: 'user', gpt: 'assistant', system: 'system', observation: 'tool' };

function shareGptMessageToMessage(message: unknown, path: JsonPath): Record<string, unknown> {
  if (!isRecord(message)) refuse(path, `a message must be an object, not ${describeJsonType(message)}`);
  const from = message.from;
  if (typeof from !== 'string' || !LOSSLESS_SHAREGPT_FROM.has(from)) {
    refuse([...path, 'from'], `"from": ${JSON.stringify(from)} has no lossless messages form (only human, gpt, system and observation convert and back)`);
  }
  noKey(message, 'role', path, 'the message already has a "role"');
  noKey(message, 'content', path, 'the message already has a "content"');
  return renameKeys(message, { from: ['role', ROLE_OF_FROM[from]], value: ['content', message.value] });
}

function messageToShareGptMessage(message: unknown, path: JsonPath): Record<string, unknown> {
  if (!isRecord(message)) refuse(path, `a message must be an object, not ${describeJsonType(message)}`);
  const role = message.role;
  if (!isRole(role)) refuse([...path, 'role'], `role ${JSON.stringify(role)} has no ShareGPT form (only system, user, assistant and tool convert)`);
  noKey(message, 'from', path, 'the message already has a "from"');
  noKey(message, 'value', path, 'the message already has a "value"');
  return renameKeys(message, { role: ['from', SHAREGPT_FROM_OF_ROLE[role]], content: ['value', message.content] });
}

function convertList(list: unknown, path: JsonPath, convert: (message: unknown, path: JsonPath) => Record<string, unknown>): Record<string, unknown>[] {
  if (!Array.isArray(list)) refuse(path, `must be a list of messages, not ${describeJsonType(list)}`);
  return list.map((message, i) => convert(message, [...path, i]));
}

/**
 * `{conversations:[{from, value}]}` → `{messages:[{role, content}]}` (chat, prompt-only and KTO
 * rows), and LLaMA-Factory's ShareGPT preference rows → `{prompt, chosen: [m], rejected: [m]}`.
 */
export function shareGptToMessages(row: unknown): ConvertResult {
  return attempt(() => {
    const record = asRow(row);
    if (!Object.hasOwn(record, 'conversations')) refuse([], 'the row has no "conversations"');
    const preference = Object.hasOwn(record, 'chosen') || Object.hasOwn(record, 'rejected');
    const target = preference ? 'prompt' : 'messages';
    noKey(record, target, [], `the row already has "${target}"`);
    const renames: Record<string, readonly [string, unknown]> = {
      conversations: [target, convertList(record.conversations, ['conversations'], shareGptMessageToMessage)],
    };
    if (preference) {
      for (const key of ['chosen', 'rejected']) {
        if (!Object.hasOwn(record, key)) refuse([], `the row has no "${key}"`);
        renames[key] = [key, [shareGptMessageToMessage(record[key], [key])]];
      }
    }
    return renameKeys(record, renames);
  });
}

/**
 * `{messages:[{role, content}]}` → `{conversations:[{from, value}]}`, and TRL preference rows
 * whose prompt is a message list and whose answers are one message each → LLaMA-Factory's
 * ShareGPT preference rows. The inverse of `shareGptToMessages`.
 */
export function messagesToShareGpt(row: unknown): ConvertResult {
  return attempt(() => {
    const record = asRow(row);
    noKey(record, 'conversations', [], 'the row already has "conversations"');
    if (Object.hasOwn(record, 'messages')) {
      return renameKeys(record, { messages: ['conversations', convertList(record.messages, ['messages'], messageToShareGptMessage)] });
    }
    if (!Object.hasOwn(record, 'prompt') || !Object.hasOwn(record, 'chosen') || !Object.hasOwn(record, 'rejected')) {
      refuse([], 'the row has neither "messages" nor "prompt", "chosen" and "rejected"');
    }
    const renames: Record<string, readonly [string, unknown]> = {
      prompt: ['conversations', convertList(record.prompt, ['prompt'], messageToShareGptMessage)],
    };
    for (const key of ['chosen', 'rejected']) {
      const answer = record[key];
      if (!Array.isArray(answer) || answer.length !== 1) refuse([key], `ShareGPT preference rows hold one ${key} message; this row's ${key} is not a list of one message`);
      renames[key] = [key, messageToShareGptMessage(answer[0], [key, 0])];
    }
    return renameKeys(record, renames);
  });
}

const ALPACA_KEYS = new Set(['system', 'history', 'instruction', 'input', 'output']);

/**
 * An Alpaca row (or an Alpaca prompt without `output`) as a messages row, the way LLaMA-Factory
 * reads it: a system message from `system` when it is not empty, a user and an assistant message
 * per `history` pair, then one user message of `instruction` and `input` joined by a newline
 * (the empty one left out), then `output` as the assistant message. `messages` takes the place of
 * the first Alpaca key; the other keys stay where they were.
 */
export function alpacaToMessages(row: unknown): ConvertResult {
  return attempt(() => {
    const record = asRow(row);
    const read = readRow(record);
    if ((read.kind !== 'alpaca' && read.kind !== 'prompt-only') || !Object.hasOwn(record, 'instruction')) refuse([], 'not an Alpaca row');
    const sections = read.sections;
    if (sections === undefined) {
      const first = read.issues.find((i) => i.severity === 'error');
      return refuse(first?.path ?? [], first?.message ?? 'the row cannot be read');
    }
    noKey(record, 'messages', [], 'the row already has "messages"');
    const messages = [...sections.row.prompt, ...(sections.row.completion ?? [])].map((t) => ({ role: t.role, content: t.content }));
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(record)) {
      if (!ALPACA_KEYS.has(key)) setOwn(out, key, value);
      else if (!Object.hasOwn(out, 'messages')) out.messages = messages;
    }
    return out;
  });
}

/** The row without Distillery's `"distillery"` key: what training tools should see. */
export function stripDistilleryMetadata(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) if (key !== 'distillery') setOwn(out, key, value);
  return out;
}
