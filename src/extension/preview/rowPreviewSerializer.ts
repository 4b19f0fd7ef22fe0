import * as vscode from 'vscode';
import type { WebviewState } from '../../webview/preview/protocol';
import type { Ctx } from '../ctx';
import { RowPreviewPanel, rowPreviewViewType } from './rowPreviewPanel';

/** The 1-based line a saved preview showed, if it showed one. */
function savedLine(state: WebviewState | undefined): number | undefined {
  const content = state?.content;
  if (content?.kind === 'row') return content.row.line;
  if (content?.kind === 'problem') return content.problem.line;
  return undefined;
}

/**
 * Restores a row preview from the state its webview saved (the document's URI and the row), or
 * closes it when that document cannot be opened any more.
 */
export async function restoreRowPreview(ctx: Ctx, panel: vscode.WebviewPanel, state: WebviewState | undefined): Promise<RowPreviewPanel | undefined> {
  const uri = state?.uri;
  if (uri === undefined) {
    panel.dispose();
    return undefined;
  }
  let document: vscode.TextDocument;
  try {
    document = await vscode.workspace.openTextDocument(vscode.Uri.parse(uri, true));
  } catch (error) {
    ctx.logger.warn(`Could not restore the row preview of ${uri}: ${String(error)}`);
    panel.dispose();
    return undefined;
  }
  return RowPreviewPanel.restore(ctx, panel, document, savedLine(state) ?? 1);
}

export function registerRowPreviewSerializer(ctx: Ctx): void {
  ctx.register(
    vscode.window.registerWebviewPanelSerializer(rowPreviewViewType, {
      deserializeWebviewPanel: async (panel, state: WebviewState | undefined) => {
        await restoreRowPreview(ctx, panel, state);
      },
    }),
  );
}
