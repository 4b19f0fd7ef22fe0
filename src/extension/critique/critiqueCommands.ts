import * as vscode from 'vscode';
import type { CommandFactory, CommandTable } from '../commandTable';
import type { Ctx } from '../ctx';
import { isDataset } from '../datasetModel';
import { offerInterruptedBatches } from '../generate/fileBatch';
import { selectedLines } from '../generate/rowGeneration';
import { CritiqueDocuments } from './critiqueDocuments';
import { CritiqueReviews, type ReviewDecision } from './critiqueReview';
import { pickConstitution } from './constitutionChoice';
import { CRITIQUE_FILE_COMMAND, critiqueBatchKind, critiqueFile, type CritiqueFileRequest } from './critiqueFileBatch';
import { critiqueDocumentRows, type CritiqueOutcome, type CritiqueRunRequest, type CritiqueServices } from './rowCritique';

/** The dataset editor that was active last, and where its cursor was: what "the current row" means from a constitution. */
class LastDataset implements vscode.Disposable {
  private last: { uri: vscode.Uri; line: number } | undefined;
  private readonly listeners: vscode.Disposable[];

  constructor() {
    const note = (editor: vscode.TextEditor | undefined) => {
      if (editor && isDataset(editor.document)) this.last = { uri: editor.document.uri, line: editor.selection.active.line + 1 };
    };
    note(vscode.window.activeTextEditor);
    this.listeners = [vscode.window.onDidChangeActiveTextEditor(note), vscode.window.onDidChangeTextEditorSelection((event) => note(event.textEditor))];
  }

  /** The document and 1-based line of the row under the cursor of the last active dataset. */
  async current(): Promise<{ document: vscode.TextDocument; line: number } | undefined> {
    if (!this.last) return undefined;
    const uri = this.last.uri;
    const editor = vscode.window.visibleTextEditors.find((candidate) => candidate.document.uri.toString() === uri.toString());
    if (editor) return { document: editor.document, line: editor.selection.active.line + 1 };
    return { document: await vscode.workspace.openTextDocument(uri), line: this.last.line };
  }

  dispose(): void {
    this.listeners.forEach((listener) => listener.dispose());
  }
}

interface Services extends CritiqueServices {
  readonly lastDataset: LastDataset;
}

/** One set per activation, made by whichever command factory runs first (all run at activation). */
const servicesOf = new WeakMap<Ctx, Services>();
function services(ctx: Ctx): Services {
  let made = servicesOf.get(ctx);
  if (!made) {
    const documents = ctx.register(new CritiqueDocuments());
    made = { reviews: ctx.register(new CritiqueReviews(documents)), lastDataset: ctx.register(new LastDataset()) };
    servicesOf.set(ctx, made);
  }
  return made;
}

function cancellationOf(value: unknown): vscode.CancellationToken | undefined {
  const token = typeof value === 'object' && value !== null ? (value as { cancellation?: unknown }).cancellation : undefined;
  return typeof token === 'object' && token !== null && typeof (token as vscode.CancellationToken).onCancellationRequested === 'function'
    ? (token as vscode.CancellationToken)
    : undefined;
}

function run(ctx: Ctx, request: CritiqueRunRequest): Promise<CritiqueOutcome> {
  return critiqueDocumentRows(ctx, services(ctx), request);
}

/**
 * `distillery.critiqueRow`: the row's CodeLens passes (uri, 1-based line[, { cancellation }]);
 * without them it is the palette's Critique & Revise on the active editor.
 */
export const critiqueRowCommand: CommandFactory = (ctx) => {
  services(ctx);
  const fromEditor = critiqueEditorCommand(ctx);
  return async (...args: unknown[]) => {
    const [uri, line, options] = args;
    if (uri instanceof vscode.Uri && typeof line === 'number' && Number.isInteger(line) && line >= 1) {
      const document = await vscode.workspace.openTextDocument(uri);
      const cancellation = cancellationOf(options);
      return run(ctx, { document, lines: [line], ...(cancellation ? { cancellation } : {}) });
    }
    return fromEditor(...args);
  };
};

/**
 * `distillery.critiqueRevise` (the palette's "Critique & Revise"): text selected inside one
 * row's answer is critiqued alone; otherwise every row the selections touch, or the row under
 * the cursor.
 */
