/**
 * The judging commands: Judge Row and Score Row (the row's lenses and the palette), the verdict
 * panel's cancel, override, next and previous, and Show Verdict Panel. The panel is made with the
 * first of them.
 */
import * as vscode from 'vscode';
import type { Verdict } from '../../core/tasks/judgeTypes';
import type { CommandFactory, CommandTable } from '../commandTable';
import type { Ctx } from '../ctx';
import { VerdictView } from './verdictView';

const views = new WeakMap<Ctx, VerdictView>();

/** The verdict view of this activation (registered with the first command that needs it). */
export function verdictViewOf(ctx: Ctx): VerdictView {
  let view = views.get(ctx);
  if (!view) {
    view = ctx.register(new VerdictView(ctx));
    views.set(ctx, view);
  }
  return view;
}

/** The (uri, 1-based line) a lens passes, else the active editor's cursor. */
function rowAt(args: readonly unknown[], command = 'Judge Row'): { uri: vscode.Uri; line: number } {
  const [uri, line] = args;
  if (uri instanceof vscode.Uri && typeof line === 'number' && Number.isInteger(line) && line >= 1) return { uri, line };
  const editor = vscode.window.activeTextEditor;
  if (editor) return { uri: editor.document.uri, line: editor.selection.active.line + 1 };
  throw new Error(`${command} acts on a row: use it from the row's CodeLens, or with the cursor on the row.`);
}

/**
 * `distillery.scoreRow`: (uri, line) from the lens, else the cursor's row. Returns the
 * ScoreRowOutcome. Registered here, after the row actions' table, so it replaces their stand-in.
 */
export const scoreRowCommand: CommandFactory = (ctx) => {
  const view = verdictViewOf(ctx);
  return (...args: unknown[]) => view.score(rowAt(args, 'Score Row'));
};

/** `distillery.judgeRow`: (uri, line) from the lens, else the cursor's row. Returns the JudgeRowOutcome. */
export const judgeRowCommand: CommandFactory = (ctx) => {
  const view = verdictViewOf(ctx);
  return (...args: unknown[]) => view.judge(rowAt(args));
};

const VERDICTS: readonly Verdict[] = ['A', 'B', 'tie'];

/** `distillery.verdictOverride`: (winner) or (uri, line, winner); asks for the winner when none is given. */
const overrideCommand: CommandFactory = (ctx) => {
  const view = verdictViewOf(ctx);
  return async (...args: unknown[]) => {
    const [first, line, third] = args;
    const given = [first, third].find((value): value is Verdict => typeof value === 'string' && (VERDICTS as readonly string[]).includes(value));
    const row = first instanceof vscode.Uri && typeof line === 'number' ? { uri: first, line } : undefined;
    const winner =
      given ??
      (
        await vscode.window.showQuickPick(
          [
            { label: 'A is better', winner: 'A' as const },
            { label: 'B is better', winner: 'B' as const },
            { label: 'Tie', winner: 'tie' as const },
          ],
          { title: 'Your label for this pair' },
        )
      )?.winner;
    if (!winner) return undefined;
    return view.override(winner, row);
  };
};

export const judgeCommands: CommandTable = {
  'distillery.showVerdictPanel': (ctx) => {
    const view = verdictViewOf(ctx);
    return async () => {
      await view.reveal();
      return view.shown;
    };
  },
  /** Stops the judging or scoring in progress (the view's Cancel button); resolves with whether one ran. */
  'distillery.verdictCancel': (ctx) => {
    const view = verdictViewOf(ctx);
    return () => view.cancel();
  },
  'distillery.verdictOverride': overrideCommand,
  'distillery.verdictNextRow': (ctx) => {
    const view = verdictViewOf(ctx);
    return () => view.step(1);
  },
  'distillery.verdictPreviousRow': (ctx) => {
    const view = verdictViewOf(ctx);
    return () => view.step(-1);
  },
};
