/**
 * The verdict panel: a webview view in Distillery's side bar that shows the row under the cursor
 * in a dataset (or the row last judged or scored): its answers A and B, its verdict and every
 * sample of it, its human label, its rubric scores, with buttons to judge, to score, to cancel
 * either while it runs, to override, and to step to the next or previous row with a pair.
 */
import * as vscode from 'vscode';
import type { Verdict } from '../../core/tasks/judgeTypes';
import type { HostMessage, RowActivity, RowVerdictView, WebviewMessage } from '../../webview/verdict/protocol';
import type { Ctx } from '../ctx';
import { isDataset } from '../datasetModel';
import { Disposable } from '../lifecycle';
import { webviewHtml, webviewOptions } from '../webviewHtml';
import { scoreDocumentRow, type ScoreRowOutcome } from '../scoring/rowScoring';
import { fileNameOf, judgeDocumentRow, labelDocumentRow, type JudgeRowOutcome, type LabelOutcome } from './rowJudging';
import { rowVerdictView } from './verdictViewModel';

// Not "distillery.…": VS Code derives commands from a view's id (…focus, …open), and every
// "distillery." command must be one of ours that package.json declares.
export const verdictViewType = 'distilleryVerdict';
/** The <title> of the view's page (the e2e tests find its frame by it). */
export const verdictDocumentTitle = 'Verdict';
/** Context key: true while the view's page has the keyboard focus (its keybindings' `when`). */
export const verdictFocusedContextKey = 'distillery.verdictFocused';

interface RowAt {
  readonly uri: vscode.Uri;
  /** 1-based. */
  readonly line: number;
}

function rowKey(row: RowAt): string {
  return `${row.uri.toString()}#${row.line}`;
}

/** Shown on the current row until the cursor leaves it. */
interface RowNote {
  readonly status?: RowActivity;
  readonly message?: RowVerdictView['message'];
}

export class VerdictView extends Disposable implements vscode.WebviewViewProvider {
  private view: vscode.WebviewView | undefined;
  private ready = false;
  private row: RowAt | undefined;
  private note: RowNote = {};
  private shownView: RowVerdictView | undefined;
  /** Judging and scoring in progress, by row (rowKey), which Cancel stops. */
  private readonly running = new Map<string, vscode.CancellationTokenSource>();
  /** Where the cursor was last seen (rowKey), so that a repeated report of the same place is not a move. */
  private cursorRow: string | undefined;

  constructor(private readonly ctx: Ctx) {
    super();
    // Model calls still running when the extension stops are abandoned, not left to write.
    this._register({ dispose: () => this.running.forEach((source) => source.cancel()) });
    this._register(vscode.window.registerWebviewViewProvider(verdictViewType, this));
    this._register(
      vscode.window.onDidChangeTextEditorSelection((event) => {
        if (!isDataset(event.textEditor.document)) return;
        this.followCursor({ uri: event.textEditor.document.uri, line: event.selections[0] ? event.selections[0].active.line + 1 : 1 });
      }),
    );
    this._register(
      vscode.window.onDidChangeActiveTextEditor((editor) => {
        if (editor && isDataset(editor.document)) this.followCursor({ uri: editor.document.uri, line: editor.selection.active.line + 1 });
      }),
    );
    this._register(
      vscode.workspace.onDidChangeTextDocument((event) => {
        if (this.row && event.document.uri.toString() === this.row.uri.toString()) this.refresh();
      }),
    );
    const editor = vscode.window.activeTextEditor;
    if (editor && isDataset(editor.document)) this.row = { uri: editor.document.uri, line: editor.selection.active.line + 1 };
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    this.ready = false;
    view.webview.options = webviewOptions(this.ctx.extensionUri);
    view.webview.html = webviewHtml(view.webview, this.ctx.extensionUri, verdictDocumentTitle, 'webview-verdict', ['verdict.css']);
    view.webview.onDidReceiveMessage((message: WebviewMessage) => void this.onMessage(message));
    view.onDidDispose(() => {
      if (this.view === view) this.view = undefined;
      void vscode.commands.executeCommand('setContext', verdictFocusedContextKey, false);
    });
  }

