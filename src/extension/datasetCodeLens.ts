import * as vscode from 'vscode';
import { detectRowKind } from '../core/dataset/rowKinds';
import type { Ctx } from './ctx';
import { datasetSelector, isDataset } from './datasetModel';
import { scanDocument } from './datasetDocuments';
import { actionsFor, ROW_ACTION_COMMANDS, ROW_ACTION_TITLES, ROW_ACTION_TOOLTIPS, type LineKind, type RowAction } from './rows/rowActions';

/** Lines above and below the visible ranges that get lenses too, so that scrolling a little shows them at once. */
export const LENS_MARGIN_LINES = 100;
/** Lines given lenses when no editor shows the document (a provider call from a command). */
export const UNSEEN_DOCUMENT_LINES = 200;
/** Upper bound on lines with lenses per call, whatever the editors show. */
const MAX_LENS_LINES = 2000;
/** Quiet time after scrolling before the lenses are asked for again. */
const SCROLL_DEBOUNCE_MS = 100;
/** Documents up to this size have their row count computed at once; larger ones after a pause. */
const EAGER_COUNT_CHARS = 1_000_000;
const COUNT_DEBOUNCE_MS = 500;
/** Kinds remembered per line text; the cache is dropped when it grows past this. */
const KIND_CACHE_LIMIT = 20_000;

/** Row counts that another feature computes anyway (the diagnostics' pass over every row). */
export interface SharedRowCounts {
  /** False when that feature is off: the lens then counts by itself. */
  readonly available: () => boolean;
  /** The counts of the document's latest checked version (`version` may be older than the document's). */
  readonly get: (document: vscode.TextDocument) => { readonly version: number; readonly rows: number; readonly malformed: number } | undefined;
  readonly onDidUpdate: vscode.Event<vscode.Uri>;
}

export interface DatasetCodeLensOptions {
  readonly enabled: () => boolean;
  /** Fires when the settings change. */
  readonly onDidChangeSettings: vscode.Event<unknown>;
  readonly sharedCounts?: SharedRowCounts;
}

interface RowCount {
  readonly rows: number;
  readonly malformed: number;
}

/**
 * Distillery's CodeLenses in a dataset: on line 1 the row count (it opens the statistics), and on
 * each row the actions that fit its kind (Preview; Generate for a prompt; Critique & Revise and
 * Score for an answer; Judge for a preference pair).
 *
 * Cheap on a file of any size: lenses are made only for the lines in and near what the editors
 * show (the lenses are asked for again, debounced, when they scroll), each of those lines is
 * parsed only the first time its text is seen, and commands are filled in by resolveCodeLens.
 * Nothing here reads the whole document, except the row count, which is computed once per
 * version (for large files after typing pauses, showing the last count meanwhile).
 */
