import * as path from 'node:path';
import * as vscode from 'vscode';
import type { HostMessage, NavigationView, PreviewContent, WebviewMessage } from '../../webview/preview/protocol';
import type { Ctx } from '../ctx';
import { isDataset, type DatasetRows } from '../datasetModel';
import { Disposable } from '../lifecycle';
import { webviewHtml, webviewOptions } from '../webviewHtml';
import { previewContent } from './rowView';

export const rowPreviewViewType = 'distillery.rowPreview';
/** The <title> of the preview's page (the e2e tests find its frame by it). */
export const rowPreviewDocumentTitle = 'Row preview';

const followDelayMs = 60;
const refreshDelayMs = 150;

/** The panel's tab title: "Row 12 · data.jsonl", where 12 is the row's 1-based line in the file. */
export function rowPreviewTitle(document: vscode.TextDocument, line: number): string {
  return `Row ${line} · ${path.basename(document.fileName)}`;
}

/** The line of the next object row after (direction 1) or before (-1) `line`; blank and malformed lines are skipped. */
export function adjacentObjectRow(snapshot: DatasetRows, line: number, direction: 1 | -1): number | undefined {
  for (let at = line + direction; at >= 1 && at <= snapshot.lineCount; at += direction) {
    if (snapshot.row(at)?.kind === 'object') return at;
  }
  return undefined;
}

/**
 * The row preview: one webview beside the editor showing one row of one dataset, re-pointed as the
 * cursor moves (when `distillery.preview.followCursor` is on), as the user navigates, or when
 * the command runs on another row.
 */
export class RowPreviewPanel extends Disposable {
  private static current: RowPreviewPanel | undefined;
  private ready = false;
  private followTimer: ReturnType<typeof setTimeout> | undefined;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  /** What was last posted, so that repeated cursor events do not re-render the same row. */
  private lastPosted: string | undefined;

  /** Opens the preview, or re-points the open one, on `line` (1-based) of `document`. */
  static show(ctx: Ctx, document: vscode.TextDocument, line: number): RowPreviewPanel {
    const current = RowPreviewPanel.current;
    if (current) {
      current.retarget(document, line);
      current.panel.reveal(undefined, true);
      return current;
    }
    const panel = vscode.window.createWebviewPanel(
      rowPreviewViewType,
      rowPreviewTitle(document, line),
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      webviewOptions(ctx.extensionUri),
    );
    const preview = ctx.register(new RowPreviewPanel(ctx, panel, document, line));
    RowPreviewPanel.current = preview;
    return preview;
  }

  /** Brings back a preview that VS Code restored after a window reload, on the row it showed. */
  static restore(ctx: Ctx, panel: vscode.WebviewPanel, document: vscode.TextDocument, line: number): RowPreviewPanel {
    RowPreviewPanel.current?.panel.dispose();
    panel.webview.options = webviewOptions(ctx.extensionUri);
    const preview = ctx.register(new RowPreviewPanel(ctx, panel, document, line));
    RowPreviewPanel.current = preview;
    preview.update();
    return preview;
  }

  static get active(): RowPreviewPanel | undefined {
    return RowPreviewPanel.current;
  }

  private constructor(
    private readonly ctx: Ctx,
    private readonly panel: vscode.WebviewPanel,
    private document: vscode.TextDocument,
    private line: number,
  ) {
    super();
    this._register(panel);
    panel.webview.html = webviewHtml(panel.webview, ctx.extensionUri, rowPreviewDocumentTitle, 'webview-preview', ['preview.css']);
    this._register(panel.onDidDispose(() => this.dispose()));
    this._register(panel.webview.onDidReceiveMessage((message: WebviewMessage) => this.onMessage(message)));
    this._register(
      vscode.window.onDidChangeTextEditorSelection((event) => {
        if (this.ctx.config.settings.previewFollowCursor && isDataset(event.textEditor.document)) this.scheduleFollow(event.textEditor);
      }),
    );
    this._register(
      vscode.window.onDidChangeActiveTextEditor((editor) => {
        if (editor && editor.document !== this.document && this.ctx.config.settings.previewFollowCursor && isDataset(editor.document)) this.scheduleFollow(editor);
      }),
    );
    this._register(vscode.workspace.onDidChangeTextDocument((event) => this.onDocumentChange(event)));
    this._register(
      vscode.workspace.onDidCloseTextDocument((document) => {
        if (document === this.document) this.post({ kind: 'empty', message: `${path.basename(document.fileName)} was closed.` });
      }),
    );
  }

  /** The shown document and row line (1-based). */
  get target(): { readonly document: vscode.TextDocument; readonly line: number } {
    return { document: this.document, line: this.line };
  }