  /** What the view shows now (the Show Verdict Panel command returns it). */
  get shown(): RowVerdictView | undefined {
    return this.shownView;
  }

  /** Reveals the view (opening the side bar when it is closed), keeping the editor's focus where it can. */
  async reveal(): Promise<void> {
    if (this.view) this.view.show(true);
    else await vscode.commands.executeCommand(`${verdictViewType}.focus`);
  }

  /** Shows the row on `line` of `uri`. */
  /**
   * The cursor's row, when the cursor really moved: an editor that only regains the focus (after a
   * CodeLens click, say) reports the same place again, and must not pull the view away from the
   * row a command just showed (and is judging or scoring).
   */
  private followCursor(row: RowAt): void {
    const key = rowKey(row);
    if (key === this.cursorRow) return;
    this.cursorRow = key;
    this.follow(row);
  }

  follow(row: RowAt): void {
    if (this.row && this.row.uri.toString() === row.uri.toString() && this.row.line === row.line) return;
    this.row = row;
    this.note = {};
    this.refresh();
  }

  /** Judges the row on `line` of `uri`, showing it here while the judges work. */
  async judge(row: RowAt): Promise<JudgeRowOutcome> {
    const document = await vscode.workspace.openTextDocument(row.uri);
    this.follow(row);
    void this.reveal();
    const outcome = await this.whileRunning(row, (cancellation) =>
      judgeDocumentRow(this.ctx, document, row.line, { onStart: () => this.annotate(row, { status: 'judging' }), cancellation }),
    );
    const landed = { uri: row.uri, line: outcome.line };
    if (this.isCurrent(row)) this.row = landed;
    this.annotate(landed, { message: { kind: outcome.applied ? 'info' : 'error', text: outcome.applied ? `Judged: ${outcome.message}` : outcome.message } });
    if (outcome.applied) void vscode.window.showInformationMessage(`Distillery: ${outcome.message}.`);
    else if (outcome.cancelled) void vscode.window.showInformationMessage(`Distillery: ${outcome.message}.`);
    else void this.showError(outcome.message);
    return outcome;
  }

  /** Scores the row on `line` of `uri` on the constitution's rubrics, showing it here while the judge works. */
  async score(row: RowAt): Promise<ScoreRowOutcome> {
    const document = await vscode.workspace.openTextDocument(row.uri);
    this.follow(row);
    void this.reveal();
    const outcome = await this.whileRunning(row, (cancellation) =>
      scoreDocumentRow(this.ctx, document, row.line, { onStart: () => this.annotate(row, { status: 'scoring' }), cancellation }),
    );
    const landed = { uri: row.uri, line: outcome.line };
    if (this.isCurrent(row)) this.row = landed;
    this.annotate(landed, { message: { kind: outcome.applied ? 'info' : 'error', text: outcome.applied ? `Scored: ${outcome.message}` : outcome.message } });
    if (outcome.applied || outcome.cancelled) void vscode.window.showInformationMessage(`Distillery: ${outcome.message}.`);
    else void this.showError(outcome.message);
    return outcome;
  }

  /**
   * Stops judging or scoring (nothing is written): the run on the row shown, else every run in
   * progress. False when none runs.
   */
  cancel(): boolean {
    const shown = this.row ? this.running.get(rowKey(this.row)) : undefined;
    const cancelled = shown ? [shown] : [...this.running.values()];
    for (const source of cancelled) source.cancel();
    return cancelled.length > 0;
  }

  /** Runs a judging or scoring of `row` with the token Cancel fires; several rows may run at once. */
  private async whileRunning<T>(row: RowAt, run: (cancellation: vscode.CancellationToken) => Promise<T>): Promise<T> {
    const key = rowKey(row);
    if (this.running.has(key)) throw new Error(`line ${row.line} is already being judged or scored: wait for it, or cancel it`);
    const source = new vscode.CancellationTokenSource();
    this.running.set(key, source);
    try {
      return await run(source.token);
    } finally {
      this.running.delete(key);
      source.dispose();
    }
  }

