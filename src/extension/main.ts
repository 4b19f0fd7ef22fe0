import type * as vscode from 'vscode';
import { registerCommands } from './commands';
import { registerConstitutionEditor } from './constitution';
import { Ctx } from './ctx';
import { registerDatasetCodeLens } from './datasetCodeLens';
import { registerDatasetDiagnostics } from './diagnostics';
import { registerRowPreviewSerializer } from './preview/rowPreviewSerializer';

let ctx: Ctx | undefined;

export function activate(context: vscode.ExtensionContext): void {
  ctx = new Ctx(context);
  context.subscriptions.push(ctx);
  registerCommands(ctx);
  const diagnostics = registerDatasetDiagnostics(ctx);
  registerDatasetCodeLens(ctx, {
    available: () => diagnostics.countsEnabled,
    get: (document) => diagnostics.counts(document),
    onDidUpdate: diagnostics.onDidUpdate,
  });
  registerConstitutionEditor(ctx);
  registerRowPreviewSerializer(ctx);
  ctx.logger.info(`Distillery ${String(context.extension.packageJSON.version)} activated`);
}

export function deactivate(): void {
  ctx?.dispose();
  ctx = undefined;
}
