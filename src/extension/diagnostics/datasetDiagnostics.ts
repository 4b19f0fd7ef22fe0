import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import { isDataset } from '../datasetModel';
import { Disposable } from '../lifecycle';
import type { RowKind } from '../../core/dataset/rowKinds';
import { checkedDocument, computeDiagnostics } from './computeDiagnostics';

/** Quiet time after the last change before a document is checked again. */
export const DIAGNOSTICS_DEBOUNCE_MS = 300;

export interface RowCounts {
  readonly version: number;
  readonly rows: number;
  readonly malformed: number;
}

interface Pending {
  timer: ReturnType<typeof setTimeout> | undefined;
  /** Bumped on every change: a computation whose generation is stale drops its result. */
  generation: number;
}

/**
 * Keeps the 'distillery' DiagnosticCollection in step with the open datasets: each document is
 * checked after {@link DIAGNOSTICS_DEBOUNCE_MS} of quiet, off the typing path, and a check that a
 * newer change overtakes stops at its next slice and publishes nothing.
 */
export class DatasetDiagnostics extends Disposable {
  readonly collection: vscode.DiagnosticCollection;
  private readonly pending = new Map<string, Pending>();
  private readonly fileKinds = new Map<string, RowKind>();
  private readonly rowCounts = new Map<string, RowCounts>();
  private readonly emitter = this._register(new vscode.EventEmitter<vscode.Uri>());
  /** Fires after a document's diagnostics were published (tests and the benchmark wait on it). */
  readonly onDidUpdate = this.emitter.event;

  constructor(private readonly ctx: Ctx) {
    super();
    this.collection = this._register(vscode.languages.createDiagnosticCollection('distillery'));
    this._register(vscode.workspace.onDidOpenTextDocument((d) => this.schedule(d, 0)));
    this._register(vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.contentChanges.length > 0) this.schedule(e.document, DIAGNOSTICS_DEBOUNCE_MS);
    }));
    this._register(vscode.workspace.onDidCloseTextDocument((d) => this.forget(d.uri)));
    this._register(ctx.config.onDidChange(() => this.refreshAll()));
    this._register({ dispose: () => this.cancelAll() });
    this.refreshAll();
  }

  private get enabled(): boolean {
    return this.ctx.config.settings.diagnosticsEnabled;
  }

  private refreshAll(): void {
    if (!this.enabled) {
      this.cancelAll();
      this.collection.clear();
      return;
    }
    for (const document of vscode.workspace.textDocuments) this.schedule(document, 0);
  }

  private schedule(document: vscode.TextDocument, delayMs: number): void {
    if (this.isDisposed || !this.enabled || !isDataset(document)) return;
    const key = document.uri.toString();
    let entry = this.pending.get(key);
    if (!entry) {
      entry = { timer: undefined, generation: 0 };
      this.pending.set(key, entry);
    }
    const generation = ++entry.generation;
    clearTimeout(entry.timer);
    const state = entry;
    state.timer = setTimeout(() => {
      state.timer = undefined;
      void this.check(document, state, generation);
    }, delayMs);
  }

  private async check(document: vscode.TextDocument, entry: Pending, generation: number): Promise<void> {
    if (document.isClosed || entry.generation !== generation || !this.enabled) return;
    const started = performance.now();
    try {
      const version = document.version;
      const wanted = () => !this.isDisposed && this.enabled && entry.generation === generation && !document.isClosed && document.version === version;
      const result = await computeDiagnostics(checkedDocument(document), { wanted });
      if (!result || !wanted()) return;
      this.collection.set(document.uri, result.diagnostics);
      this.fileKinds.set(document.uri.toString(), result.dominantKind);
      this.rowCounts.set(document.uri.toString(), { version, rows: result.rows, malformed: result.malformed });
      this.ctx.logger.debug(
        `diagnostics: ${result.diagnostics.length} in ${document.uri.path.split('/').pop() ?? ''} (${result.rows} rows) in ${(performance.now() - started).toFixed(0)} ms`,
      );
      this.emitter.fire(document.uri);
    } catch (error) {
      this.ctx.logger.error(`diagnostics of ${document.uri.toString()} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** The dominant row kind found by the last check of `uri` (the quick fixes use it to rank conversions). */
  fileKind(uri: vscode.Uri): RowKind | undefined {
    return this.fileKinds.get(uri.toString());
  }

  /**
   * The row counts found by the last check of the document (of `version`, maybe older than the
   * document's): the row-count lens of a large file reads them instead of parsing it again.
   * Undefined while diagnostics are off.
   */
  counts(document: vscode.TextDocument): RowCounts | undefined {
    return this.enabled ? this.rowCounts.get(document.uri.toString()) : undefined;
  }

  get countsEnabled(): boolean {
    return this.enabled;
  }

  private forget(uri: vscode.Uri): void {
    const key = uri.toString();
    this.fileKinds.delete(key);
    this.rowCounts.delete(key);
    const entry = this.pending.get(key);
    if (entry) {
      clearTimeout(entry.timer);
      entry.generation++;
      this.pending.delete(key);
    }
    this.collection.delete(uri);
  }

  private cancelAll(): void {
    for (const entry of this.pending.values()) {
      clearTimeout(entry.timer);
      entry.generation++;
    }
    this.pending.clear();
  }
}
