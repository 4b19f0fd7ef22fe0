import * as vscode from 'vscode';
import type { UsageLedger } from '../../core/llm/accounting';
import { usageMarkdown, usageText } from './usageFormat';

/** At most this many repaints a second, however fast calls finish. */
const REPAINT_INTERVAL_MS = 250;

/**
 * The session's model usage in the status bar: tokens in and out and the cost, live, hidden
 * until the first call. The tooltip has the per-profile table; a click shows it in the log.
 */
export class UsageStatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly unsubscribe: () => void;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly ledger: UsageLedger, command: string) {
    this.item = vscode.window.createStatusBarItem('distillery.modelUsage', vscode.StatusBarAlignment.Right, 100);
    this.item.name = 'Distillery Model Usage';
    this.item.command = command;
    this.unsubscribe = ledger.onDidChange(() => this.schedule());
    this.repaint();
  }

  /** The text shown now; undefined while hidden. */
  get text(): string | undefined {
    return this.visible ? this.item.text : undefined;
  }

  private visible = false;

  private schedule(): void {
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.repaint();
    }, REPAINT_INTERVAL_MS);
  }

  private repaint(): void {
    const summary = this.ledger.summary();
    const { total } = summary;
    if (total.requests + total.cached === 0) {
      this.item.hide();
      this.visible = false;
      return;
    }
    this.item.text = usageText(summary);
    const tooltip = new vscode.MarkdownString(usageMarkdown(summary));
    this.item.tooltip = tooltip;
    this.item.show();
    this.visible = true;
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.unsubscribe();
    this.item.dispose();
  }
}