  /** Writes a person's label on the row shown (or `row`). */
  async override(winner: Verdict, row: RowAt | undefined = this.row): Promise<LabelOutcome> {
    if (!row) throw new Error('Put the cursor on a preference row of a dataset first.');
    const document = await vscode.workspace.openTextDocument(row.uri);
    const outcome = await labelDocumentRow(document, row.line, winner);
    if (outcome.applied) {
      if (this.isCurrent(row)) this.row = { uri: row.uri, line: outcome.line };
      this.annotate({ uri: row.uri, line: outcome.line }, {});
    } else {
      this.annotate(row, { message: { kind: 'error', text: outcome.error ?? 'the label was not written' } });
      void this.showError(outcome.error ?? 'the label was not written');
    }
    return outcome;
  }

  /** Moves the cursor to the next (`step` 1) or previous (−1) row that has a pair to judge. */
  async step(step: 1 | -1): Promise<RowAt | undefined> {
    // From the row shown (a lens may have judged a row away from the cursor), else the cursor's.
    const editor = vscode.window.activeTextEditor;
    const at = this.row ?? (editor && isDataset(editor.document) ? { uri: editor.document.uri, line: editor.selection.active.line + 1 } : undefined);
    if (!at) throw new Error('Open a dataset first.');
    const document = await vscode.workspace.openTextDocument(at.uri);
    for (let line = at.line + step; line >= 1 && line <= document.lineCount; line += step) {
      const text = document.lineAt(line - 1).text;
      if (text.trim() === '' || rowVerdictView('', line, text).problem !== undefined) continue;
      const shown = await vscode.window.showTextDocument(document, { preserveFocus: false, preview: false });
      const position = new vscode.Position(line - 1, 0);
      shown.selection = new vscode.Selection(position, position);
      shown.revealRange(new vscode.Range(position, position), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
      this.follow({ uri: document.uri, line });
      return { uri: document.uri, line };
    }
    void vscode.window.showInformationMessage(`Distillery: no ${step === 1 ? 'later' : 'earlier'} row with a pair to judge.`);
    return undefined;
  }

  private isCurrent(row: RowAt): boolean {
    return this.row !== undefined && this.row.uri.toString() === row.uri.toString() && this.row.line === row.line;
  }

  private annotate(row: RowAt, note: RowNote): void {
    if (!this.isCurrent(row)) return;
    this.note = note;
    this.refresh();
  }

  private async showError(message: string): Promise<void> {
    if ((await vscode.window.showErrorMessage(`Distillery: ${message}.`, 'Show Log')) === 'Show Log') this.ctx.logger.show(false);
  }

  private async onMessage(message: WebviewMessage): Promise<void> {
    try {
      switch (message.type) {
        case 'ready':
          this.ready = true;
          this.post();
          break;
        case 'judge':
          if (this.row) await this.judge(this.row);
          break;
        case 'score':
          if (this.row) await this.score(this.row);
          break;
        case 'cancel':
          this.cancel();
          break;
        case 'focus':
          await vscode.commands.executeCommand('setContext', verdictFocusedContextKey, message.focused);
          break;
        case 'override':
          await this.override(message.winner);
          break;
        case 'next':
          await this.step(1);
          break;
        case 'previous':
          await this.step(-1);
          break;
      }
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      this.ctx.logger.error(`verdict panel: ${text}`);
      void this.showError(text);
    }
  }

  private refresh(): void {
    const row = this.row;
    const document = row ? vscode.workspace.textDocuments.find((d) => d.uri.toString() === row.uri.toString()) : undefined;
    if (!row || !document || document.isClosed || row.line > document.lineCount) {
      this.shownView = undefined;
    } else {
      const view = rowVerdictView(fileNameOf(document), row.line, document.lineAt(row.line - 1).text);
      this.shownView = { ...view, ...(this.note.status ? { status: this.note.status } : {}), ...(this.note.message ? { message: this.note.message } : {}) };
    }
    this.post();
  }

  private post(): void {
    if (!this.view || !this.ready) return;
    const message: HostMessage = { type: 'show', ...(this.shownView ? { row: this.shownView } : {}) };
    void this.view.webview.postMessage(message);
  }
}