export class DatasetCodeLensProvider implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changeEmitter.event;
  private readonly disposables: vscode.Disposable[] = [this.changeEmitter];
  private readonly kindCache = new Map<string, LineKind>();
  private readonly lastCounts = new WeakMap<vscode.TextDocument, RowCount>();
  /** The line windows the last lenses covered, per document: scrolling inside them needs no new lenses. */
  private readonly covered = new WeakMap<vscode.TextDocument, Array<[number, number]>>();
  private scrollTimer: ReturnType<typeof setTimeout> | undefined;
  private countTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly options: DatasetCodeLensOptions) {
    this.disposables.push(
      options.onDidChangeSettings(() => this.changeEmitter.fire()),
      vscode.window.onDidChangeTextEditorVisibleRanges((e) => this.onScroll(e.textEditor.document)),
      vscode.window.onDidChangeVisibleTextEditors((editors) => {
        if (editors.some((e) => isDataset(e.document))) this.fireSoon();
      }),
    );
    if (options.sharedCounts) {
      const shared = options.sharedCounts;
      this.disposables.push(
        shared.onDidUpdate((uri) => {
          const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
          // Only large files wait for these counts (small ones are counted at once), and asking
          // the editor to redraw every lens is worth it only when the count on screen is wrong.
          if (!document || textLength(document) <= EAGER_COUNT_CHARS) return;
          const counted = shared.get(document);
          const shown = this.lastCounts.get(document);
          if (counted && shown && counted.rows === shown.rows && counted.malformed === shown.malformed) {
            this.remember(document, counted);
            return;
          }
          if (!shown || isLineVisible(document, 0)) this.changeEmitter.fire();
        }),
      );
    }
  }

  provideCodeLenses(document: vscode.TextDocument, token?: vscode.CancellationToken): vscode.CodeLens[] {
    if (!this.options.enabled() || document.lineCount === 0) return [];
    const lenses: vscode.CodeLens[] = [new CountLens(document)];
    const windows = lensWindows(document);
    this.covered.set(document, windows);
    for (const [from, to] of windows) {
      for (let line = from; line <= to; line++) {
        if (token?.isCancellationRequested) return lenses;
        const range = new vscode.Range(line, 0, line, 0);
        for (const action of actionsFor(this.kindOf(document.lineAt(line).text))) {
          lenses.push(new RowLens(range, document.uri, line + 1, action));
        }
      }
    }
    return lenses;
  }

  resolveCodeLens(lens: vscode.CodeLens): vscode.CodeLens {
    if (lens instanceof RowLens) {
      lens.command = {
        title: ROW_ACTION_TITLES[lens.action],
        tooltip: ROW_ACTION_TOOLTIPS[lens.action],
        command: ROW_ACTION_COMMANDS[lens.action],
        arguments: [lens.uri, lens.line],
      };
    } else if (lens instanceof CountLens) {
      lens.command = this.countCommand(lens.document);
    }
    return lens;
  }

  private countCommand(document: vscode.TextDocument): vscode.Command {
    const summary = this.rowCount(document);
    const title = summary
      ? `Distillery: ${summary.rows.toLocaleString('en-US')} rows${summary.malformed > 0 ? `, ${summary.malformed.toLocaleString('en-US')} malformed` : ''}`
      : 'Distillery: counting rows…';
    return { title, tooltip: 'Show the dataset statistics', command: 'distillery.datasetStatistics', arguments: [document.uri] };
  }

  /**
   * The row count of this version. A small file is counted at once; a large one is not parsed
   * again on the typing path: its count comes from the diagnostics' pass (which parses every row
   * anyway, in slices, after typing pauses), or, with diagnostics off, from a scan after a pause.
   * Until then the last count shows.
   */
  private rowCount(document: vscode.TextDocument): RowCount | undefined {
    const last = this.lastCounts.get(document);
    if (textLength(document) <= EAGER_COUNT_CHARS) return this.remember(document, scanDocument(document));
    const shared = this.options.sharedCounts;
    if (shared?.available()) {
      const counted = shared.get(document);
      if (counted?.version === document.version) return this.remember(document, counted);
      return counted ?? last;
    }
    if (!last) return this.remember(document, scanDocument(document));
    clearTimeout(this.countTimer);
    const version = document.version;
    this.countTimer = setTimeout(() => {
      if (document.isClosed || document.version !== version) return;
      this.remember(document, scanDocument(document));
      this.changeEmitter.fire();
    }, COUNT_DEBOUNCE_MS);
    return last;
  }

  private remember(document: vscode.TextDocument, count: RowCount): RowCount {
    const kept = { rows: count.rows, malformed: count.malformed };
    this.lastCounts.set(document, kept);
    return kept;
  }

  private kindOf(text: string): LineKind {
    const cached = this.kindCache.get(text);
    if (cached !== undefined) return cached;
    const kind = lineKind(text);
    if (this.kindCache.size >= KIND_CACHE_LIMIT) this.kindCache.clear();
    this.kindCache.set(text, kind);
    return kind;
  }

  private onScroll(document: vscode.TextDocument): void {
    if (!isDataset(document) || document.lineCount <= UNSEEN_DOCUMENT_LINES) return;
    // Still well inside the lines that have lenses: nothing to redraw.
    const covered = this.covered.get(document);
    const slack = LENS_MARGIN_LINES / 4;
    const inside = (r: vscode.Range) =>
      covered?.some(([from, to]) => (from === 0 || r.start.line - slack >= from) && (to === document.lineCount - 1 || r.end.line + slack <= to));
    const visible = vscode.window.visibleTextEditors.filter((e) => e.document === document).flatMap((e) => e.visibleRanges);
    if (covered && visible.length > 0 && visible.every(inside)) return;
    this.fireSoon();
  }

  private fireSoon(): void {
    clearTimeout(this.scrollTimer);
    this.scrollTimer = setTimeout(() => this.changeEmitter.fire(), SCROLL_DEBOUNCE_MS);
  }

  dispose(): void {
    clearTimeout(this.scrollTimer);
    clearTimeout(this.countTimer);
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

class CountLens extends vscode.CodeLens {
  constructor(readonly document: vscode.TextDocument) {
    super(new vscode.Range(0, 0, 0, 0));
  }
}

class RowLens extends vscode.CodeLens {
  constructor(
    range: vscode.Range,
    readonly uri: vscode.Uri,
    /** 1-based, as the row commands take it. */
    readonly line: number,
    readonly action: RowAction,
  ) {
    super(range);
  }
}

function isLineVisible(document: vscode.TextDocument, line: number): boolean {
  return vscode.window.visibleTextEditors.some((e) => e.document === document && e.visibleRanges.some((r) => r.start.line <= line && line <= r.end.line));
}

/** The document's length in UTF-16 units, from its last position (no copy of the text). */
function textLength(document: vscode.TextDocument): number {
  return document.offsetAt(document.lineAt(document.lineCount - 1).range.end);
}

/** How the lenses see one line: blank, not a JSON object, or a row of some kind. */
export function lineKind(text: string): LineKind {
  const trimmed = text.trim();
  if (trimmed === '') return 'blank';
  if (!trimmed.startsWith('{')) return 'invalid';
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch {
    return 'invalid';
  }
  return detectRowKind(value);
}

/**
 * 0-based inclusive line ranges that get lenses: the visible ranges of every editor showing the
 * document, each widened by {@link LENS_MARGIN_LINES}, merged; the document's start when none shows it.
 */
export function lensWindows(document: vscode.TextDocument): Array<[number, number]> {
  const last = document.lineCount - 1;
  const visible = vscode.window.visibleTextEditors.filter((e) => e.document === document).flatMap((e) => e.visibleRanges);
  if (visible.length === 0) return [[0, Math.min(last, UNSEEN_DOCUMENT_LINES - 1)]];
  const windows = visible
    .map((r): [number, number] => [Math.max(0, r.start.line - LENS_MARGIN_LINES), Math.min(last, r.end.line + LENS_MARGIN_LINES)])
    .sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const [from, to] of windows) {
    const previous = merged.at(-1);
    if (previous && from <= previous[1] + 1) previous[1] = Math.max(previous[1], to);
    else merged.push([from, to]);
  }
  // Many split editors on one huge file: keep the total bounded.
  let budget = MAX_LENS_LINES;
  const bounded: Array<[number, number]> = [];
  for (const [from, to] of merged) {
    if (budget <= 0) break;
    const end = Math.min(to, from + budget - 1);
    bounded.push([from, end]);
    budget -= end - from + 1;
  }
  return bounded;
}

export function registerDatasetCodeLens(ctx: Ctx, sharedCounts?: SharedRowCounts): DatasetCodeLensProvider {
  const provider = ctx.register(
    new DatasetCodeLensProvider({ enabled: () => ctx.config.settings.codeLensEnabled, onDidChangeSettings: ctx.config.onDidChange, sharedCounts }),
  );
  ctx.register(vscode.languages.registerCodeLensProvider(datasetSelector, provider));
  return provider;
}
