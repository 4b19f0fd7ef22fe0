import * as vscode from 'vscode';
import type { CommandTable } from '../commandTable';
import type { Ctx } from '../ctx';
import { isDataset } from '../datasetModel';
import { RowPreviewPanel } from './rowPreviewPanel';

const noDataset = 'Open a JSONL dataset to preview its rows.';

/**
 * The dataset and 1-based line a preview command acts on: the ones passed (a CodeLens passes
 * (uri, line)), else the active editor's document and the line under its cursor.
 */
async function rowTarget(uri: unknown, line: unknown): Promise<{ document: vscode.TextDocument; line: number }> {
  if (uri instanceof vscode.Uri) {
    const document = await vscode.workspace.openTextDocument(uri);
    if (!isDataset(document)) throw new Error(noDataset);
    const editor = vscode.window.visibleTextEditors.find((candidate) => candidate.document === document);
    const at = typeof line === 'number' && Number.isInteger(line) && line >= 1 ? line : (editor?.selection.active.line ?? 0) + 1;
    return { document, line: at };
  }
  const editor = vscode.window.activeTextEditor;
  if (!editor || !isDataset(editor.document)) throw new Error(noDataset);
  return { document: editor.document, line: editor.selection.active.line + 1 };
}

/** Opens the preview on the row under the cursor, or on the nearest row when the cursor is on a blank line. */
async function showPreview(ctx: Ctx, uri: unknown, line: unknown): Promise<RowPreviewPanel> {
  const target = await rowTarget(uri, line);
  const snapshot = ctx.datasets.rows(target.document);
  const row = snapshot.row(target.line);
  const at = row === undefined || row.kind === 'blank' ? (snapshot.nearestObjectRow(target.line)?.line ?? target.line) : target.line;
  return RowPreviewPanel.show(ctx, target.document, at);
}

/** Next/previous: moves the open preview, or opens one on the cursor's row first. */
function navigate(direction: 1 | -1) {
  return (ctx: Ctx) => async () => {
    const preview = RowPreviewPanel.active ?? (await showPreview(ctx, undefined, undefined));
    await preview.navigate(direction);
  };
}

/** Commands of the row preview. */
export const previewCommands: CommandTable = {
  'distillery.showRowPreview': (ctx) => async (uri?: unknown, line?: unknown) => {
    await showPreview(ctx, uri, line);
  },
  'distillery.previewNextRow': navigate(1),
  'distillery.previewPreviousRow': navigate(-1),
};
