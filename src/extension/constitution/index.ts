import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import { ConstitutionCodeActionProvider } from './constitutionCodeActions';
import { registerConstitutionCodeLens } from './constitutionCodeLens';
import { ConstitutionCompletionProvider } from './constitutionCompletion';
import { ConstitutionDiagnostics } from './constitutionDiagnostics';
import { ConstitutionFoldingProvider } from './constitutionFolding';
import { ConstitutionHoverProvider } from './constitutionHover';
import { constitutionSelector } from './constitutionModel';
import { ConstitutionSymbolProvider } from './constitutionSymbols';

/** The constitution editor: diagnostics, outline, hover, completion, quick fixes, folding, lenses. */
export function registerConstitutionEditor(ctx: Ctx): void {
  const selector = constitutionSelector;
  ctx.register(new ConstitutionDiagnostics(ctx));
  ctx.register(vscode.languages.registerDocumentSymbolProvider(selector, new ConstitutionSymbolProvider(), { label: 'Distillery' }));
  ctx.register(vscode.languages.registerHoverProvider(selector, new ConstitutionHoverProvider()));
  ctx.register(vscode.languages.registerCompletionItemProvider(selector, new ConstitutionCompletionProvider(), '#'));
  ctx.register(vscode.languages.registerCodeActionsProvider(selector, new ConstitutionCodeActionProvider(), ConstitutionCodeActionProvider.metadata));
  ctx.register(vscode.languages.registerFoldingRangeProvider(selector, new ConstitutionFoldingProvider()));
  registerConstitutionCodeLens(ctx, selector);
}
