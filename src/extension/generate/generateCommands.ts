import * as vscode from 'vscode';
import type { CommandFactory, CommandTable } from '../commandTable';
import type { Ctx } from '../ctx';
import { isDataset } from '../datasetModel';
import { GENERATE_FILE_COMMAND, generateFile, offerInterruptedBatches, type FileBatchRequest } from './fileBatch';
import { generateForDocumentRows, selectedLines, type RowGenerationOptions } from './rowGeneration';

function isCancellationToken(value: unknown): value is vscode.CancellationToken {
  return typeof value === 'object' && value !== null && typeof (value as vscode.CancellationToken).onCancellationRequested === 'function';
}

/** Options passed by a caller that owns a cancellation token: `{ cancellation }`. */
function rowOptions(value: unknown): RowGenerationOptions {
  const cancellation = typeof value === 'object' && value !== null ? (value as { cancellation?: unknown }).cancellation : undefined;
  return isCancellationToken(cancellation) ? { cancellation } : {};
}

/**
 * `distillery.generateRow`: the row's CodeLens passes (uri, 1-based line); from the palette it is
 * the row under the cursor. Its generated rows go right after it.
 */
export const generateRowCommand: CommandFactory = (ctx) => async (...args: unknown[]) => {
  const [uri, line, options] = args;
  if (uri instanceof vscode.Uri && typeof line === 'number' && Number.isInteger(line) && line >= 1) {
    const document = await vscode.workspace.openTextDocument(uri);
    return generateForDocumentRows(ctx, document, [line], rowOptions(options));
  }
  const editor = vscode.window.activeTextEditor;
  if (!editor || !isDataset(editor.document)) throw new Error('Generate for Row acts on a row: open a JSONL dataset and put the cursor on a prompt row.');
  return generateForDocumentRows(ctx, editor.document, [editor.selection.active.line + 1], rowOptions(args[0]));
};

/** Every row touched by the selections, in one edit (one undo step). */
const generateSelectedRowsCommand: CommandFactory = (ctx) => async (...args: unknown[]) => {
  const editor = vscode.window.activeTextEditor;
  if (!editor || !isDataset(editor.document)) throw new Error('Generate for Selected Rows acts on a JSONL dataset: open one and select some prompt rows.');
  return generateForDocumentRows(ctx, editor.document, selectedLines(editor), rowOptions(args[0]));
};

/** (input uri?, request?) — the explorer's context menu passes the file; a resume offer passes the rest. */
const generateFileCommand: CommandFactory = (ctx: Ctx) => {
  // Made once per activation: the moment to offer batches that a window reload cut short.
  setTimeout(() => {
    offerInterruptedBatches(ctx).catch((error: unknown) => ctx.logger.error(`resume offer failed: ${error instanceof Error ? error.message : String(error)}`));
  }, 0);
  return async (...args: unknown[]) => {
    const [input, request] = args;
    const given = (typeof request === 'object' && request !== null ? request : {}) as Record<string, unknown>;
    const asked: FileBatchRequest = {
      ...(input instanceof vscode.Uri ? { input } : {}),
      ...(given.output instanceof vscode.Uri ? { output: given.output } : {}),
      ...(given.ifExists === 'resume' || given.ifExists === 'replace' ? { ifExists: given.ifExists } : {}),
      ...(isCancellationToken(given.cancellation) ? { cancellation: given.cancellation } : {}),
    };
    return generateFile(ctx, asked);
  };
};

/** The Generate commands other than the row lens's (that one is in the row commands' table). */
export const generateCommands: CommandTable = {
  'distillery.generateSelectedRows': generateSelectedRowsCommand,
  [GENERATE_FILE_COMMAND]: generateFileCommand,
};
