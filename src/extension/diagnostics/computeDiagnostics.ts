import * as vscode from 'vscode';
import { createScanner, findNodeAtLocation, parseTree, type JSONPath, type Node as JsonNode } from 'jsonc-parser';
import { canonicalJson } from '../../core/dataset/rowIdentity';
import { JsonlBuffer } from '../../core/dataset/jsonlBuffer';
import type { JsonObject } from '../../core/dataset/jsonValue';
import { LONG_LINE_BYTES, type JsonlRow } from '../../core/dataset/rowParser';
import { detectRowKind, dominantKind, ROW_KINDS, type RowKind } from '../../core/dataset/rowKinds';
import { validateRow, type IssueSeverity, type RowIssue } from '../../core/dataset/validateRow';
import { valueFingerprint } from './duplicateKey';

/** Shown as the diagnostics' source, and how the code actions recognise their own diagnostics. */
export const DIAGNOSTIC_SOURCE = 'Distillery';

/** Codes of the findings that do not come from the core's row validation. */
export const DUPLICATE_ROW_CODE = 'duplicate-row';

/** Rows between two looks at the clock; a yield follows once {@link SLICE_MS} have passed. */
const CHUNK_ROWS = 32;
/** Longest stretch of work before giving the extension host back to typing, other providers, RPC. */
const SLICE_MS = 5;

export interface DiagnosticsResult {
  readonly diagnostics: vscode.Diagnostic[];
  /** Lines holding a JSON object, and lines that are not one (blank lines aside): as `scanJsonl` counts them. */
  readonly rows: number;
  readonly malformed: number;
  readonly dominantKind: RowKind;
}

/** Why a computation stopped early: the document moved on, or the caller lost interest. */
export interface ComputeGuard {
  /** True while the result is still wanted. */
  readonly wanted: () => boolean;
}

