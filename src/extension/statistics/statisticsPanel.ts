import * as path from 'node:path';
import * as vscode from 'vscode';
import type { DatasetStatisticsView, HostMessage, WebviewMessage } from '../../webview/statistics/protocol';
import type { Ctx } from '../ctx';
import { scanDocument } from '../datasetDocuments';
import { Disposable } from '../lifecycle';
import { webviewHtml, webviewOptions } from '../webviewHtml';

const viewType = 'distillery.statistics';
const refreshDelayMs = 300;

/** The statistics of one dataset, beside the editor; one panel, re-pointed at each request. */
export class StatisticsPanel extends Disposable {
  private static current: StatisticsPanel | undefined;
  private ready = false;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;

  static show(ctx: Ctx, document: vscode.TextDocument): void {
    if (StatisticsPanel.current) {
      StatisticsPanel.current.retarget(document);
      return;
    }
    const panel = vscode.window.createWebviewPanel(viewType, title(document), { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, webviewOptions(ctx.extensionUri));
    StatisticsPanel.current = ctx.register(new StatisticsPanel(ctx, panel, document));
  }

  private constructor(
    private readonly ctx: Ctx,
    private readonly panel: vscode.WebviewPanel,
    private document: vscode.TextDocument,
  ) {
    super();
    this._register(panel);
    panel.webview.html = webviewHtml(panel.webview, ctx.extensionUri, 'Dataset statistics', 'webview-statistics');
    this._register(panel.onDidDispose(() => this.dispose()));
    this._register(panel.webview.onDidReceiveMessage((message: WebviewMessage) => this.onMessage(message)));
    this._register(
      vscode.workspace.onDidChangeTextDocument((event) => {
        if (event.document === this.document) this.scheduleRefresh();
      }),
    );
  }

  private retarget(document: vscode.TextDocument): void {
    this.document = document;
    this.panel.title = title(document);
    this.panel.reveal(undefined, true);
    this.post();
  }

  private onMessage(message: WebviewMessage): void {
    switch (message.type) {
      case 'ready':
        this.ready = true;
        this.post();
        break;
      case 'refresh':
        this.post();
        break;
      case 'revealLine':
        void this.revealLine(message.line, message.column);
        break;
    }
  }

  private scheduleRefresh(): void {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => this.post(), refreshDelayMs);
  }

  private post(): void {
    if (!this.ready) return;
    let message: HostMessage;
    try {
      message = { type: 'statistics', statistics: statisticsOf(this.document) };
    } catch (error) {
      this.ctx.logger.error(error instanceof Error ? error : String(error));
      message = { type: 'error', message: `Could not read ${path.basename(this.document.fileName)}: ${String(error)}` };
    }
    void this.panel.webview.postMessage(message);
  }

  private async revealLine(line: number, column: number): Promise<void> {
    const position = new vscode.Position(Math.max(line - 1, 0), Math.max(column - 1, 0));
    await vscode.window.showTextDocument(this.document, {
      viewColumn: vscode.ViewColumn.One,
      selection: new vscode.Range(position, position),
    });
  }

  override dispose(): void {
    clearTimeout(this.refreshTimer);
    if (StatisticsPanel.current === this) StatisticsPanel.current = undefined;
    super.dispose();
  }
}

function title(document: vscode.TextDocument): string {
  return `Statistics: ${path.basename(document.fileName)}`;
}

function statisticsOf(document: vscode.TextDocument): DatasetStatisticsView {
  const summary = scanDocument(document);
  return {
    fileName: path.basename(document.fileName),
    rows: summary.rows,
    blank: summary.blank,
    malformed: summary.malformed,
    bytes: summary.bytes,
    lastLineUnterminated: summary.lastLineUnterminated,
    problems: summary.problems,
  };
}