  /** Moves to the next (1) or previous (-1) row and puts the editor's cursor on it. */
  async navigate(direction: 1 | -1): Promise<boolean> {
    const snapshot = this.snapshot();
    const line = adjacentObjectRow(snapshot, this.line, direction);
    if (line === undefined) {
      vscode.window.setStatusBarMessage(`Distillery: no ${direction === 1 ? 'next' : 'previous'} row`, 3_000);
      return false;
    }
    this.retarget(this.document, line);
    await this.revealInEditor(false);
    return true;
  }

  private snapshot(): DatasetRows {
    return this.ctx.datasets.rows(this.document);
  }

  private retarget(document: vscode.TextDocument, line: number): void {
    this.document = document;
    this.line = Math.min(Math.max(line, 1), Math.max(this.snapshot().lineCount, 1));
    this.update();
  }

  private onMessage(message: WebviewMessage): void {
    switch (message.type) {
      case 'ready':
        this.ready = true;
        this.lastPosted = undefined;
        this.update();
        break;
      case 'navigate':
        void this.navigate(message.direction).catch((error: unknown) => this.ctx.logger.error(error instanceof Error ? error : String(error)));
        break;
      case 'revealRow':
        void this.revealInEditor(true).catch((error: unknown) => this.ctx.logger.error(error instanceof Error ? error : String(error)));
        break;
    }
  }

  private scheduleFollow(editor: vscode.TextEditor): void {
    clearTimeout(this.followTimer);
    this.followTimer = setTimeout(() => {
      if (this.isDisposed || editor.document.isClosed) return;
      const line = editor.selection.active.line + 1;
      const snapshot = this.ctx.datasets.rows(editor.document);
      const row = snapshot.row(line);
      if (editor.document === this.document && (row === undefined || row.kind === 'blank')) return;
      // A blank line in another document: show its nearest row rather than nothing.
      const target = row?.kind === 'blank' ? (snapshot.nearestObjectRow(line)?.line ?? line) : line;
      this.retarget(editor.document, target);
    }, followDelayMs);
  }

  private onDocumentChange(event: vscode.TextDocumentChangeEvent): void {
    if (event.document !== this.document || event.contentChanges.length === 0) return;
    // Keep showing the same row when lines are added or removed above it.
    let shift = 0;
    for (const change of event.contentChanges) {
      if (change.range.end.line + 1 < this.line) {
        shift += (change.text.match(/\n/g)?.length ?? 0) - (change.range.end.line - change.range.start.line);
      }
    }
    this.line = Math.max(1, this.line + shift);
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => {
      if (!this.isDisposed) this.retarget(this.document, this.line);
    }, refreshDelayMs);
  }

  private update(): void {
    this.panel.title = rowPreviewTitle(this.document, this.line);
    if (!this.ready) return;
    const snapshot = this.snapshot();
    const key = `${this.document.uri.toString()}@${snapshot.version}:${this.line}`;
    if (key === this.lastPosted) return;
    let content: PreviewContent;
    try {
      content = this.contentOf(snapshot);
    } catch (error) {
      this.ctx.logger.error(error instanceof Error ? error : String(error));
      content = { kind: 'empty', message: `Could not read line ${this.line} of ${path.basename(this.document.fileName)}: ${String(error)}` };
    }
    this.lastPosted = key;
    this.post(content);
  }

  private contentOf(snapshot: DatasetRows): PreviewContent {
    const fileName = path.basename(this.document.fileName);
    const row = snapshot.row(this.line);
    if (row === undefined) return { kind: 'empty', message: `${fileName} has no rows.` };
    const navigation: NavigationView = {
      hasPrevious: adjacentObjectRow(snapshot, this.line, -1) !== undefined,
      hasNext: adjacentObjectRow(snapshot, this.line, 1) !== undefined,
    };
    return previewContent(row, snapshot.rowText(row), fileName, navigation);
  }

  private post(content: PreviewContent): void {
    if (!this.ready) return;
    const message: HostMessage = { type: 'show', content, uri: this.document.uri.toString() };
    void this.panel.webview.postMessage(message);
  }

  /** Puts the cursor on the shown row; `focus` moves the keyboard focus to the editor too. */
  private async revealInEditor(focus: boolean): Promise<void> {
    const position = new vscode.Position(this.line - 1, 0);
    const selection = new vscode.Selection(position, position);
    const editor = vscode.window.visibleTextEditors.find((candidate) => candidate.document === this.document);
    if (editor && !focus) {
      editor.selection = selection;
      editor.revealRange(selection, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
      return;
    }
    const shown = await vscode.window.showTextDocument(this.document, {
      viewColumn: editor?.viewColumn ?? vscode.ViewColumn.One,
      preserveFocus: !focus,
      selection,
    });
    shown.revealRange(selection, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }

  override dispose(): void {
    clearTimeout(this.followTimer);
    clearTimeout(this.refreshTimer);
    if (RowPreviewPanel.current === this) RowPreviewPanel.current = undefined;
    super.dispose();
  }
}

