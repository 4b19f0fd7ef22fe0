/**
 * The one way Distillery changes a row of a document open in the editor (a revision the user
 * accepts, a human label, a quick fix computed elsewhere): one WorkspaceEdit that replaces that
 * row's text and nothing else, checked against the version the row was read at.
 *
 * Between reading a row and writing it back (a model call can take a minute) the user may type.
 * The edit then finds its row again by the row's identity (its canonical JSON), nearest to where
 * it was, and lands there; when the row itself was edited, removed, or has equally near twins,
 * it is refused with a message saying so. It never lands on another row.
 *
 * Lines are 1-based here, as in the core and the DatasetSnapshot; VS Code's are `line - 1`.
 */
import * as vscode from 'vscode';
import { assertRowText, RowEditError } from '../../core/dataset/rowEdit';
import { relocateRow, rowIdentity } from '../../core/dataset/rowIdentity';

/** A row as read from a document: what an edit of it must be checked against. */
export interface RowRead {
  /** 1-based line. */
  readonly line: number;
  readonly version: number;
  readonly text: string;
  readonly identity: string;
}

export interface RowEditRequest {
  /** 1-based line the row was read from. */
  readonly line: number;
  /** `document.version` when the row was read. */
  readonly version: number;
  /** The row's new text: one JSON object on one line (no terminator). */
  readonly newText: string;
  /** The identity ({@link rowIdentity}) of the row as it was read. One of this and `expectedText` is required. */
  readonly expectedIdentity?: string;
  /** The row's exact text as it was read; stricter than the identity: a reformatted row is refused too. */
  readonly expectedText?: string;
}

export type RowEditRefusal = 'edited' | 'removed' | 'ambiguous' | 'invalid' | 'closed' | 'failed';

export type RowEditResult =
  | { readonly applied: true; /** 1-based line the edit landed on. */ readonly line: number; readonly moved: boolean }
  | { readonly applied: false; readonly reason: RowEditRefusal; readonly message: string };

/** How many times an edit that lost a race with typing is re-anchored before giving up. */
const MAX_ATTEMPTS = 5;

/** Reads 1-based `line` of `document` with what a later {@link applyRowEdit} needs. */
export function readRow(document: vscode.TextDocument, line: number): RowRead {
  if (!Number.isInteger(line) || line < 1 || line > document.lineCount) {
    throw new RangeError(`line ${line} is outside 1..${document.lineCount}`);
  }
  const text = document.lineAt(line - 1).text;
  return { line, version: document.version, text, identity: rowIdentity(text) };
}

/** One edit at a time per document, in the order asked: a second edit re-anchors after the first. */
const queues = new Map<string, Promise<unknown>>();

export function applyRowEdit(document: vscode.TextDocument, request: RowEditRequest): Promise<RowEditResult> {
  const key = document.uri.toString();
  const previous = queues.get(key) ?? Promise.resolve();
  const next = previous.then(
    () => applyNow(document, request),
    () => applyNow(document, request),
  );
  queues.set(key, next);
  void next.finally(() => {
    if (queues.get(key) === next) queues.delete(key);
  });
  return next;
}

function refuse(reason: RowEditRefusal, message: string): RowEditResult {
  return { applied: false, reason, message };
}

async function applyNow(document: vscode.TextDocument, request: RowEditRequest): Promise<RowEditResult> {
  try {
    assertRowText(request.newText);
  } catch (error) {
    return refuse('invalid', error instanceof RowEditError ? `The new row is not valid: ${error.message}.` : String(error));
  }
  const { expectedText } = request;
  const identity = request.expectedIdentity ?? (expectedText === undefined ? undefined : rowIdentity(expectedText));
  if (identity === undefined) throw new TypeError('applyRowEdit needs expectedIdentity or expectedText');

  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    if (document.isClosed) return refuse('closed', 'The document was closed before the row could be changed.');
    const target = locate(document, request, identity);
    if (!target.applied) return target;
    const line0 = target.line - 1;
    const current = document.lineAt(line0).text;
    if (expectedText !== undefined && current !== expectedText) {
      return refuse('edited', `Line ${target.line} was edited since it was read; the change was not applied.`);
    }
    const versionBefore = document.version;
    const edit = new vscode.WorkspaceEdit();
    edit.replace(document.uri, new vscode.Range(line0, 0, line0, current.length), request.newText);
    // The edit carries the version it was made for; the editor rejects it if the text moved on
    // in the meantime, and the loop re-anchors.
    const ok = await vscode.workspace.applyEdit(edit);
    if (ok) return target;
    if (document.version === versionBefore) return refuse('failed', 'The editor refused the change (is the file read-only?).');
  }
  return refuse('failed', 'The document kept changing while the row was being written; try again.');
}

function locate(document: vscode.TextDocument, request: RowEditRequest, identity: string): RowEditResult {
  const { line } = request;
  if (document.version === request.version) {
    if (line < 1 || line > document.lineCount || rowIdentity(document.lineAt(line - 1).text) !== identity) {
      return refuse('edited', `Line ${line} does not hold the row that was read; the change was not applied.`);
    }
    return { applied: true, line, moved: false };
  }
  const found = relocateRow(document.getText(), identity, line);
  switch (found.status) {
    case 'found':
      return { applied: true, line: found.line, moved: found.line !== line };
    case 'ambiguous':
      return refuse(
        'ambiguous',
        `The row read from line ${line} now appears on lines ${found.lines.join(' and ')}, equally near; the change was not applied.`,
      );
    case 'gone':
      return refuse('removed', `The row read from line ${line} was edited or removed since; the change was not applied.`);
  }
}
