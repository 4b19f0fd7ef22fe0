/**
 * Generated rows go into the document right after their source rows, in one WorkspaceEdit (one
 * undo step), checked against the document version the source rows were read at.
 *
 * Generation takes seconds to minutes, and the user may type meanwhile. Each source row is then
 * found again by its identity (its canonical JSON, see rowIdentity.ts), nearest to where it was:
 * when it moved, the rows go after it where it is now; when it was itself edited or removed, or
 * has equally near twins, its rows are not inserted and the caller says so. Nothing the user typed
 * is ever overwritten: the edit only inserts.
 */
import * as vscode from 'vscode';
import { relocateRow } from '../../core/dataset/rowIdentity';
import type { RowRead } from '../rows/rowEditor';

export interface RowInsertion {
  /** The source row as it was read (readRow). */
  readonly source: RowRead;
  /** New rows, each one JSON object on one line (no terminator). */
  readonly rows: readonly string[];
}

export type InsertionRefusal = 'removed' | 'ambiguous' | 'closed' | 'failed';

export type InsertionOutcome =
  | { readonly inserted: true; /** 1-based line of the source row when the rows went in. */ readonly line: number; readonly moved: boolean }
  | { readonly inserted: false; readonly reason: InsertionRefusal; readonly message: string };

/** Re-anchoring attempts when the document changes between locating the rows and applying the edit. */
const MAX_ATTEMPTS = 5;

/** One insertion at a time per document: a second one locates its rows after the first landed. */
const queues = new Map<string, Promise<unknown>>();

/** Inserts each insertion's rows after its source row; outcomes are in the order of `insertions`. */
export function insertRowsAfter(document: vscode.TextDocument, insertions: readonly RowInsertion[]): Promise<InsertionOutcome[]> {
  const key = document.uri.toString();
  const run = () => insertNow(document, insertions);
  const next = (queues.get(key) ?? Promise.resolve()).then(run, run);
  queues.set(key, next);
  void next.finally(() => {
    if (queues.get(key) === next) queues.delete(key);
  });
  return next;
}

function refusal(reason: InsertionRefusal, message: string): InsertionOutcome {
  return { inserted: false, reason, message };
}

async function insertNow(document: vscode.TextDocument, insertions: readonly RowInsertion[]): Promise<InsertionOutcome[]> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    if (document.isClosed) {
      return insertions.map(() => refusal('closed', 'The document was closed before the generated rows could be inserted.'));
    }
    const outcomes = locateAll(document, insertions);
    const eol = document.eol === vscode.EndOfLine.CRLF ? '\r\n' : '\n';
    const edit = new vscode.WorkspaceEdit();
    let any = false;
    outcomes.forEach((outcome, index) => {
      const rows = (insertions[index] as RowInsertion).rows;
      if (!outcome.inserted || rows.length === 0) return;
      // At the end of the source line, so that a last line without a terminator keeps having none.
      const end = document.lineAt(outcome.line - 1).range.end;
      edit.insert(document.uri, end, rows.map((row) => `${eol}${row}`).join(''));
      any = true;
    });
    if (!any) return outcomes;
    const versionBefore = document.version;
    // The edit carries the version it was made for: the editor refuses it when the text moved on
    // meanwhile, and the loop locates the rows again.
    if (await vscode.workspace.applyEdit(edit)) return outcomes;
    if (document.version === versionBefore) {
      return insertions.map(() => refusal('failed', 'The editor refused to insert the generated rows (is the file read-only?).'));
    }
  }
  return insertions.map(() => refusal('failed', 'The document kept changing while the generated rows were being inserted; try again.'));
}

function locateAll(document: vscode.TextDocument, insertions: readonly RowInsertion[]): InsertionOutcome[] {
  let text: string | undefined;
  const taken = new Map<number, number>();
  return insertions.map((insertion, index) => {
    const { source } = insertion;
    let outcome: InsertionOutcome;
    if (document.version === source.version) {
      outcome = { inserted: true, line: source.line, moved: false };
    } else {
      text ??= document.getText();
      const found = relocateRow(text, source.identity, source.line);
      switch (found.status) {
        case 'found':
          outcome = { inserted: true, line: found.line, moved: found.line !== source.line };
          break;
        case 'ambiguous':
          outcome = refusal('ambiguous', `the row read from line ${source.line} now appears on lines ${found.lines.join(' and ')}, equally near, so its generated rows were not inserted`);
          break;
        case 'gone':
          outcome = refusal('removed', `the row read from line ${source.line} was edited or removed meanwhile, so its generated rows were not inserted`);
          break;
      }
    }
    // Two source rows that were twins can both be found on one line: only the first gets it.
    if (outcome.inserted) {
      const earlier = taken.get(outcome.line);
      if (earlier !== undefined && (insertions[earlier] as RowInsertion).source.line !== source.line) {
        return refusal('ambiguous', `the rows read from lines ${(insertions[earlier] as RowInsertion).source.line} and ${source.line} are now one row, so the generated rows of line ${source.line} were not inserted`);
      }
      taken.set(outcome.line, index);
    }
    return outcome;
  });
}
