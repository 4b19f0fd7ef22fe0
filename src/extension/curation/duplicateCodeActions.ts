/**
 * Quick fixes on duplicate findings: remove this duplicate row, or every duplicate found. Each is
 * one WorkspaceEdit (one undo), offered only while the finding's row still has the text it was
 * found with, and made for the document version it was offered at.
 */
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import { datasetSelector } from '../datasetModel';
import { wholeLine } from '../diagnostics/rowCodeActions';
import { DUPLICATE_FINDING_CODE, DUPLICATES_SOURCE, duplicateDiagnosticsOf, type DuplicateDiagnostics, type HeldFinding } from './duplicateDiagnostics';

export class DuplicateCodeActionProvider implements vscode.CodeActionProvider {
  static readonly metadata: vscode.CodeActionProviderMetadata = { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] };

  constructor(private readonly diagnostics: DuplicateDiagnostics) {}

  provideCodeActions(document: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const ours = context.diagnostics.filter((d) => d.source === DUPLICATES_SOURCE && d.code === DUPLICATE_FINDING_CODE);
    if (ours.length === 0) return [];
    const findings = this.diagnostics.findingsOf(document.uri).filter((finding) => rowStillThere(document, finding));
    const actions: vscode.CodeAction[] = [];
    for (const diagnostic of ours) {
      const finding = findings.find((f) => f.line === diagnostic.range.start.line);
      if (finding === undefined) continue;
      const action = new vscode.CodeAction(`Remove this duplicate row (of line ${finding.representativeLine + 1})`, vscode.CodeActionKind.QuickFix);
      action.edit = removalOf(document, [finding.line]);
      action.diagnostics = [diagnostic];
      action.isPreferred = true;
      actions.push(action);
    }
    if (findings.length > 1) {
      const all = new vscode.CodeAction(`Remove all ${findings.length} duplicates found`, vscode.CodeActionKind.QuickFix);
      all.edit = removalOf(
        document,
        findings.map((finding) => finding.line),
      );
      all.diagnostics = ours;
      actions.push(all);
    }
    return actions;
  }
}

function rowStillThere(document: vscode.TextDocument, finding: HeldFinding): boolean {
  return finding.line < document.lineCount && document.lineAt(finding.line).text === finding.text;
}

/** One edit deleting the given 0-based lines with their terminators. */
export function removalOf(document: vscode.TextDocument, lines: readonly number[]): vscode.WorkspaceEdit {
  const edit = new vscode.WorkspaceEdit();
  const sorted = [...new Set(lines)].sort((a, b) => a - b);
  const last = document.lineCount - 1;
  for (const line of sorted) {
    // The last line goes with the terminator before it; when that line is removed too, that
    // terminator is already in its range, so the last line takes only its own text.
    const range = line === last && sorted.includes(line - 1) ? document.lineAt(line).range : wholeLine(document, line);
    edit.delete(document.uri, range);
  }
  return edit;
}

export function registerDuplicateCodeActions(ctx: Ctx): void {
  ctx.register(vscode.languages.registerCodeActionsProvider(datasetSelector, new DuplicateCodeActionProvider(duplicateDiagnosticsOf(ctx)), DuplicateCodeActionProvider.metadata));
}
