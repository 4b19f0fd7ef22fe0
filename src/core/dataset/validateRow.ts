/**
 * Schema checks of one row, the editor's diagnostics: each problem located by JSON path and named
 * by a stable code. And the quick fixes the editor offers where the fix is unambiguous.
 */
import { turnsEqual } from './conversation';
import { readRow, type LocatedTurn, type ReadAnswer } from './conversationReader';
import { messagesToShareGpt, shareGptToMessages, stripDistilleryMetadata } from './convert';
import { isRecord } from './jsonValue';
import { hasErrors, issue, type RowIssue } from './rowIssues';
import { containerOfKind, detectRowKind, expectsAnswer, rowContainer, ROW_KIND_LABELS, type RowKind } from './rowKinds';

export type { RowIssue, IssueCode, IssueSeverity, JsonPath } from './rowIssues';

/**
 * All problems of one row. `fileKind`, the file's dominant kind, adds the checks that need it:
 * a row of another kind, and a prompt-only row in a file of answered rows of the same shape
 * (a messages list that ends on a user turn in a chat file: `missing-assistant`).
 *
 * Severities: errors stop training tools or Distillery from reading the row (wrong types, unknown
 * roles, missing fields, no answer where one is expected); warnings are rows that read but are
 * probably wrong (empty turns, roles out of order, identical answers, another kind than the
 * file's); information is what Distillery ignores (non-text content parts, extra instances).
 */
export function validateRow(value: unknown, fileKind?: RowKind): RowIssue[] {
  const kind = detectRowKind(value);
  const read = readRow(value, kind);
  if (kind === 'unknown') {
    // A file that is not a dataset at all should not be covered in errors.
    const severity = fileKind === undefined || fileKind === 'unknown' ? 'information' : 'warning';
    return read.issues.map((i) => (i.code === 'unknown-format' ? { ...i, severity } : i));
  }
  const issues: RowIssue[] = [...kindIssues(value, kind, fileKind), ...read.issues];
  const sections = read.sections;
  if (sections === undefined || hasErrors(read.issues)) return issues;

  const answers = (['completion', 'chosen', 'rejected'] as const)
    .map((key) => ({ key, answer: sections[key] }))
    .filter((a): a is { key: 'completion' | 'chosen' | 'rejected'; answer: ReadAnswer } => a.answer !== undefined);

  // Empty turns: the prompt once, each answer, MT-bench's later questions.
  for (const turn of [...sections.prompt, ...answers.flatMap((a) => a.answer.turns), ...(sections.extraUserTurns ?? [])]) {
    if (turn.content.trim() === '' && !turn.toolCall) {
      issues.push(issue('empty-content', 'warning', turn.contentPath, `empty ${turn.role} turn`));
    }
  }

  // Order: the prompt followed by each answer, the prompt's problems reported once. Standard
  // (text) rows have no roles of their own to be out of order.
  const conversations = !sections.row.conversational ? [] : answers.length > 0 ? answers.map((a) => a.answer.turns) : [[]];
  conversations.forEach((answer, i) => {
    const reportFrom = i === 0 ? 0 : sections.prompt.length;
    issues.push(...orderIssues([...sections.prompt, ...answer], reportFrom));
  });

  if (expectsAnswer(kind)) {
    for (const { key, answer } of answers) {
      if (!answer.turns.some((t) => t.role === 'assistant')) {
        const what = key === 'completion' ? 'the answer' : `the ${key} answer`;
        issues.push(issue('missing-assistant', 'error', answer.slot.path, `${what} has no assistant turn`));
      }
    }
  }

  const { chosen, rejected } = sections;
  if (chosen && rejected && turnsEqual(chosen.turns, rejected.turns)) {
    issues.push(issue('chosen-equals-rejected', 'warning', rejected.slot.path, 'the chosen and rejected answers are identical: the pair teaches nothing'));
  }
  return issues;
}

