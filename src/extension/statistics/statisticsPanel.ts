import * as path from 'node:path';
import * as vscode from 'vscode';
import type { DatasetStatisticsReport } from '../../core/statistics/report';
import type { DatasetStatisticsView, HostMessage, WebviewMessage } from '../../webview/statistics/protocol';
import type { Ctx } from '../ctx';
import { DatasetPanel } from '../datasetPanel';
import { webviewOptions } from '../webviewHtml';
import { computeStatistics } from './computeStatistics';

export const statisticsViewType = 'distillery.statistics';

/**
 * The statistics as posted: with the dataset's URI, which the webview keeps in its state
 * (`statistics.uri`) so that the panel's serializer can restore it on that file after a reload.
 */
export type StatisticsViewWithUri = DatasetStatisticsView & { readonly uri?: string };

/** The statistics of one dataset, beside the editor; one panel, re-pointed at each request. */
export class StatisticsPanel extends DatasetPanel<HostMessage, WebviewMessage> {
  private static current: StatisticsPanel | undefined;
  private running: vscode.CancellationTokenSource | undefined;

  /** Opens (or re-points) the panel and resolves with the report once computed; undefined when cancelled. */
  static async show(ctx: Ctx, document: vscode.TextDocument): Promise<DatasetStatisticsReport | undefined> {
    let panel = StatisticsPanel.current;
    if (panel) {
      panel.retarget(document);
    } else {
      const webviewPanel = vscode.window.createWebviewPanel(statisticsViewType, title(document), { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, webviewOptions(ctx.extensionUri));
      panel = ctx.register(new StatisticsPanel(ctx, webviewPanel, document));
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
    void panel.refresh(false);
    return panel;
  }

  private constructor(ctx: Ctx, panel: vscode.WebviewPanel, document: vscode.TextDocument) {
    super(ctx, panel, document, { title: 'Dataset statistics', script: 'webview-statistics', styles: ['statistics.css'] });
    StatisticsPanel.current = this;
    this._register(ctx.config.onDidChange(() => this.scheduleRefresh()));
  }

  protected titleOf(document: vscode.TextDocument): string {
    return title(document);
  }

  /** Computes the statistics of the current document and shows them. A newer refresh cancels an older one. */
  protected async refresh(rethrow: boolean): Promise<DatasetStatisticsView | undefined> {
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

  override dispose(): void {
    this.running?.cancel();
    if (StatisticsPanel.current === this) StatisticsPanel.current = undefined;
    super.dispose();
  }
}

function title(document: vscode.TextDocument): string {
  return `Statistics: ${path.basename(document.fileName)}`;
}
