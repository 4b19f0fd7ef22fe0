// Turns one JSONL row into the row preview's view model (src/webview/preview/protocol.ts).
// Pure: no `vscode` import, so the unit tests run it in Node.
import { toConversationRow, type Turn } from '../../core/dataset/conversation';
import type { RowIssue } from '../../core/dataset/rowIssues';
import type { JsonlRow } from '../../core/dataset/rowParser';
import { ROW_KIND_LABELS } from '../../core/dataset/rowKinds';
import type { NavigationView, PreviewContent, ProblemView, RowView, TurnView } from '../../webview/preview/protocol';

/** How much of a malformed line the preview shows. */
export const EXCERPT_CHARS = 400;

/** Metadata longer than this (as pretty JSON) is cut, with a note. */
export const METADATA_CHARS = 100_000;

function turnView(turn: Turn): TurnView {
  return turn.name === undefined ? { role: turn.role, content: turn.content } : { role: turn.role, name: turn.name, content: turn.content };
}

function turnViews(turns: readonly Turn[] | undefined): TurnView[] | undefined {
  return turns?.map(turnView);
}

/** `messages[2].content` from ['messages', 2, 'content']. */
export function formatJsonPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(part)) out += out === '' ? part : `.${part}`;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out;
}

function describeIssue(issue: RowIssue): string {
  return issue.path.length === 0 ? issue.message : `${formatJsonPath(issue.path)}: ${issue.message}`;
}

function excerpt(text: string): string {
  return text.length > EXCERPT_CHARS ? `${text.slice(0, EXCERPT_CHARS)}…` : text;
}

function metadataText(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  let text: string;
  try {
    text = JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > METADATA_CHARS ? `${text.slice(0, METADATA_CHARS)}\n… (cut: ${text.length.toLocaleString('en-US')} characters in all)` : text;
}

/**
 * The preview of `row`: a conversation, or the line's problem. `text` is the row's text in the
 * document (for the excerpt of a malformed line).
 */
export function previewContent(row: JsonlRow, text: string, fileName: string, navigation: NavigationView): PreviewContent {
  if (row.kind === 'blank') {
    return { kind: 'problem', problem: { fileName, line: row.line, reasons: ['This line is blank.'], excerpt: '' }, navigation };
  }
  if (row.kind === 'invalid') {
    const problem: ProblemView = { fileName, line: row.problem.line, column: row.problem.column, reasons: [row.problem.message], excerpt: excerpt(text) };
    return { kind: 'problem', problem, navigation };
  }
  const read = toConversationRow(row.value);
  if (!read.ok) {
    const errors = read.issues.filter((issue) => issue.severity === 'error');
    const reasons = (errors.length > 0 ? errors : read.issues).map(describeIssue);
    return { kind: 'problem', problem: { fileName, line: row.line, reasons: reasons.length > 0 ? reasons : ['The row has no known format.'], excerpt: excerpt(text) }, navigation };
  }
  const conversation = read.row;
  let systemCount = 0;
  while (conversation.prompt[systemCount]?.role === 'system') systemCount++;
  const view: RowView = {
    fileName,
    line: row.line,
    kind: conversation.kind,
    kindLabel: ROW_KIND_LABELS[conversation.kind],
    conversational: conversation.conversational,
    system: conversation.prompt.slice(0, systemCount).map(turnView),
    prompt: conversation.prompt.slice(systemCount).map(turnView),
    ...optional('completion', turnViews(conversation.completion)),
    ...optional('chosen', turnViews(conversation.chosen)),
    ...optional('rejected', turnViews(conversation.rejected)),
    ...optional('label', conversation.label),
    ...optional('extraUserTurns', conversation.extraUserTurns),
    ...optional('reference', conversation.reference),
    ...optional('metadata', metadataText(conversation.metadata)),
    notes: read.issues.map(describeIssue),
  };
  return { kind: 'row', row: view, navigation };
}

/** `{ key: value }`, or nothing when the value is undefined (exactOptionalPropertyTypes). */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
