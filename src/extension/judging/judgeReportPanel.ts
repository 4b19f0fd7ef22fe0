import * as path from 'node:path';
import { findNodeAtLocation, parseTree } from 'jsonc-parser';
import * as vscode from 'vscode';
import type { JsonPath, JudgedRow } from '../../core/judging/judgedRows';
import { rankingReport, type RankedRow, type RankingReport } from '../../core/judging/rankingReport';
import { readReportRow } from '../../core/judging/reportRows';
import { judgeReport, type JudgeReport } from '../../core/judging/report';
import { lengthBuckets } from '../../webview/judgeReport/lengthBuckets';
import type { HostMessage, JudgedRowProblem, JudgeReportView, WebviewMessage } from '../../webview/judgeReport/protocol';
import type { Ctx } from '../ctx';
import type { DatasetSnapshot } from '../datasetModel';
import { DatasetPanel } from '../datasetPanel';
import { webviewOptions } from '../webviewHtml';

export const judgeReportViewType = 'distillery.judgeReport';
/** Problems listed in the panel; the rest are counted. */
const MAX_PROBLEMS = 20;

/** The judge report of one judged dataset, beside the editor; one panel, re-pointed at each request. */
export class JudgeReportPanel extends DatasetPanel<HostMessage, WebviewMessage> {
  private static current: JudgeReportPanel | undefined;

  /** Opens (or re-points) the panel and resolves with the report it shows (with its n-way part, if any). */
  static async show(ctx: Ctx, document: vscode.TextDocument): Promise<(JudgeReport & { ranking?: RankingReport }) | undefined> {
    let panel = JudgeReportPanel.current;
    if (panel) {
      panel.retarget(document);
    } else {
      const webviewPanel = vscode.window.createWebviewPanel(judgeReportViewType, title(document), { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, webviewOptions(ctx.extensionUri));
      panel = ctx.register(new JudgeReportPanel(ctx, webviewPanel, document));
    }
    const view = panel.refresh(true);
    return view ? { ...view.report, ...(view.ranking ? { ranking: view.ranking } : {}) } : undefined;
  }

  /** Brings back a panel VS Code restored after a window reload, on the dataset it described. */
  static restore(ctx: Ctx, webviewPanel: vscode.WebviewPanel, document: vscode.TextDocument): JudgeReportPanel {
    JudgeReportPanel.current?.dispose();
    webviewPanel.webview.options = webviewOptions(ctx.extensionUri);
    webviewPanel.title = title(document);
    const panel = ctx.register(new JudgeReportPanel(ctx, webviewPanel, document));
    panel.refresh(false);
    return panel;
  }

  private constructor(ctx: Ctx, panel: vscode.WebviewPanel, document: vscode.TextDocument) {
    super(ctx, panel, document, { title: 'Judge report', script: 'webview-judgeReport', styles: ['statistics.css', 'judgeReport.css'] });
    JudgeReportPanel.current = this;
  }

  protected titleOf(document: vscode.TextDocument): string {
    return title(document);
  }

  /** Reads the document's judged rows and shows their report. */
  protected refresh(rethrow: boolean): JudgeReportView | undefined {
    const fileName = path.basename(this.document.fileName);
    try {
      const view = judgeReportView(this.ctx.datasets.snapshot(this.document), fileName);
      this.setMessage({ type: 'report', view, uri: this.document.uri.toString() });
      return view;
    } catch (error) {
      this.ctx.logger.error(error instanceof Error ? error : String(error));
      this.setMessage({ type: 'error', message: error instanceof Error ? error.message : String(error), uri: this.document.uri.toString() });
      if (rethrow) throw error;
      return undefined;
    }
  }

  override dispose(): void {
    if (JudgeReportPanel.current === this) JudgeReportPanel.current = undefined;
    super.dispose();
  }
}

/**
 * The report over the judged rows of one document version (unsaved edits included). Rows without a
 * judgement are counted; lines that are not JSON or carry a malformed judgement are skipped and listed.
 */
export function judgeReportView(snapshot: DatasetSnapshot, fileName: string): JudgeReportView {
  const rows: JudgedRow[] = [];
  const ranked: RankedRow[] = [];
  const problems: JudgedRowProblem[] = [];
  let problemCount = 0;
  let unjudged = 0;
  const problem = (found: JudgedRowProblem) => {
    problemCount++;
    if (problems.length < MAX_PROBLEMS) problems.push(found);
  };
  for (let line = 1; line <= snapshot.lineCount; line++) {
    const row = snapshot.row(line);
    if (!row || row.kind === 'blank') continue;
    if (row.kind === 'invalid') {
      problem({ line, column: row.problem.column, message: row.problem.message });
      continue;
    }
    const reading = readReportRow(row.value);
    if (reading.kind === 'invalid') problem({ line, column: columnOf(snapshot.rowText(row), reading.path), message: `${reading.path.join('.')}: ${reading.message}` });
    else if (reading.kind === 'judged') rows.push(reading.row);
    else if (reading.kind === 'ranked') ranked.push(reading.row);
    else unjudged++;
  }
  if (rows.length === 0 && ranked.length === 0) {
    throw new Error(`${fileName}: no row has a "distillery.judgement" or a "distillery.ranking" (judge the file first with Distillery: Judge).`);
  }
  return {
    fileName, unjudged, problems, problemCount, report: judgeReport(rows), lengthBuckets: lengthBuckets(rows.map((r) => r.judgement)),
    ...(ranked.length > 0 ? { ranking: rankingReport(ranked) } : {}),
  };
}

/** 1-based column of the value at `at` in a row's text (of its nearest enclosing value that exists). */
function columnOf(text: string, at: JsonPath): number {
  const tree = parseTree(text);
  if (!tree) return 1;
  for (let depth = at.length; depth >= 0; depth--) {
    const node = findNodeAtLocation(tree, [...at.slice(0, depth)]);
    if (node) return node.offset + 1;
  }
  return 1;
}

function title(document: vscode.TextDocument): string {
  return `Judge Report: ${path.basename(document.fileName)}`;
}
