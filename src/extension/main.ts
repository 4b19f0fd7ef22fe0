import type * as vscode from 'vscode';
import { registerCommands } from './commands';
import { registerConstitutionEditor } from './constitution';
import { Ctx } from './ctx';
import { registerDatasetCodeLens } from './datasetCodeLens';
import { registerMixReportSerializer } from './curation/mixReportCommands';
import { registerDatasetDiagnostics } from './diagnostics';
import { registerPanelSerializers } from './judging/panelSerializers';
import { createTestApi, isTestRun, type DistilleryTestApi } from './models/testApi';
import { UsageStatusBar } from './models/usageStatusBar';
import { registerPipelineEditor } from './pipeline';
import { registerRowPreviewSerializer } from './preview/rowPreviewSerializer';

let ctx: Ctx | undefined;

/** Returns the test API in integration test runs only (DISTILLERY_TEST=1); see models/testApi.ts. */
export function activate(context: vscode.ExtensionContext): DistilleryTestApi | undefined {
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
  registerPipelineEditor(ctx);
  // Panels left open come back after a window reload.
  registerRowPreviewSerializer(ctx);
  registerPanelSerializers(ctx);
  registerMixReportSerializer(ctx);
  const usage = ctx.register(new UsageStatusBar(ctx.models.ledger, 'distillery.showModelUsage'));
  ctx.models.reportProblems();
  ctx.logger.info(`Distillery ${String(context.extension.packageJSON.version)} activated`);
  return isTestRun() ? createTestApi(ctx.models, () => usage.text, context.logUri.fsPath) : undefined;
}

export function deactivate(): void {
  ctx?.dispose();
  ctx = undefined;
}
