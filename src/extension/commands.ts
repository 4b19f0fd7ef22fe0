import * as vscode from 'vscode';
import type { Ctx } from './ctx';
import { isDataset } from './datasetModel';
import { StatisticsPanel } from './statisticsPanel';

/** A command's implementation, made once per activation with the shared context. */
type CommandFactory = (ctx: Ctx) => (...args: unknown[]) => unknown;

/**
 * Every command Distillery registers. package.json's `contributes.commands` must list
 * exactly these ids; an integration test checks both directions.
 */
export const commandTable: Readonly<Record<string, CommandFactory>> = {
  'distillery.showLog': (ctx) => () => ctx.logger.show(false),
  'distillery.datasetStatistics': (ctx) => async (uri?: unknown) => {
    const document = await datasetFor(uri);
    StatisticsPanel.show(ctx, document);
  },
};

export function registerCommands(ctx: Ctx): void {
  for (const [id, factory] of Object.entries(commandTable)) {
    const run = factory(ctx);
    ctx.register(
      vscode.commands.registerCommand(id, async (...args: unknown[]) => {
        try {
          return await run(...args);
        } catch (error) {
          reportCommandError(ctx, id, error);
          return undefined;
        }
      }),
    );
  }
}

/** Failures become one readable message with a way to the log, not an unhandled rejection. */
function reportCommandError(ctx: Ctx, id: string, error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  ctx.logger.error(`${id} failed: ${message}`);
  if (error instanceof Error && error.stack) ctx.logger.debug(error.stack);
  void vscode.window.showErrorMessage(`Distillery: ${message}`, 'Show Log').then((choice) => {
    if (choice === 'Show Log') ctx.logger.show(false);
  });
}

/** The dataset a command acts on: the one passed (from a CodeLens), else the active editor's. */
async function datasetFor(uri: unknown): Promise<vscode.TextDocument> {
  if (uri instanceof vscode.Uri) return vscode.workspace.openTextDocument(uri);
  const document = vscode.window.activeTextEditor?.document;
  if (!document || !isDataset(document)) throw new Error('Open a JSONL dataset first.');
  return document;
}
