import * as vscode from 'vscode';
import type { CommandTable, CommandFactory } from '../commandTable';
import type { Ctx } from '../ctx';
import { critiqueRowCommand } from '../critique/critiqueCommands';
import { generateRowCommand } from '../generate/generateCommands';
import { judgeRowCommand, scoreRowCommand } from '../judging/judgeCommands';
import { ROW_ACTION_COMMANDS } from './rowActions';

/** The row preview's command (registered by the preview feature): it takes (uri, 1-based line). */
export const SHOW_ROW_PREVIEW_COMMAND = 'distillery.showRowPreview';

/** The (uri, line) a row lens passes; `line` is 1-based. */
function rowArguments(args: readonly unknown[]): { uri: vscode.Uri; line: number } {
  const [uri, line] = args;
  if (uri instanceof vscode.Uri && typeof line === 'number' && Number.isInteger(line) && line >= 1) return { uri, line };
  const editor = vscode.window.activeTextEditor;
  if (editor) return { uri: editor.document.uri, line: editor.selection.active.line + 1 };
  throw new Error('This command acts on a row: use it from the row\'s CodeLens.');
}

/** Opens the row preview; says so once, instead of failing, when the preview is not available. */
async function showPreview(ctx: Ctx, uri: vscode.Uri, line: number, state: { warned: boolean }): Promise<void> {
  try {
    await vscode.commands.executeCommand(SHOW_ROW_PREVIEW_COMMAND, uri, line);
  } catch (error) {
    ctx.logger.warn(`${SHOW_ROW_PREVIEW_COMMAND} failed: ${error instanceof Error ? error.message : String(error)}`);
    if (!state.warned) {
      state.warned = true;
      void vscode.window.showWarningMessage('Distillery: the row preview is not available in this version.');
    }
  }
}

/** Preview opens the row preview; the other row actions live with their features (generate/, critique/, judging/). */
const previewRowCommand: CommandFactory = (ctx) => {
  const previewState = sharedPreviewState(ctx);
  return async (...args: unknown[]) => {
    const { uri, line } = rowArguments(args);
    ctx.logger.debug(`${ROW_ACTION_COMMANDS.preview} ${uri.toString()}:${line}`);
    await showPreview(ctx, uri, line, previewState);
  };
};

/** One "preview not available" warning per activation, whichever action ran into it. */
const previewStates = new WeakMap<Ctx, { warned: boolean }>();
function sharedPreviewState(ctx: Ctx): { warned: boolean } {
  let state = previewStates.get(ctx);
  if (!state) {
    state = { warned: false };
    previewStates.set(ctx, state);
  }
  return state;
}

/** Commands that act on one row (the CodeLens actions). Each takes (uri, 1-based line). */
export const rowCommands: CommandTable = {
  [ROW_ACTION_COMMANDS.preview]: previewRowCommand,
  [ROW_ACTION_COMMANDS.generate]: generateRowCommand,
  [ROW_ACTION_COMMANDS.critique]: critiqueRowCommand,
  [ROW_ACTION_COMMANDS.judge]: judgeRowCommand,
  [ROW_ACTION_COMMANDS.score]: scoreRowCommand,
};