/** The document as it is being checked: `wanted` turns false as soon as it changes. */
export interface CheckedDocument {
  readonly uri: vscode.Uri;
  readonly lineCount: number;
  /** The text of 0-based `line`, without its terminator. */
  lineText(line: number): string;
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

type LineRow = { readonly kind: 'object'; readonly value: JsonObject } | { readonly kind: 'blank' } | (JsonlRow & { kind: 'invalid' });

/**
 * One line as the core's tolerant parser reads it. The common case (a line that starts with
 * '{' and parses) is one JSON.parse of the editor's own line string; anything else goes through
 * the core's row parser, for its exact problem and column.
 */
function parseLine(text: string): LineRow {
  if (text.charCodeAt(0) === 0x7b) {
    try {
      return { kind: 'object', value: JSON.parse(text) as JsonObject };
    } catch {
      // fall through: the core says what is wrong, and where
    }
  }
  if (text.length === 0) return { kind: 'blank' };
  const row = new JsonlBuffer(Buffer.from(text, 'utf8')).row(1);
  return row.kind === 'invalid' ? row : row.kind === 'object' ? { kind: 'object', value: row.value } : { kind: 'blank' };
}

/**
 * Every Distillery diagnostic of one document version: malformed rows, schema problems (with
 * the file's dominant kind, so that rows of another kind are flagged) and exact duplicates.
 *
 * It reads the editor's own line strings (no copy of the whole text), keeps no parsed row beyond
 * its line, and works in slices of a few milliseconds with a yield between them, returning
 * undefined as soon as `guard` says the result is no longer wanted (a newer version arrived,
 * the document closed, diagnostics were turned off).
 *
 * Pass 1 checks each row against its own kind; pass 2 re-checks only the rows whose kind
 * differs from the file's dominant kind (known only at the end of pass 1) against it.
 */
export async function computeDiagnostics(document: CheckedDocument, guard: ComputeGuard): Promise<DiagnosticsResult | undefined> {
  const uri = document.uri;
  const diagnostics: vscode.Diagnostic[] = [];
  /** Schema diagnostics and their line: pass 2 may replace them. */
  const schemaLines = new Map<vscode.Diagnostic, number>();
  // Duplicates: rows are bucketed by a cheap fingerprint, and only rows that share one are
  // compared by their canonical JSON (the core's row identity), so a 100k-row file costs one walk per row.
  const firstByFingerprint = new Map<number, number>();
  const firstByCanonical = new Map<string, number>();
  const compared = new Set<number>();
  const kindIndex = new Map<RowKind, number>(ROW_KINDS.map((k, i) => [k, i]));
  const lineKinds = new Uint8Array(document.lineCount).fill(NO_ROW);
  const kinds: RowKind[] = [];
  let malformed = 0;
  let sliceStart = performance.now();

  const pause = async (): Promise<boolean> => {
    if (performance.now() - sliceStart < SLICE_MS) return guard.wanted();
    await yieldToEventLoop();
    sliceStart = performance.now();
    return guard.wanted();
  };
  const valueAt = (line: number): JsonObject | undefined => {
    const row = parseLine(document.lineText(line));
    return row.kind === 'object' ? row.value : undefined;
  };

  for (let line = 0; line < document.lineCount; line++) {
    if (line % CHUNK_ROWS === 0 && !(await pause())) return undefined;
    const text = document.lineText(line);
    const row = parseLine(text);
    if (row.kind === 'invalid') {
      malformed++;
      const diagnostic = malformedDiagnostic(text, line, row);
      // A last line with no newline after it (the editor's last line is then not empty).
      if (line === document.lineCount - 1) diagnostic.message += ' (the last line has no newline: it may have been cut off while being written)';
      diagnostics.push(diagnostic);
      continue;
    }
    // Cheap length test first: a UTF-16 unit is at most 3 bytes of UTF-8.
    if (text.length * 3 > LONG_LINE_BYTES && Buffer.byteLength(text, 'utf8') > LONG_LINE_BYTES) {
      const megabytes = (Buffer.byteLength(text, 'utf8') / (1024 * 1024)).toFixed(1);
      diagnostics.push(
        make(new vscode.Range(line, 0, line, 1), `This row is ${megabytes} MB long: many tools (and editors) struggle with lines over 1 MB`, vscode.DiagnosticSeverity.Warning, 'long-line'),
      );
    }
    if (row.kind !== 'object') continue;
    const kind = detectRowKind(row.value);
    kinds.push(kind);
    lineKinds[line] = kindIndex.get(kind) ?? NO_ROW;
    const issues = validateRow(row.value);
    if (issues.length > 0) {
      const tree = parseTree(text, [], { disallowComments: true });
      for (const issue of issues) {
        const diagnostic = issueDiagnostic(text, tree, line, issue);
        schemaLines.set(diagnostic, line);
        diagnostics.push(diagnostic);
      }
    }

    const fingerprint = valueFingerprint(row.value);
    const bucketFirst = firstByFingerprint.get(fingerprint);
    if (bucketFirst === undefined) {
      firstByFingerprint.set(fingerprint, line);
      continue;
    }
    if (!compared.has(fingerprint)) {
      compared.add(fingerprint);
      const firstValue = valueAt(bucketFirst);
      if (firstValue) firstByCanonical.set(canonicalJson(firstValue), bucketFirst);
    }
    const canonical = canonicalJson(row.value);
    const first = firstByCanonical.get(canonical);
    if (first === undefined) firstByCanonical.set(canonical, line);
    else diagnostics.push(duplicateDiagnostic(uri, text, line, document.lineText(first), first));
  }
  firstByFingerprint.clear();
  firstByCanonical.clear();

  // Pass 2: the rows of another kind than the file's, checked again knowing the file's kind.
  const fileKind = dominantKind(kinds).kind;
  const fileKindIndex = kindIndex.get(fileKind) ?? NO_ROW;
  const recheck = new Set<number>();
  if (fileKind !== 'unknown') {
    for (let line = 0; line < lineKinds.length; line++) {
      if (lineKinds[line] !== NO_ROW && lineKinds[line] !== fileKindIndex) recheck.add(line);
    }
  }
  const kept = recheck.size === 0 ? diagnostics : diagnostics.filter((d) => !recheck.has(schemaLines.get(d) ?? -1));
  let done = 0;
  for (const line of recheck) {
    if (++done % CHUNK_ROWS === 0 && !(await pause())) return undefined;
    const text = document.lineText(line);
    const value = valueAt(line);
    if (!value) continue;
    const issues = validateRow(value, fileKind);
    if (issues.length === 0) continue;
    const tree = parseTree(text, [], { disallowComments: true });
    for (const issue of issues) kept.push(issueDiagnostic(text, tree, line, issue));
  }
  if (!guard.wanted()) return undefined;
  kept.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
  return { diagnostics: kept, rows: kinds.length, malformed, dominantKind: fileKind };
}

/** Marks a line that holds no object row in the per-line kind array. */
const NO_ROW = 255;

/** Adapts an open document; `lineAt` is O(1) on the editor's line array. */
export function checkedDocument(document: vscode.TextDocument): CheckedDocument {
  return { uri: document.uri, lineCount: document.lineCount, lineText: (line) => document.lineAt(line).text };
}

const SEVERITY: Readonly<Record<IssueSeverity, vscode.DiagnosticSeverity>> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  information: vscode.DiagnosticSeverity.Information,
};

