import * as vscode from 'vscode';
import { shareGptToMessages } from '../../core/dataset/convert';
import { isRecord } from '../../core/dataset/jsonValue';
import { DISTILLERY_KEY, stripDistilleryMetadata } from '../../core/dataset/rowEdit';
import { rowIdentity } from '../../core/dataset/rowIdentity';
import type { RowKind } from '../../core/dataset/rowKinds';
import { rowFixes, type RowFix, type RowFixId } from '../../core/dataset/validateRow';
import type { Ctx } from '../ctx';
import { datasetSelector } from '../datasetModel';
import { DIAGNOSTIC_SOURCE, DUPLICATE_ROW_CODE } from './computeDiagnostics';

/** Rows of a selection that get their own fixes; a larger selection gets none (they would flood the menu). */
const MAX_SELECTED_ROWS = 20;

type FileWideFix = Extract<RowFixId, 'convert-sharegpt-to-messages' | 'strip-distillery-metadata'>;

const FILE_WIDE_TITLES: Readonly<Record<FileWideFix, string>> = {
  'convert-sharegpt-to-messages': 'Convert every ShareGPT row in this file to messages',
  'strip-distillery-metadata': 'Remove Distillery metadata from every row in this file',
};

/** A fix over the whole file: its edit is computed only when the user picks it. */
class FileWideAction extends vscode.CodeAction {
  constructor(
    readonly document: vscode.TextDocument,
    readonly fix: FileWideFix,
  ) {
    super(FILE_WIDE_TITLES[fix], vscode.CodeActionKind.QuickFix);
  }
}

/**
 * Quick fixes on dataset rows, offered only where the result is unambiguous: removing an exact
 * duplicate, converting a ShareGPT row to messages (when lossless), removing Distillery's
 * metadata. Each edit replaces one row's text (or deletes one line); the file-wide variants
 * replace each affected row's text and nothing between them.
 */
export class RowCodeActionProvider implements vscode.CodeActionProvider<vscode.CodeAction> {
  static readonly metadata: vscode.CodeActionProviderMetadata = { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] };

  constructor(private readonly fileKind: (uri: vscode.Uri) => RowKind | undefined) {}

  provideCodeActions(document: vscode.TextDocument, range: vscode.Range | vscode.Selection, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const actions: vscode.CodeAction[] = [];
    const ours = context.diagnostics.filter((d) => d.source === DIAGNOSTIC_SOURCE);
    for (const diagnostic of ours) {
      if (diagnostic.code === DUPLICATE_ROW_CODE) {
        const action = removeDuplicateAction(document, diagnostic);
        if (action) actions.push(action);
      }
    }
    if (range.end.line - range.start.line >= MAX_SELECTED_ROWS) return actions;
    const fileKind = this.fileKind(document.uri);
    const fileWide = new Set<FileWideFix>();
    for (let line = range.start.line; line <= range.end.line && line < document.lineCount; line++) {
      const text = document.lineAt(line).text;
      const value = parseObject(text);
      if (!value) continue;
      for (const fix of rowFixes(value, fileKind)) {
        const newText = fixedText(text, fix);
        if (newText === undefined || newText === text) continue;
        const action = new vscode.CodeAction(fix.title, vscode.CodeActionKind.QuickFix);
        action.edit = replaceLine(document, line, newText);
        action.isPreferred = fix.preferred;
        action.diagnostics = ours.filter((d) => d.range.start.line === line && d.code === 'kind-mismatch');
        actions.push(action);
        if (fix.id !== 'convert-messages-to-sharegpt') fileWide.add(fix.id);
      }
    }
    for (const fix of fileWide) actions.push(new FileWideAction(document, fix));
    return actions;
  }

  resolveCodeAction(action: vscode.CodeAction): vscode.CodeAction {
    if (!(action instanceof FileWideAction) || action.edit) return action;
    const { document, fix } = action;
    const edit = new vscode.WorkspaceEdit();
    let rows = 0;
    for (let line = 0; line < document.lineCount; line++) {
      const text = document.lineAt(line).text;
      const newText = fileWideText(text, fix);
      if (newText === undefined || newText === text) continue;
      edit.replace(document.uri, new vscode.Range(line, 0, line, text.length), newText);
      rows++;
    }
    action.edit = edit;
    action.title = `${FILE_WIDE_TITLES[fix]} (${rows.toLocaleString('en-US')} row${rows === 1 ? '' : 's'})`;
    return action;
  }
}

function parseObject(text: string): Record<string, unknown> | undefined {
  if (!text.trimStart().startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return isRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The row's text after `fix`: metadata is removed in place (the row keeps its formatting); a conversion rewrites the row. */
function fixedText(text: string, fix: RowFix): string | undefined {
  if (fix.id === 'strip-distillery-metadata') return stripDistilleryMetadata(text);
  return JSON.stringify(fix.value);
}

function fileWideText(text: string, fix: FileWideFix): string | undefined {
  if (fix === 'strip-distillery-metadata') {
    if (!text.includes(`"${DISTILLERY_KEY}"`)) return undefined;
    const value = parseObject(text);
    return value && Object.hasOwn(value, DISTILLERY_KEY) ? stripDistilleryMetadata(text) : undefined;
  }
  if (!text.includes('"conversations"')) return undefined;
  const value = parseObject(text);
  if (!value || !Object.hasOwn(value, 'conversations')) return undefined;
  const converted = shareGptToMessages(value);
  return converted.ok ? JSON.stringify(converted.value) : undefined;
}

function replaceLine(document: vscode.TextDocument, line: number, newText: string): vscode.WorkspaceEdit {
  const edit = new vscode.WorkspaceEdit();
  edit.replace(document.uri, new vscode.Range(line, 0, line, document.lineAt(line).text.length), newText);
  return edit;
}

/**
 * Deletes the duplicate's line with its terminator, but only after checking that the line and
 * the first occurrence the diagnostic names still hold the same row (diagnostics lag edits).
 */
function removeDuplicateAction(document: vscode.TextDocument, diagnostic: vscode.Diagnostic): vscode.CodeAction | undefined {
  const line = diagnostic.range.start.line;
  const firstLine = diagnostic.relatedInformation?.[0]?.location.range.start.line;
  if (firstLine === undefined || firstLine === line || line >= document.lineCount || firstLine >= document.lineCount) return undefined;
  const text = document.lineAt(line).text;
  if (text.trim() === '' || rowIdentity(text) !== rowIdentity(document.lineAt(firstLine).text)) return undefined;
  const edit = new vscode.WorkspaceEdit();
  edit.delete(document.uri, wholeLine(document, line));
  const action = new vscode.CodeAction(`Remove this duplicate row (same as line ${firstLine + 1})`, vscode.CodeActionKind.QuickFix);
  action.edit = edit;
  action.diagnostics = [diagnostic];
  action.isPreferred = true;
  return action;
}

/** The line and its terminator; for a last line without one, the terminator before it instead. */
export function wholeLine(document: vscode.TextDocument, line: number): vscode.Range {
  if (line + 1 < document.lineCount) return new vscode.Range(line, 0, line + 1, 0);
  if (line === 0) return document.lineAt(0).range;
  return new vscode.Range(line - 1, document.lineAt(line - 1).text.length, line, document.lineAt(line).text.length);
}

export function registerRowCodeActions(ctx: Ctx, fileKind: (uri: vscode.Uri) => RowKind | undefined): void {
  ctx.register(vscode.languages.registerCodeActionsProvider(datasetSelector, new RowCodeActionProvider(fileKind), RowCodeActionProvider.metadata));
}