function kindIssues(value: unknown, kind: RowKind, fileKind: RowKind | undefined): RowIssue[] {
  if (fileKind === undefined || fileKind === 'unknown' || fileKind === kind) return [];
  const container = containerOfKind(fileKind);
  if (kind === 'prompt-only' && container !== undefined && rowContainer(value) === container) {
    const path = container === 'instruction' ? [] : [container];
    const message = container === 'instruction' ? 'the row has no "output"' : container === 'prompt' ? 'the row has no "completion"' : 'the conversation does not end on an assistant turn';
    return [issue('missing-assistant', 'error', path, `${message}, in a file of ${ROW_KIND_LABELS[fileKind]} rows`)];
  }
  return [issue('kind-mismatch', 'warning', [], `row is ${ROW_KIND_LABELS[kind]}, but the file is ${ROW_KIND_LABELS[fileKind]}`)];
}

function roleName(turn: LocatedTurn): string {
  return turn.role;
}

/** Role-order problems in one conversation, at or after turn `reportFrom`. */
function orderIssues(turns: readonly LocatedTurn[], reportFrom: number): RowIssue[] {
  const issues: RowIssue[] = [];
  let started = false;
  let previous: LocatedTurn | undefined;
  turns.forEach((turn, i) => {
    let problem: string | undefined;
    if (turn.role === 'system') {
      if (started) problem = 'a system turn after the conversation started';
    } else {
      if (!started && turn.role !== 'user') problem = `the conversation starts with ${article(turn.role)} ${roleName(turn)} turn, not a user turn`;
      else if (previous && previous.role === turn.role && turn.role !== 'tool') problem = `two ${roleName(turn)} turns in a row`;
      else if (turn.role === 'tool' && previous?.role !== 'assistant' && previous?.role !== 'tool') problem = 'a tool turn that does not follow an assistant turn';
      started = true;
    }
    if (problem !== undefined && i >= reportFrom) {
      issues.push(issue('roles-out-of-order', 'warning', turn.rolePath, `turn ${i + 1}: ${problem}`));
    }
    previous = turn;
  });
  return issues;
}

function article(word: string): string {
  return /^[aeiou]/.test(word) ? 'an' : 'a';
}

export type RowFixId = 'convert-sharegpt-to-messages' | 'convert-messages-to-sharegpt' | 'strip-distillery-metadata';

export interface RowFix {
  readonly id: RowFixId;
  readonly title: string;
  /** The row after the fix. */
  readonly value: Record<string, unknown>;
  /** The fix resolves a kind mismatch with the file: the editor can offer it first. */
  readonly preferred: boolean;
}

/**
 * The fixes that apply to a row, each computed: converting a ShareGPT row (or ShareGPT preference
 * row) to messages whenever that is lossless; converting a messages row to ShareGPT only when
 * that makes it the file's kind; removing Distillery's metadata. A conversion that turns the row
 * into the file's kind is marked preferred.
 */
export function rowFixes(value: unknown, fileKind?: RowKind): RowFix[] {
  if (!isRecord(value)) return [];
  const fixes: RowFix[] = [];
  const kind = detectRowKind(value);
  const matchesFile = (converted: Record<string, unknown>) =>
    fileKind !== undefined && fileKind !== 'unknown' && fileKind !== kind && detectRowKind(converted) === fileKind;
  if (rowContainer(value) === 'conversations') {
    const converted = shareGptToMessages(value);
    if (converted.ok) {
      fixes.push({
        id: 'convert-sharegpt-to-messages',
        title: kind === 'sharegpt-preference' ? 'Convert this ShareGPT preference row to prompt/chosen/rejected messages' : 'Convert this ShareGPT row to messages',
        value: converted.value,
        preferred: matchesFile(converted.value),
      });
    }
  } else if (fileKind !== undefined && SHAREGPT_KINDS.has(fileKind) && !SHAREGPT_KINDS.has(kind)) {
    const converted = messagesToShareGpt(value);
    if (converted.ok && matchesFile(converted.value)) {
      fixes.push({ id: 'convert-messages-to-sharegpt', title: 'Convert this row to ShareGPT', value: converted.value, preferred: true });
    }
  }
  if (Object.hasOwn(value, 'distillery')) {
    fixes.push({ id: 'strip-distillery-metadata', title: 'Remove Distillery metadata from this row', value: stripDistilleryMetadata(value), preferred: false });
  }
  return fixes;
}

const SHAREGPT_KINDS: ReadonlySet<RowKind> = new Set(['sharegpt', 'sharegpt-preference']);