function make(range: vscode.Range, message: string, severity: vscode.DiagnosticSeverity, code: string): vscode.Diagnostic {
  const diagnostic = new vscode.Diagnostic(range, message, severity);
  diagnostic.source = DIAGNOSTIC_SOURCE;
  diagnostic.code = code;
  return diagnostic;
}

/** A malformed row: from the problem's column to the end of the token there (or the line). */
function malformedDiagnostic(text: string, line: number, row: JsonlRow & { kind: 'invalid' }): vscode.Diagnostic {
  const { problem } = row;
  const start = Math.min(problem.column - 1, text.length);
  let end = tokenEnd(text, start);
  let from = start;
  if (end === from) {
    // Nothing left on the line (a truncated row): mark its last character, so that the squiggle shows.
    if (from > 0) from--;
    else end = text.length;
  }
  return make(new vscode.Range(line, from, line, Math.max(end, from)), `Malformed row: ${problem.message}`, vscode.DiagnosticSeverity.Error, problem.code);
}

/** End (UTF-16 offset) of the JSON token at `offset`: a string, a number, a word; one character for anything else. */
function tokenEnd(text: string, offset: number): number {
  if (offset >= text.length) return text.length;
  const scanner = createScanner(text, false);
  scanner.setPosition(offset);
  scanner.scan();
  const end = scanner.getTokenOffset() + scanner.getTokenLength();
  return Math.min(Math.max(end, offset + 1), text.length);
}

/** `line` and `firstLine` are 0-based. */
function duplicateDiagnostic(uri: vscode.Uri, text: string, line: number, firstText: string, firstLine: number): vscode.Diagnostic {
  const sameText = text === firstText;
  const message = sameText
    ? `Duplicate row: identical to line ${firstLine + 1}`
    : `Duplicate row: the same JSON as line ${firstLine + 1} (key order or spacing differ)`;
  const diagnostic = make(new vscode.Range(line, 0, line, text.length), message, vscode.DiagnosticSeverity.Information, DUPLICATE_ROW_CODE);
  diagnostic.relatedInformation = [
    new vscode.DiagnosticRelatedInformation(new vscode.Location(uri, new vscode.Range(firstLine, 0, firstLine, firstText.length)), 'first occurrence'),
  ];
  return diagnostic;
}

/** `line` is 0-based. */
function issueDiagnostic(text: string, tree: JsonNode | undefined, line: number, issue: RowIssue): vscode.Diagnostic {
  const [start, end] = rangeOfPath(text, tree, issue.path);
  return make(new vscode.Range(line, start, line, end), issue.message, SEVERITY[issue.severity], issue.code);
}

/**
 * The [start, end) offsets of the node at `path` in the row's text; for a path that does not
 * exist (a missing field), its nearest existing ancestor; for the row itself, the whole row.
 */
export function rangeOfPath(text: string, tree: JsonNode | undefined, path: readonly (string | number)[]): [number, number] {
  if (tree) {
    for (let length = path.length; length > 0; length--) {
      const node = findNodeAtLocation(tree, path.slice(0, length) as JSONPath);
      if (node) return [node.offset, node.offset + node.length];
    }
  }
  const indent = text.length - text.trimStart().length;
  return [indent, text.trimEnd().length];
}
