import * as vscode from 'vscode';

/** Pipeline files are JSONC (VS Code's own language for `.jsonc`) named `*.distillery.jsonc`. */
export const PIPELINE_FILE_SUFFIX = '.distillery.jsonc';
export const pipelineSelector: vscode.DocumentSelector = { pattern: `**/*${PIPELINE_FILE_SUFFIX}` };

export function isPipelineDocument(document: vscode.TextDocument): boolean {
  return document.uri.scheme === 'file' && document.uri.path.endsWith(PIPELINE_FILE_SUFFIX);
}

/** The pipeline file a command acts on: the one passed (CodeLens, editor title), else the active editor's. */
export async function pipelineDocumentFor(uri: unknown): Promise<vscode.TextDocument> {
  const document = uri instanceof vscode.Uri ? await vscode.workspace.openTextDocument(uri) : vscode.window.activeTextEditor?.document;
  if (!document || !isPipelineDocument(document)) throw new Error(`Open a pipeline file (*${PIPELINE_FILE_SUFFIX}) first.`);
  return document;
}
