import * as vscode from 'vscode';
import { parsedConstitution, toRange } from './constitutionModel';

const FIXABLE = new Set(['unknown-field', 'invalid-id']);

/** Quick fixes for problems the parser has a replacement for: a near-miss field name, a slug for an id. */
export class ConstitutionCodeActionProvider implements vscode.CodeActionProvider {
  static readonly metadata: vscode.CodeActionProviderMetadata = { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] };

  provideCodeActions(document: vscode.TextDocument, range: vscode.Range | vscode.Selection, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const actions: vscode.CodeAction[] = [];
    for (const problem of parsedConstitution(document).problems) {
      if (!FIXABLE.has(problem.code) || problem.suggestion === undefined) continue;
      const at = toRange(problem.range);
      if (!at.intersection(range)) continue;
      const title = problem.code === 'unknown-field' ? `Change to "${problem.suggestion}"` : `Use the id "${problem.suggestion}"`;
      const action = new vscode.CodeAction(title, vscode.CodeActionKind.QuickFix);
      action.edit = new vscode.WorkspaceEdit();
      action.edit.replace(document.uri, at, problem.suggestion);
      action.diagnostics = context.diagnostics.filter((d) => d.code === problem.code && d.range.isEqual(at));
      action.isPreferred = true;
      actions.push(action);
    }
    return actions;
  }
}
