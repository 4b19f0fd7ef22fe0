/**
 * Distillery: Mix Report (the palette, the JSONL editor's title bar), the panel's restore after a
 * reload, and a hidden command that says what the panel shows (for tests and automation).
 */
import * as vscode from 'vscode';
import type { WebviewState } from '../../webview/mixReport/protocol';
import { datasetFor, type CommandTable } from '../commandTable';
import type { Ctx } from '../ctx';
import { MixReportPanel, mixReportViewType } from './mixReportPanel';

/** What a caller (a test, another command) may decide instead of the "Compare with…" button. */
export interface MixReportRequest {
  /** The source dataset to compare with; null: no comparison. */
  readonly against?: vscode.Uri | null;
}

function requestOf(value: unknown): MixReportRequest {
  return typeof value === 'object' && value !== null ? (value as MixReportRequest) : {};
}

async function openOrUndefined(ctx: Ctx, uri: string | undefined): Promise<vscode.TextDocument | undefined> {
  if (uri === undefined) return undefined;
  try {
    return await vscode.workspace.openTextDocument(vscode.Uri.parse(uri, true));
  } catch (error) {
    ctx.logger.warn(`Could not reopen ${uri} for the mix report: ${String(error)}`);
    return undefined;
  }
}

/** Restores a mix report from the dataset and source its webview saved, or closes it when the dataset is gone. */
export function registerMixReportSerializer(ctx: Ctx): void {
  ctx.register(
    vscode.window.registerWebviewPanelSerializer(mixReportViewType, {
      deserializeWebviewPanel: async (panel, state: WebviewState | undefined) => {
        const document = await openOrUndefined(ctx, state?.target?.uri);
        if (!document) {
          panel.dispose();
          return;
        }
        MixReportPanel.restore(ctx, panel, document, await openOrUndefined(ctx, state?.target?.sourceUri));
      },
    }),
  );
}

export const mixReportCommands: CommandTable = {
  /** Opens the panel; resolves with the report it shows (tests read it), undefined when cancelled. */
  'distillery.mixReport': (ctx) => async (uri?: unknown, request?: unknown) => MixReportPanel.show(ctx, await datasetFor(uri), requestOf(request).against),
  /** Hidden: what the open panel's webview rendered last (file, shares, teachers, warnings). */
  'distillery.mixReportShown': () => () => MixReportPanel.shownNow(),
};
