import * as vscode from 'vscode';
import type { CommandTable } from './commandTable';
import { constitutionCommands } from './constitution/constitutionCommands';
import type { Ctx } from './ctx';
import { curationCommands } from './curation/curationCommands';
import { critiqueCommands } from './critique/critiqueCommands';
import { generateCommands } from './generate/generateCommands';
import { judgeCommands } from './judging/judgeCommands';
import { judgeReportCommands } from './judging/judgeReportCommands';
import { mixReportCommands } from './curation/mixReportCommands';
import { modelCommands } from './models/modelCommands';
import { ModelSetupError } from './models/modelService';
import { pipelineCommands } from './pipeline/pipelineCommands';
import { previewCommands } from './preview/previewCommands';
import { rowCommands } from './rows/rowCommands';
import { statisticsCommands } from './statistics/statisticsCommands';

/**
 * Every command Distillery registers: each feature contributes its own table. package.json's
 * `contributes.commands` must list exactly these ids; an integration test checks both directions.
 */
export const commandTable: CommandTable = {
  'distillery.showLog': (ctx) => () => ctx.logger.show(false),
  ...statisticsCommands,
  ...previewCommands,
  ...rowCommands,
  ...constitutionCommands,
  ...modelCommands,
  ...generateCommands,
  ...critiqueCommands,
  ...judgeCommands,
  ...curationCommands,
  ...judgeReportCommands,
  ...mixReportCommands,
  ...pipelineCommands,
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
  // Nothing configured: the way out is the settings, not the log.
  const actions = error instanceof ModelSetupError ? ['Open Settings', 'Show Log'] : ['Show Log'];
  void vscode.window.showErrorMessage(`Distillery: ${message}`, ...actions).then((choice) => {
    if (choice === 'Show Log') ctx.logger.show(false);
    if (choice === 'Open Settings') void vscode.commands.executeCommand('workbench.action.openSettings', 'distillery.roles');
  });
}
