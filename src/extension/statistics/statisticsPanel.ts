import * as path from 'node:path';
import * as vscode from 'vscode';
import type { DatasetStatisticsReport } from '../../core/statistics/report';
import type { DatasetStatisticsView, HostMessage, WebviewMessage } from '../../webview/statistics/protocol';
import type { Ctx } from '../ctx';
import { Disposable } from '../lifecycle';
import { webviewHtml, webviewOptions } from '../webviewHtml';
import { computeStatistics } from './computeStatistics';

export const statisticsViewType = 'distillery.statistics';

/**
 * The statistics as posted: with the dataset's URI, which the webview keeps in its state
 * (`statistics.uri`) so that the panel's serializer can restore it on that file after a reload.
 */
export type StatisticsViewWithUri = DatasetStatisticsView & { readonly uri?: string };
const refreshDelayMs = 300;

/** The statistics of one dataset, beside the editor; one panel, re-pointed at each request. */
export class StatisticsPanel extends Disposable {
  private static current: StatisticsPanel | undefined;
  private ready = false;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  /** What the webview shows (or will, once it is ready). */
  private message: HostMessage | undefined;
  private running: vscode.CancellationTokenSource | undefined;

  /** Opens (or re-points) the panel and resolves with the report once computed; undefined when cancelled. */
  static async show(ctx: Ctx, document: vscode.TextDocument): Promise<DatasetStatisticsReport | undefined> {
    let panel = StatisticsPanel.current;
    if (panel) {
      panel.retarget(document);
    } else {
      const webviewPanel = vscode.window.createWebviewPanel(statisticsViewType, title(document), { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, webviewOptions(ctx.extensionUri));
      panel = ctx.register(new StatisticsPanel(ctx, webviewPanel, document));
      StatisticsPanel.current = panel;
    }
    const view = await panel.refresh(true);
    return view?.report;
  }

  /** Brings back a panel VS Code restored after a window reload, on the dataset it described. */
  static restore(ctx: Ctx, webviewPanel: vscode.WebviewPanel, document: vscode.TextDocument): StatisticsPanel {
    StatisticsPanel.current?.dispose();
    webviewPanel.webview.options = webviewOptions(ctx.extensionUri);
    webviewPanel.title = title(document);
    const panel = ctx.register(new StatisticsPanel(ctx, webviewPanel, document));
    StatisticsPanel.current = panel;
    void panel.refresh(false);
    return panel;
  }

  private constructor(
    private readonly ctx: Ctx,
    private readonly panel: vscode.WebviewPanel,
    private document: vscode.TextDocument,
  ) {
    super();
    this._register(panel);
    panel.webview.html = webviewHtml(panel.webview, ctx.extensionUri, 'Dataset statistics', 'webview-statistics', ['statistics.css']);
    this._register(panel.onDidDispose(() => this.dispose()));
    this._register(panel.webview.onDidReceiveMessage((message: WebviewMessage) => this.onMessage(message)));
    this._register(
      vscode.workspace.onDidChangeTextDocument((event) => {
        if (event.document === this.document) this.scheduleRefresh();
      }),
    );
    this._register(ctx.config.onDidChange(() => this.scheduleRefresh()));
  }

  private retarget(document: vscode.TextDocument): void {
    this.document = document;
    this.panel.title = title(document);
    this.panel.reveal(undefined, true);
  }

  private onMessage(message: WebviewMessage): void {
    switch (message.type) {
      case 'ready':
        this.ready = true;
        this.post();
        break;
      case 'refresh':
        void this.refresh(false);
        break;
      case 'revealLine':
        void this.revealLine(message.line, message.column);
        break;
    }
  }

  private scheduleRefresh(): void {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => void this.refresh(false), refreshDelayMs);
  }

  /**
   * Computes the statistics of the current document and shows them. A newer refresh cancels an
   * older one. `rethrow`: the command's own run reports failures itself (as every command does).
   */
  private async refresh(rethrow: boolean): Promise<DatasetStatisticsView | undefined> {
    this.running?.cancel();
    const source = new vscode.CancellationTokenSource();
    this.running = source;
    const document = this.document;
    this.setMessage({ type: 'computing', fileName: path.basename(document.fileName) });
    try {
      const statistics = await computeStatistics(this.ctx, document, source.token);
      const posted: StatisticsViewWithUri = { ...statistics, uri: document.uri.toString() };
      if (this.running === source && !this.isDisposed) this.setMessage({ type: 'statistics', statistics: posted });
      return statistics;
    } catch (error) {
      if (error instanceof vscode.CancellationError || source.token.isCancellationRequested) {
        if (this.running === source) this.setMessage({ type: 'error', message: 'Statistics were cancelled. Select Refresh to compute them again.' });
        return undefined;
      }
      this.ctx.logger.error(error instanceof Error ? error : String(error));
      this.setMessage({ type: 'error', message: `Could not read ${path.basename(document.fileName)}: ${error instanceof Error ? error.message : String(error)}` });
      if (rethrow) throw error;
      return undefined;
    } finally {
      if (this.running === source) this.running = undefined;
      source.dispose();
    }
  }

  private setMessage(message: HostMessage): void {
    this.message = message;
    this.post();
  }

  private post(): void {
    if (!this.ready || !this.message || this.isDisposed) return;
    void this.panel.webview.postMessage(this.message);
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
    this.running?.cancel();
    if (StatisticsPanel.current === this) StatisticsPanel.current = undefined;
    super.dispose();
  }
}

function title(document: vscode.TextDocument): string {
  return `Statistics: ${path.basename(document.fileName)}`;
}
