/**
 * Duplicate findings shown as diagnostics, one collection of their own. Each finding remembers the
 * text of its row and of its representative; after an edit the findings are carried to their new
 * lines and kept only where both texts are still there, so a finding never points at another row.
 * The rest are dropped: Find Duplicates must be run again to see them.
 */
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import type { DuplicateFinding } from './documentDuplicates';

export const DUPLICATES_SOURCE = 'Distillery duplicates';
export const DUPLICATE_FINDING_CODE = 'duplicate-finding';

/** A finding as held: 0-based lines and the texts it was computed from. */
export interface HeldFinding {
  readonly kind: 'exact' | 'near';
  readonly line: number;
  readonly text: string;
  readonly representativeLine: number;
  readonly representativeText: string;
  readonly similarity: number;
}

export class DuplicateDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('distillery-duplicates');
  private readonly held = new Map<string, HeldFinding[]>();
  private readonly listeners: vscode.Disposable[];

  constructor() {
    this.listeners = [
      vscode.workspace.onDidChangeTextDocument((event) => this.followEdit(event)),
      vscode.workspace.onDidCloseTextDocument((document) => this.clear(document.uri)),
    ];
  }

  dispose(): void {
    for (const listener of this.listeners) listener.dispose();
    this.collection.dispose();
    this.held.clear();
  }

  show(document: vscode.TextDocument, findings: readonly DuplicateFinding[]): void {
    const held = findings.map((finding) => ({
      kind: finding.kind,
      line: finding.line - 1,
      text: document.lineAt(finding.line - 1).text,
      representativeLine: finding.representativeLine - 1,
      representativeText: document.lineAt(finding.representativeLine - 1).text,
      similarity: finding.similarity,
    }));
    this.set(document, held);
  }

  clear(uri?: vscode.Uri): void {
    if (uri === undefined) {
      this.held.clear();
      this.collection.clear();
      return;
    }
    this.held.delete(uri.toString());
    this.collection.delete(uri);
  }

  /** The findings of a document, on its current lines. */
  findingsOf(uri: vscode.Uri): readonly HeldFinding[] {
    return this.held.get(uri.toString()) ?? [];
  }

  private set(document: vscode.TextDocument, held: HeldFinding[]): void {
    if (held.length === 0) {
      this.clear(document.uri);
      return;
    }
    this.held.set(document.uri.toString(), held);
    this.collection.set(document.uri, held.map((finding) => toDiagnostic(document.uri, finding)));
  }

  private followEdit(event: vscode.TextDocumentChangeEvent): void {
    const held = this.held.get(event.document.uri.toString());
    if (held === undefined || event.contentChanges.length === 0) return;
    const { document } = event;
    const moved = held.map((finding) => ({
      ...finding,
      line: lineAfter(finding.line, event.contentChanges),
      representativeLine: lineAfter(finding.representativeLine, event.contentChanges),
    }));
    const still = (line: number, text: string): boolean => line >= 0 && line < document.lineCount && document.lineAt(line).text === text;
    this.set(
      document,
      moved.filter((finding) => still(finding.line, finding.text) && still(finding.representativeLine, finding.representativeText)),
    );
  }
}

/**
 * Where a line goes through an edit's changes (ranges in the text before the event; they do not
 * overlap), or -1 when the change removed or rewrote it. A line the change starts on inside its
 * text keeps its number; the caller checks its text is still there.
 */
function lineAfter(line: number, changes: readonly vscode.TextDocumentContentChangeEvent[]): number {
  let shift = 0;
  for (const change of changes) {
    const { start, end } = change.range;
    const delta = change.text.split('\n').length - 1 - (end.line - start.line);
    const multiLine = end.line > start.line;
    if (line > end.line || (line === end.line && multiLine && end.character === 0)) shift += delta;
    else if (line === start.line && (!multiLine || start.character > 0)) continue;
    else if (line >= start.line) return -1;
  }
  return line + shift;
}

function toDiagnostic(uri: vscode.Uri, finding: HeldFinding): vscode.Diagnostic {
  const what = finding.kind === 'exact' ? 'Exact duplicate' : `Near-duplicate (${Math.round(finding.similarity * 100)}% similar)`;
  const message = `${what} of line ${finding.representativeLine + 1}. Run "Distillery: Find Duplicates" again after editing to refresh.`;
  const range = new vscode.Range(finding.line, 0, finding.line, finding.text.length);
  const diagnostic = new vscode.Diagnostic(range, message, finding.kind === 'exact' ? vscode.DiagnosticSeverity.Warning : vscode.DiagnosticSeverity.Information);
  diagnostic.source = DUPLICATES_SOURCE;
  diagnostic.code = DUPLICATE_FINDING_CODE;
  const representative = new vscode.Range(finding.representativeLine, 0, finding.representativeLine, finding.representativeText.length);
  diagnostic.relatedInformation = [new vscode.DiagnosticRelatedInformation(new vscode.Location(uri, representative), 'The row kept (representative)')];
  return diagnostic;
}

const instances = new WeakMap<Ctx, DuplicateDiagnostics>();

/** The one collection per activation, released with the extension. */
export function duplicateDiagnosticsOf(ctx: Ctx): DuplicateDiagnostics {
  let diagnostics = instances.get(ctx);
  if (diagnostics === undefined) {
    diagnostics = ctx.register(new DuplicateDiagnostics());
    instances.set(ctx, diagnostics);
  }
  return diagnostics;
}
