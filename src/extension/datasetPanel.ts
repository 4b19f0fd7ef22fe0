/**
 * What the report panels beside a dataset share (statistics, judge report, mix report): the
 * webview's page, the `ready` handshake, the last message kept until the page can take it, a
 * refresh shortly after the dataset is edited, revealing a line in the editor, and disposal.
 * Each panel adds how it computes its report and the messages only it understands.
 */
import * as vscode from 'vscode';
import type { Ctx } from './ctx';
import { Disposable } from './lifecycle';
import { webviewHtml } from './webviewHtml';

const REFRESH_DELAY_MS = 300;

/** Messages every panel's page may send; a panel's own protocol adds more. */
export type DatasetPanelMessage = { readonly type: 'ready' } | { readonly type: 'refresh' } | { readonly type: 'revealLine'; readonly line: number; readonly column: number };

export interface DatasetPanelPage {
  /** The page's title (for screen readers). */
  readonly title: string;
  /** The webview bundle, e.g. `webview-statistics`. */
  readonly script: string;
  readonly styles: readonly string[];
}

export abstract class DatasetPanel<HostMessage, WebviewMessage extends { readonly type: string }> extends Disposable {
  private ready = false;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  /** What the webview shows (or will, once it is ready). */
  private message: HostMessage | undefined;

  protected constructor(
    protected readonly ctx: Ctx,
    protected readonly panel: vscode.WebviewPanel,
    protected document: vscode.TextDocument,
    page: DatasetPanelPage,
  ) {
    super();
    this._register(panel);
    panel.webview.html = webviewHtml(panel.webview, ctx.extensionUri, page.title, page.script, [...page.styles]);
    this._register(panel.onDidDispose(() => this.dispose()));
    this._register(panel.webview.onDidReceiveMessage((message: WebviewMessage) => this.receive(message)));
    this._register(
      vscode.workspace.onDidChangeTextDocument((event) => {
        if (event.contentChanges.length > 0 && this.follows(event.document)) this.scheduleRefresh();
      }),
    );
  }

  /** Computes the report of the current document and shows it. `rethrow`: the command reports its own failures. */
  protected abstract refresh(rethrow: boolean): unknown;

  /** The panel's title for a dataset. */
  protected abstract titleOf(document: vscode.TextDocument): string;

  /** Messages beyond ready, refresh and revealLine. */
  protected onMessage(_message: WebviewMessage): void {}

  /** Documents whose edits refresh the panel: its dataset by default. */
  protected follows(document: vscode.TextDocument): boolean {
    return document === this.document;
  }

  /** Points the panel at another dataset and brings it forward without taking the focus. */
  protected retarget(document: vscode.TextDocument): void {
    this.document = document;
    this.panel.title = this.titleOf(document);
    this.panel.reveal(undefined, true);
  }

  protected scheduleRefresh(): void {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => void this.refresh(false), REFRESH_DELAY_MS);
  }

  protected cancelScheduledRefresh(): void {
    clearTimeout(this.refreshTimer);
  }

  protected setMessage(message: HostMessage): void {
    this.message = message;
    this.post();
  }

  private post(): void {
    if (!this.ready || this.message === undefined || this.isDisposed) return;
    void this.panel.webview.postMessage(this.message);
  }

  private receive(message: WebviewMessage): void {
    const common = message as unknown as DatasetPanelMessage;
    switch (common.type) {
      case 'ready':
        this.ready = true;
        this.post();
        return;
      case 'refresh':
        void this.refresh(false);
        return;
      case 'revealLine':
        void this.revealLine(common.line, common.column);
        return;
      default:
        this.onMessage(message);
    }
  }

  private async revealLine(line: number, column: number): Promise<void> {
    const position = new vscode.Position(Math.max(line - 1, 0), Math.max(column - 1, 0));
    await vscode.window.showTextDocument(this.document, { viewColumn: vscode.ViewColumn.One, selection: new vscode.Range(position, position) });
  }

  override dispose(): void {
    clearTimeout(this.refreshTimer);
    super.dispose();
  }
}
