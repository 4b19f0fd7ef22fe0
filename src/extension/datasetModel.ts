import { isUtf8 } from 'node:buffer';
import * as vscode from 'vscode';
import { JsonlBuffer } from '../core/dataset/jsonlBuffer';
import { LONG_LINE_BYTES, parseRow, type JsonlRow } from '../core/dataset/rowParser';
import { detectRowKind, dominantKind, type KindSummary, type RowKind } from '../core/dataset/rowKinds';

/** Files Distillery treats as datasets. */
export const datasetSelector: vscode.DocumentSelector = [{ language: 'jsonl' }, { pattern: '**/*.jsonl' }];

export function isDataset(document: vscode.TextDocument): boolean {
  return vscode.languages.match(datasetSelector, document) > 0;
}

/** Rows of one version of a dataset document, by 1-based line. */
export interface DatasetRows {
  readonly version: number;
  readonly lineCount: number;
  row(line: number): JsonlRow | undefined;
  /** The row's text as it is in the document (no line terminator). */
  rowText(row: JsonlRow): string;
  /** The nearest object row at or around 1-based `line`, searching `direction` first. */
  nearestObjectRow(line: number, direction?: 1 | -1): JsonlRow | undefined;
}

/** The nearest object row at or around `line`, in `direction` first, then the other way. */
function nearestObjectRow(rows: DatasetRows, line: number, direction: 1 | -1): JsonlRow | undefined {
  for (const step of [direction, -direction]) {
    for (let at = line; at >= 1 && at <= rows.lineCount; at += step) {
      const row = rows.row(at);
      if (row?.kind === 'object') return row;
    }
  }
  return undefined;
}

/**
 * Rows read one at a time from the editor's own lines, for features that look at a few rows (the
 * row preview): nothing is copied of the rest of the document, so an edit of a large file costs
 * nothing until a row is asked for. Valid for one document version; byte offsets in its rows are
 * relative to their line.
 */
export class DocumentRows implements DatasetRows {
  readonly version: number;
  private readonly cache = new Map<number, JsonlRow>();

  constructor(readonly document: vscode.TextDocument) {
    this.version = document.version;
  }

  get lineCount(): number {
    return this.document.lineCount;
  }

  row(line: number): JsonlRow | undefined {
    if (line < 1 || line > this.document.lineCount) return undefined;
    let row = this.cache.get(line);
    if (!row) {
      const bytes = Buffer.from(this.document.lineAt(line - 1).text, 'utf8');
      // Every line but the editor's last had a line break after it.
      row = parseRow(bytes, 0, bytes.length, line < this.document.lineCount, line, 0, isUtf8(bytes), LONG_LINE_BYTES);
      this.cache.set(line, row);
    }
    return row;
  }

  rowText(row: JsonlRow): string {
    return this.document.lineAt(row.line - 1).text;
  }

  nearestObjectRow(line: number, direction: 1 | -1 = 1): JsonlRow | undefined {
    return nearestObjectRow(this, line, direction);
  }
}

/**
 * One version of an open dataset document, read once and shared by the CodeLenses, the
 * diagnostics, the row preview and the statistics. The line index is built eagerly (cheap:
 * one pass of indexOf); rows and their kinds are parsed only when someone asks, and kept.
 *
 * Lines here are 1-based, as in the core; VS Code positions are 0-based (`line - 1`).
 */
export class DatasetSnapshot implements DatasetRows {
  readonly version: number;
  readonly data: JsonlBuffer;
  private readonly rowCache = new Map<number, JsonlRow>();
  private readonly kindCache = new Map<number, RowKind>();
  private summary: KindSummary | undefined;

  constructor(readonly document: vscode.TextDocument) {
    this.version = document.version;
    this.data = new JsonlBuffer(Buffer.from(document.getText(), 'utf8'));
  }

  /** True while the document has not changed since this snapshot was taken. */
  get isCurrent(): boolean {
    return !this.document.isClosed && this.document.version === this.version;
  }

  get lineCount(): number {
    return this.data.lineCount;
  }

  /** The row on 1-based `line`, or undefined past the end. */
  row(line: number): JsonlRow | undefined {
    if (line < 1 || line > this.data.lineCount) return undefined;
    let row = this.rowCache.get(line);
    if (!row) {
      row = this.data.row(line);
      this.rowCache.set(line, row);
    }
    return row;
  }

  /** The row's text as it is in the document (no line terminator). */
  rowText(row: JsonlRow): string {
    return this.data.rowText(row);
  }

  /** The kind of the row on `line`; undefined for blank and malformed lines. */
  kindAt(line: number): RowKind | undefined {
    const cached = this.kindCache.get(line);
    if (cached) return cached;
    const row = this.row(line);
    if (row?.kind !== 'object') return undefined;
    const kind = detectRowKind(row.value);
    this.kindCache.set(line, kind);
    return kind;
  }

  /** The file's dominant kind and the count of each; parses every row once, on first use. */
  kinds(): KindSummary {
    this.summary ??= dominantKind(this.objectRowKinds());
    return this.summary;
  }

  private *objectRowKinds(): Generator<RowKind> {
    for (let line = 1; line <= this.lineCount; line++) {
      const kind = this.kindAt(line);
      if (kind) yield kind;
    }
  }

  nearestObjectRow(line: number, direction: 1 | -1 = 1): JsonlRow | undefined {
    return nearestObjectRow(this, line, direction);
  }
}

/** Hands out the snapshot of a document's current version, making it at most once per version. */
export class DatasetModel implements vscode.Disposable {
  private readonly snapshots = new Map<string, DatasetSnapshot>();
  private readonly documentRows = new Map<string, DocumentRows>();
  private readonly listener: vscode.Disposable;

  constructor() {
    this.listener = vscode.workspace.onDidCloseTextDocument((document) => {
      this.snapshots.delete(document.uri.toString());
      this.documentRows.delete(document.uri.toString());
    });
  }

  /** Rows of the document's current version read line by line (cheap for a few rows). */
  rows(document: vscode.TextDocument): DocumentRows {
    const key = document.uri.toString();
    const cached = this.documentRows.get(key);
    if (cached && cached.document === document && cached.version === document.version) return cached;
    const rows = new DocumentRows(document);
    this.documentRows.set(key, rows);
    return rows;
  }

  snapshot(document: vscode.TextDocument): DatasetSnapshot {
    const key = document.uri.toString();
    const cached = this.snapshots.get(key);
    if (cached && cached.document === document && cached.version === document.version) return cached;
    const snapshot = new DatasetSnapshot(document);
    this.snapshots.set(key, snapshot);
    return snapshot;
  }

  dispose(): void {
    this.listener.dispose();
    this.snapshots.clear();
    this.documentRows.clear();
  }
}
