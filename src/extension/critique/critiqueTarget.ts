/**
 * What Critique & Revise works on in one row: the core's reading of it (critiqueInputOf: the
 * prompt and the text of the answer's last assistant turn, SFT rows only), and, when the user
 * selected text inside that answer on the row's line, the span of the answer that the selection
 * covers. Pure (no `vscode` import): columns are UTF-16 offsets into the line, which is what both
 * the editor and jsonc-parser count in.
 */
import { findNodeAtOffset, getNodePath, parseTree, type Node as JsonNode } from 'jsonc-parser';
import { readRow, type LocatedTurn } from '../../core/dataset/conversationReader';
import type { KnownRowKind } from '../../core/dataset/rowKinds';
import type { CritiqueInput } from '../../core/tasks/critiqueTypes';
import { critiqueInputOf } from '../../core/tasks/critiqueRows';

export interface CritiqueTarget {
  readonly value: Record<string, unknown>;
  readonly kind: KnownRowKind;
  /** The prompt and the answer text that is critiqued and revised (no span yet). */
  readonly input: CritiqueInput;
  /** The JSON path of the string that holds the answer text, when one string does. */
  readonly answerPath: readonly (string | number)[] | undefined;
}

export type TargetResult = { readonly ok: true; readonly target: CritiqueTarget } | { readonly ok: false; readonly message: string };

/** Reads the row's prompt and answer; fails with a message for rows that have no single answer to revise. */
export function critiqueTarget(rowText: string): TargetResult {
  let value: unknown;
  try {
    value = JSON.parse(rowText);
  } catch {
    return { ok: false, message: 'the row is not valid JSON' };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { ok: false, message: 'the row is not a JSON object' };
  let read: ReturnType<typeof critiqueInputOf>;
  try {
    read = critiqueInputOf(value);
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
  const answer = readRow(value, read.kind).sections?.completion;
  const turn = answer ? lastAssistant(answer.turns) : undefined;
  // A transcript keeps every turn in one string: the path would name that string, not this turn.
  const answerPath = answer?.slot.type === 'transcript' ? undefined : turn?.contentPath;
  return { ok: true, target: { value: value as Record<string, unknown>, kind: read.kind, input: read.input, answerPath } };
}

function lastAssistant(turns: readonly LocatedTurn[]): LocatedTurn | undefined {
  for (let i = turns.length - 1; i >= 0; i--) if (turns[i]?.role === 'assistant') return turns[i];
  return undefined;
}

export type SpanResult =
  /** The selection is not inside any string of the row: it selects the row as a whole. */
  | { readonly kind: 'row' }
  | { readonly kind: 'span'; readonly start: number; readonly end: number }
  | { readonly kind: 'unmappable'; readonly message: string };

/**
 * Maps a selection on the row's line (`startColumn` < `endColumn`, UTF-16) to a span of the
 * answer text. A selection that starts and ends inside one JSON string is a text selection: it
 * must be inside the answer's string and must not cut an escape sequence (`\n`, `\u00e9`), or it
 * cannot be mapped exactly and the result says why.
 */
export function selectionSpan(rowText: string, target: CritiqueTarget, startColumn: number, endColumn: number): SpanResult {
  const root = parseTree(rowText);
  if (!root) return { kind: 'row' };
  const node = findNodeAtOffset(root, startColumn, false);
  const inside = (n: JsonNode | undefined, offset: number): boolean => n?.type === 'string' && offset > n.offset && offset < n.offset + n.length;
  // The selection's end may sit right before the closing quote.
  if (!node || !inside(node, startColumn) || endColumn > node.offset + node.length - 1 || endColumn <= startColumn) {
    return { kind: 'row' };
  }
  const path = getNodePath(node);
  if (!target.answerPath || !samePath(path, target.answerPath)) {
    return { kind: 'unmappable', message: target.answerPath ? 'The selected text is not in the answer; select text inside the answer, or the whole row.' : 'The answer is not one text field of the row here; select the whole row.' };
  }
  const raw = rowText.slice(node.offset + 1, node.offset + node.length - 1);
  const decoded = decodeWithOffsets(raw);
  const start = decoded.offsets.get(startColumn - node.offset - 1);
  const end = decoded.offsets.get(endColumn - node.offset - 1);
  if (start === undefined || end === undefined) {
    return { kind: 'unmappable', message: 'The selection starts or ends inside an escape sequence (such as \\n or \\u00e9) of the answer, so it cannot be mapped to the answer text exactly; widen it.' };
  }
  // A shared implicit prompt may precede the answer in the same string.
  const answer = target.input.answer;
  const lead = decoded.text.length - answer.length;
  if (lead < 0 || !decoded.text.endsWith(answer)) return { kind: 'unmappable', message: 'The answer could not be found in the selected string; select the whole row.' };
  if (start < lead) return { kind: 'unmappable', message: 'The selection starts in the prompt part of the string, not in the answer.' };
  return { kind: 'span', start: start - lead, end: end - lead };
}

function samePath(a: readonly (string | number)[], b: readonly (string | number)[]): boolean {
  return a.length === b.length && a.every((segment, i) => segment === b[i]);
}

/**
 * A JSON string's raw text (between the quotes) decoded, with the decoded offset at every raw
 * offset that starts a character or ends the string; raw offsets inside an escape are absent.
 */
export function decodeWithOffsets(raw: string): { text: string; offsets: Map<number, number> } {
  const offsets = new Map<number, number>();
  let text = '';
  let i = 0;
  while (i < raw.length) {
    offsets.set(i, text.length);
    const char = raw[i] as string;
    if (char !== '\\') {
      text += char;
      i++;
      continue;
    }
    const next = raw[i + 1];
    if (next === 'u') {
      text += String.fromCharCode(Number.parseInt(raw.slice(i + 2, i + 6), 16));
      i += 6;
    } else {
      text += ESCAPES[next ?? ''] ?? next ?? '';
      i += 2;
    }
  }
  offsets.set(raw.length, text.length);
  return { text, offsets };
}

const ESCAPES: Readonly<Record<string, string>> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
