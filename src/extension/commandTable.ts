import * as vscode from 'vscode';
import type { Ctx } from './ctx';
import { isDataset } from './datasetModel';

/** A command's implementation, made once per activation with the shared context. */
export type CommandFactory = (ctx: Ctx) => (...args: unknown[]) => unknown;

/** Command id → implementation; commands.ts merges the tables of all features. */
export type CommandTable = Readonly<Record<string, CommandFactory>>;

/** The dataset a command acts on: the one passed (from a CodeLens), else the active editor's. */
export async function datasetFor(uri: unknown): Promise<vscode.TextDocument> {
  if (uri instanceof vscode.Uri) return vscode.workspace.openTextDocument(uri);
  const document = vscode.window.activeTextEditor?.document;
  if (!document || !isDataset(document)) throw new Error('Open a JSONL dataset first.');
  return document;
}
