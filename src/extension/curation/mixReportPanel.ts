import * as path from 'node:path';
import * as vscode from 'vscode';
import type { MixReport } from '../../core/curation/mixReport';
import type { HostMessage, MixReportShown, MixReportTarget, MixReportView, WebviewMessage } from '../../webview/mixReport/protocol';
import type { Ctx } from '../ctx';
import { DatasetPanel } from '../datasetPanel';
import { LARGE_DOCUMENT_BYTES } from '../statistics/computeStatistics';
import { webviewOptions } from '../webviewHtml';
import { readMixSettings, type MixSettingKey } from './mixSettings';
import { runMixWorker } from './runMixWorker';

export const mixReportViewType = 'distillery.mixReport';
/** Files offered by "Compare with…", at most. */
const MAX_PICKED_FILES = 200;

/** The mix and diversity report of one dataset, beside the editor; one panel, re-pointed at each request. */
export class MixReportPanel extends DatasetPanel<HostMessage, WebviewMessage> {
  private static current: MixReportPanel | undefined;
  private running: AbortController | undefined;
  /** What the webview last said it rendered. */
  private shown: MixReportShown | undefined;
  private source: vscode.TextDocument | undefined;

  /**
   * Opens (or re-points) the panel at `document`, compared with `against` when given (else with the
   * source it already compares with, if it is the same dataset), and resolves with the report once
   * computed; undefined when a newer request or closing the panel cancelled it.
   */
  static async show(ctx: Ctx, document: vscode.TextDocument, against?: vscode.Uri | null): Promise<MixReport | undefined> {
    let panel = MixReportPanel.current;
    if (panel) {
      panel.retarget(document);
    } else {
      const webviewPanel = vscode.window.createWebviewPanel(mixReportViewType, title(document), { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, webviewOptions(ctx.extensionUri));
      panel = ctx.register(new MixReportPanel(ctx, webviewPanel, document));
    }
    if (against === null) panel.source = undefined;
    else if (against) panel.source = await vscode.workspace.openTextDocument(against);
    return panel.refresh(true);
  }

  /** After a reload: the panel VS Code kept, pointed again at the dataset and source its webview saved. */
  static restore(ctx: Ctx, webviewPanel: vscode.WebviewPanel, document: vscode.TextDocument, source: vscode.TextDocument | undefined): MixReportPanel {
    MixReportPanel.current?.dispose();
    webviewPanel.webview.options = webviewOptions(ctx.extensionUri);
    const panel = ctx.register(new MixReportPanel(ctx, webviewPanel, document));
    panel.source = source;
    void panel.refresh(false);
    return panel;
  }

  /** What the open panel's webview rendered last; undefined without a panel. */
  static shownNow(): MixReportShown | undefined {
    return MixReportPanel.current?.shown;
  }

  private constructor(ctx: Ctx, panel: vscode.WebviewPanel, document: vscode.TextDocument) {
    super(ctx, panel, document, { title: 'Mix report', script: 'webview-mixReport', styles: ['statistics.css', 'mixReport.css'] });
    MixReportPanel.current = this;
    this._register(
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration('distillery.mix')) this.scheduleRefresh();
      }),
    );
  }

  protected titleOf(document: vscode.TextDocument): string {
    return title(document);
  }

  /** The source's edits refresh the comparison too. */
  protected override follows(document: vscode.TextDocument): boolean {
    return document === this.document || document === this.source;
  }

  protected override retarget(document: vscode.TextDocument): void {
    if (document !== this.document) this.source = undefined;
    super.retarget(document);
  }

  protected override onMessage(message: WebviewMessage): void {
    switch (message.type) {
      case 'compare':
        void this.pickSource();
        break;
      case 'clearComparison':
        this.source = undefined;
        void this.refresh(false);
        break;
      case 'rendered':
        this.shown = message.shown;
        break;
    }
  }

  /** "Compare with…": a JSONL file of the workspace, or any file through the file dialog. */
  private async pickSource(): Promise<void> {
    const browse = { label: '$(folder-opened) Browse…', description: 'choose a file outside this list' };
    const files = (await vscode.workspace.findFiles('**/*.jsonl', '**/node_modules/**', MAX_PICKED_FILES))
      .filter((uri) => uri.toString() !== this.document.uri.toString())
      .sort((a, b) => vscode.workspace.asRelativePath(a).localeCompare(vscode.workspace.asRelativePath(b)));
    const items = [...files.map((uri) => ({ label: vscode.workspace.asRelativePath(uri), uri })), browse];
    const picked = await vscode.window.showQuickPick(items, {
      title: `Distillery: compare ${path.basename(this.document.fileName)} with which source dataset?`,
      placeHolder: 'The dataset this one was made from: its answers\u2019 diversity is compared',
      matchOnDescription: true,
    });
    if (!picked) return;
    let uri = 'uri' in picked ? picked.uri : undefined;
    if (!uri) {
      const chosen = await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: 'Compare', filters: { 'JSON Lines': ['jsonl'], 'All files': ['*'] } });
      uri = chosen?.[0];
    }
    if (!uri || this.isDisposed) return;
    try {
      this.source = await vscode.workspace.openTextDocument(uri);
    } catch (error) {
      void vscode.window.showErrorMessage(`Distillery: cannot open ${path.basename(uri.fsPath || uri.path)}: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    await this.refresh(false);
  }

  private target(): MixReportTarget {
    return { uri: this.document.uri.toString(), ...(this.source ? { sourceUri: this.source.uri.toString() } : {}) };
  }

  /**
   * Computes the report of the current document (against the source, if any) in the worker and
   * shows it. A newer refresh, or closing the panel, cancels an older one. `rethrow`: the command
   * reports its own failures.
   */
  protected async refresh(rethrow: boolean): Promise<MixReport | undefined> {
    this.cancelScheduledRefresh();
    this.running?.abort(new vscode.CancellationError());
    const controller = new AbortController();
    this.running = controller;
    const { document, source } = this;
    const fileName = path.basename(document.fileName);
    const sourceName = source ? vscode.workspace.asRelativePath(source.uri) : undefined;
    const section = vscode.workspace.getConfiguration('distillery', document.uri);
    const { thresholds, problems } = readMixSettings((key: MixSettingKey) => section.get<unknown>(key));
    for (const problem of problems) this.ctx.logger.warn(problem);
    const target = this.target();
    this.setMessage({ type: 'computing', target, fileName, stage: 'Reading rows' });
    // Large files also show progress in the status bar, seen even while the panel is hidden.
    const text = document.getText();
    const large = text.length >= LARGE_DOCUMENT_BYTES;
    try {
      const work = runMixWorker({
        script: path.join(this.ctx.extension.extensionPath, 'dist', 'mixReportWorker.js'),
        request: { text, ...(source ? { sourceText: source.getText() } : {}), thresholds },
        signal: controller.signal,
        onProgress: (stage, fraction) => {
          if (this.running === controller) this.setMessage({ type: 'computing', target, fileName, stage, ...(fraction === undefined ? {} : { fraction }) });
        },
      });
      const result = large ? await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Mix report of ${fileName}` }, () => work) : await work;
      if (this.running !== controller || this.isDisposed) return undefined;
      const view: MixReportView = {
        fileName,
        ...(sourceName !== undefined ? { sourceName } : {}),
        skippedLines: result.skippedLines,
        ...(result.sourceSkippedLines !== undefined ? { sourceSkippedLines: result.sourceSkippedLines } : {}),
        thresholds,
        settingProblems: problems,
        report: result.report,
      };
      this.setMessage({ type: 'report', target, view });
      return result.report;
    } catch (error) {
      if (controller.signal.aborted) return undefined;
      this.ctx.logger.error(`mix report of ${fileName} failed: ${error instanceof Error ? error.message : String(error)}`);
      this.setMessage({ type: 'error', message: `Could not compute the mix report of ${fileName}: ${error instanceof Error ? error.message : String(error)}` });
      if (rethrow) throw error;
      return undefined;
    } finally {
      if (this.running === controller) this.running = undefined;
    }
  }

  override dispose(): void {
    // Closing the panel stops its computation: the worker is terminated.
    this.running?.abort(new vscode.CancellationError());
    if (MixReportPanel.current === this) MixReportPanel.current = undefined;
    super.dispose();
  }
}

function title(document: vscode.TextDocument): string {
  return `Mix Report: ${path.basename(document.fileName)}`;
}
