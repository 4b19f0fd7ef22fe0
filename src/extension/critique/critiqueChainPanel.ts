import * as vscode from 'vscode';
import type { ChainView, HostMessage, WebviewMessage } from '../../webview/critique/protocol';
import type { Ctx } from '../ctx';
import { Disposable } from '../lifecycle';
import { webviewHtml, webviewOptions } from '../webviewHtml';

export const critiqueChainViewType = 'distillery.critiqueChain';
/** The <title> of the panel's page (the e2e tests find its frame by it). */
export const critiqueChainDocumentTitle = 'Critique chain';

/**
 * The chain panel: one webview beside the diff showing the chain of the row being critiqued,
 * round by round as the rounds complete. Its Cancel button stops the chain that is running.
 */
export class CritiqueChainPanel extends Disposable {
  private static current: CritiqueChainPanel | undefined;
  private ready = false;
  private chain: ChainView | undefined;
  private cancel: (() => void) | undefined;

  /** Opens the panel (or reuses the open one) without taking the focus. */
  static show(ctx: Ctx): CritiqueChainPanel {
    const current = CritiqueChainPanel.current;
    if (current) {
      current.panel.reveal(undefined, true);
      return current;
    }
    const panel = vscode.window.createWebviewPanel(
      critiqueChainViewType,
      'Critique chain',
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      webviewOptions(ctx.extensionUri),
    );
    const shown = ctx.register(new CritiqueChainPanel(ctx, panel));
    CritiqueChainPanel.current = shown;
    return shown;
  }

  static get active(): CritiqueChainPanel | undefined {
    return CritiqueChainPanel.current;
  }

  private constructor(
    private readonly ctx: Ctx,
    private readonly panel: vscode.WebviewPanel,
  ) {
    super();
    this._register(panel);
    panel.webview.html = webviewHtml(panel.webview, ctx.extensionUri, critiqueChainDocumentTitle, 'webview-critique', ['critique.css']);
    this._register(panel.onDidDispose(() => this.dispose()));
    this._register(panel.webview.onDidReceiveMessage((message: WebviewMessage) => this.onMessage(message)));
  }

  /** Shows `chain`; `cancel` is what the Cancel button calls while the chain runs. */
  update(chain: ChainView, cancel?: () => void): void {
    this.chain = chain;
    this.cancel = chain.status === 'running' ? cancel : undefined;
    this.panel.title = `Critique: ${chain.title}`;
    this.post();
  }

  /** What the panel shows now (integration tests read it). */
  get shown(): ChainView | undefined {
    return this.chain;
  }

  private onMessage(message: WebviewMessage): void {
    switch (message.type) {
      case 'ready':
        this.ready = true;
        this.post();
        break;
      case 'cancel':
        this.ctx.logger.info('critique: cancelled from the chain panel');
        this.cancel?.();
        break;
    }
  }

  private post(): void {
    if (!this.ready || !this.chain) return;
    const message: HostMessage = { type: 'show', chain: this.chain };
    void this.panel.webview.postMessage(message);
  }

  override dispose(): void {
    if (CritiqueChainPanel.current === this) CritiqueChainPanel.current = undefined;
    super.dispose();
  }
}