const critiqueEditorCommand: CommandFactory = (ctx) => {
  services(ctx);
  return async (...args: unknown[]) => {
    const editor = vscode.window.activeTextEditor;
    if (!editor || !isDataset(editor.document)) throw new Error('Critique & Revise acts on rows: open a JSONL dataset and put the cursor on a row with an answer, or select rows or text in an answer.');
    const cancellation = cancellationOf(args[0]);
    const { selection } = editor;
    const oneLineText = editor.selections.length === 1 && !selection.isEmpty && selection.isSingleLine;
    const request: CritiqueRunRequest = oneLineText
      ? { document: editor.document, lines: [selection.start.line + 1], selection: { line: selection.start.line + 1, startColumn: selection.start.character, endColumn: selection.end.character } }
      : { document: editor.document, lines: selectedLines(editor) };
    return run(ctx, { ...request, ...(cancellation ? { cancellation } : {}) });
  };
};

/** `distillery.tryPrinciple uri id`: Critique & Revise with only that principle, on the row under the cursor of the last active dataset. */
export const tryPrincipleCommand: CommandFactory = (ctx) => {
  const { lastDataset } = services(ctx);
  return async (...args: unknown[]) => {
    const [uri, id, options] = args;
    if (!(uri instanceof vscode.Uri) || typeof id !== 'string' || id === '') throw new Error('Try Principle runs from the Try lens above a principle of a constitution.');
    const target = await lastDataset.current();
    if (!target) throw new Error(`Open a dataset and put the cursor on a row with an answer, then try "${id}" again.`);
    const cancellation = cancellationOf(options);
    return run(ctx, { document: target.document, lines: [target.line], constitution: uri, principleIds: [id], ...(cancellation ? { cancellation } : {}) });
  };
};

/**
 * `distillery.critiqueFile` (input uri?, request?): the Explorer's context menu passes the file;
 * tests pass the rest (`{ output, ifExists, pairs, constitution, cancellation }`), a resume `{ output, ifExists, details }`.
 */
const critiqueFileCommand: CommandFactory = (ctx) => {
  // Made once per activation: the moment to offer batches that a window reload cut short.
  setTimeout(() => {
    offerInterruptedBatches(ctx, critiqueBatchKind).catch((error: unknown) => ctx.logger.error(`resume offer failed: ${error instanceof Error ? error.message : String(error)}`));
  }, 0);
  return async (...args: unknown[]) => {
    const [input, request] = args;
    const given = (typeof request === 'object' && request !== null ? request : {}) as Record<string, unknown>;
    const details = given.details;
    const cancellation = cancellationOf(given);
    const asked: CritiqueFileRequest = {
      ...(input instanceof vscode.Uri ? { input } : {}),
      ...(given.output instanceof vscode.Uri ? { output: given.output } : {}),
      ...(given.ifExists === 'resume' || given.ifExists === 'replace' ? { ifExists: given.ifExists } : {}),
      ...(typeof given.pairs === 'boolean' ? { pairs: given.pairs } : {}),
      ...(given.constitution instanceof vscode.Uri ? { constitution: given.constitution } : {}),
      ...(cancellation ? { cancellation } : {}),
      ...(isStringRecord(details) ? { details } : {}),
    };
    return critiqueFile(ctx, asked);
  };
};

function isStringRecord(value: unknown): value is Record<string, string> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'string');
}

function decide(decision: ReviewDecision): CommandFactory {
  return (ctx) => {
    const { reviews } = services(ctx);
    return () => {
      if (!reviews.decide(decision)) void vscode.window.showInformationMessage('Distillery: no critique result is waiting for a decision.');
    };
  };
}

/** The critique commands other than the row lens's and Try Principle (those are in the row and constitution tables). */
export const critiqueCommands: CommandTable = {
  'distillery.critiqueRevise': critiqueEditorCommand,
  [CRITIQUE_FILE_COMMAND]: critiqueFileCommand,
  'distillery.critiqueAccept': decide('accept'),
  'distillery.critiqueAcceptAsPair': decide('pair'),
  'distillery.critiqueReject': decide('reject'),
  'distillery.critiqueChooseConstitution': (ctx) => async () => {
    const chosen = await pickConstitution(ctx, { always: true });
    if (chosen) void vscode.window.showInformationMessage(`Distillery: Critique & Revise will use ${vscode.workspace.asRelativePath(chosen, true)}.`);
    return chosen;
  },
};
