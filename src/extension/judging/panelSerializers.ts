/**
 * Brings the Judge Report and Dataset Statistics panels back after a window reload: VS Code keeps
 * each webview's state (`setState`), which names the dataset the panel described; the panel is
 * restored on that dataset, computed afresh, or closed when the file is gone.
 */
import * as vscode from 'vscode';
import type { WebviewState as JudgeReportState } from '../../webview/judgeReport/protocol';
import type { WebviewState as StatisticsState } from '../../webview/statistics/protocol';
import type { Ctx } from '../ctx';
import { StatisticsPanel, statisticsViewType, type StatisticsViewWithUri } from '../statistics/statisticsPanel';
import { JudgeReportPanel, judgeReportViewType } from './judgeReportPanel';

/** The dataset a saved state names, opened; undefined (and logged) when there is none or it cannot be opened. */
async function savedDocument(ctx: Ctx, what: string, uri: unknown): Promise<vscode.TextDocument | undefined> {
  if (typeof uri !== 'string' || uri === '') return undefined;
  try {
    return await vscode.workspace.openTextDocument(vscode.Uri.parse(uri, true));
  } catch (error) {
    ctx.logger.warn(`Could not restore the ${what} of ${uri}: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
}

export function registerPanelSerializers(ctx: Ctx): void {
  ctx.register(
    vscode.window.registerWebviewPanelSerializer(judgeReportViewType, {
      deserializeWebviewPanel: async (panel, state: JudgeReportState | undefined) => {
        const document = await savedDocument(ctx, 'judge report', state?.uri);
        if (document) JudgeReportPanel.restore(ctx, panel, document);
        else panel.dispose();
      },
    }),
  );
  ctx.register(
    vscode.window.registerWebviewPanelSerializer(statisticsViewType, {
      deserializeWebviewPanel: async (panel, state: StatisticsState | undefined) => {
        const saved: StatisticsViewWithUri | undefined = state?.statistics;
        const document = await savedDocument(ctx, 'dataset statistics', saved?.uri);
        if (document) StatisticsPanel.restore(ctx, panel, document);
        else panel.dispose();
      },
    }),
  );
}
