import type * as vscode from 'vscode';
import { registerCommands } from './commands';
import { Ctx } from './ctx';
import { registerDatasetCodeLens } from './datasetCodeLens';

let ctx: Ctx | undefined;

export function activate(context: vscode.ExtensionContext): void {
  ctx = new Ctx(context);
  context.subscriptions.push(ctx);
  registerCommands(ctx);
  registerDatasetCodeLens(ctx);
  ctx.logger.info(`Distillery ${String(context.extension.packageJSON.version)} activated`);
}

export function deactivate(): void {
  ctx?.dispose();
  ctx = undefined;
}
