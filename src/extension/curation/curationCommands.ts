/**
 * Duplicate commands: Find Duplicates (diagnostics on the active dataset's current text), Clear
 * Duplicate Findings, and Write Deduplicated Copy… (the saved file through `dedupeFile`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { isCurationField, CURATION_FIELDS, type CurationField } from '../../core/curation/curationText';
import { dedupeFile, type DedupeReport } from '../../core/curation/dedupe';
import { DEFAULT_NEAR_DUPLICATE_THRESHOLD } from '../../core/curation/nearDuplicates';
import { datasetFor, type CommandTable } from '../commandTable';
import type { Ctx } from '../ctx';
import { outputBeside } from '../generate/fileBatch';
import { findDocumentDuplicates, type DocumentDuplicates } from './documentDuplicates';
import { registerDuplicateCodeActions } from './duplicateCodeActions';
import { duplicateDiagnosticsOf } from './duplicateDiagnostics';

/** What a caller (a test, another command) may decide instead of the settings and prompts. */
export interface DuplicateRequest {
  readonly field?: CurationField;
  readonly threshold?: number;
  /** Write Deduplicated Copy: the output file (no prompt); an existing one is replaced. */
  readonly output?: vscode.Uri;
}

function requestOf(value: unknown): DuplicateRequest {
  return typeof value === 'object' && value !== null ? (value as DuplicateRequest) : {};
}

/** The threshold from the request or `distillery.duplicates.threshold`, checked. */
function thresholdOf(request: DuplicateRequest): number {
  const threshold = request.threshold ?? vscode.workspace.getConfiguration('distillery').get<number>('duplicates.threshold', DEFAULT_NEAR_DUPLICATE_THRESHOLD);
  if (typeof threshold !== 'number' || !(threshold > 0 && threshold < 1)) {
    throw new Error(`Setting distillery.duplicates.threshold must be a number between 0 and 1 (exclusive), not ${JSON.stringify(threshold)}.`);
  }
  return threshold;
}

/** The field from the request or `distillery.duplicates.field`; "ask" (or an unknown value) asks. */
async function fieldOf(request: DuplicateRequest): Promise<CurationField | undefined> {
  if (request.field !== undefined) return request.field;
  const setting = vscode.workspace.getConfiguration('distillery').get<string>('duplicates.field', 'prompt');
  if (isCurationField(setting)) return setting;
  const picked = await vscode.window.showQuickPick(
    CURATION_FIELDS.map((field) => ({ label: field, description: field === 'row' ? 'the whole row' : `each row's ${field}` })),
    { title: 'Distillery: compare which text of each row?' },
  );
  return picked?.label;
}

async function findDuplicates(ctx: Ctx, uri: unknown, request: DuplicateRequest): Promise<DocumentDuplicates | undefined> {
  const document = await datasetFor(uri);
  const field = await fieldOf(request);
  if (field === undefined) return undefined;
  const threshold = thresholdOf(request);
  const version = document.version;
  const name = path.basename(document.uri.fsPath || document.uri.path);
  const found = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Distillery: finding duplicate ${field}s in ${name}`, cancellable: true },
    async (_progress, token) => {
      const abort = new AbortController();
      const listener = token.onCancellationRequested(() => abort.abort());
      try {
        // The row check (when on) already flags rows identical to an earlier one: they are not flagged twice.
        const leaveOutIdenticalRows = ctx.config.settings.diagnosticsEnabled;
        return await findDocumentDuplicates(document.getText(), name, { field, threshold, leaveOutIdenticalRows, signal: abort.signal });
      } finally {
        listener.dispose();
      }
    },
  );
  const diagnostics = duplicateDiagnosticsOf(ctx);
  if (document.version !== version) {
    void vscode.window.showWarningMessage(`Distillery: ${name} changed while duplicates were searched; run Find Duplicates again.`);
    return undefined;
  }
  diagnostics.show(document, found.findings);
  const { report } = found;
  ctx.logger.info(`find duplicates in ${name} (${field}, threshold ${threshold}): ${report.exactDuplicates} exact, ${report.nearDuplicates} near of ${report.rows} rows`);
  const identical = found.identicalRowsLeftOut;
  const alreadyFlagged = identical === 0 ? '' : ` ${identical} of them ${identical === 1 ? 'is an identical row' : 'are identical rows'}, already flagged "Duplicate row" by the row check.`;
  const summary =
    report.removed === 0
      ? `No duplicate ${field}s in ${name} (${report.rows} rows, threshold ${threshold}).`
      : `${name}: ${report.exactDuplicates} exact and ${report.nearDuplicates} near-duplicate ${field}s in ${report.rows} rows, shown in Problems.${alreadyFlagged}`;
  void vscode.window.showInformationMessage(`Distillery: ${summary}`);
  return found;
}

/** The saved file is what dedupeFile reads: unsaved edits are saved first, after asking. */
async function saveIfDirty(document: vscode.TextDocument): Promise<boolean> {
  if (!document.isDirty) return true;
  const choice = await vscode.window.showWarningMessage(
    `${path.basename(document.uri.fsPath)} has unsaved changes. The deduplicated copy is made from the file on disk.`,
    { modal: true },
    'Save and Continue',
    'Use the Saved File',
  );
  if (choice === 'Save and Continue') return document.save();
  return choice === 'Use the Saved File';
}

async function askOutput(input: string): Promise<vscode.Uri | undefined> {
  const suggested = outputBeside(input, '.dedup.jsonl');
  const base = path.basename(suggested);
  const answer = await vscode.window.showInputBox({
    title: 'Distillery: Write Deduplicated Copy',
    prompt: `Where to write the rows of ${path.basename(input)} without their duplicates`,
    value: suggested,
    valueSelection: [suggested.length - base.length, suggested.length - '.jsonl'.length],
    validateInput: (value) => {
      const resolved = path.resolve(path.dirname(input), value.trim());
      if (!value.trim()) return 'Enter a file path.';
      if (resolved === input) return 'The output must be another file, not the input itself.';
      if (fs.existsSync(resolved) && fs.statSync(resolved).isDirectory()) return `${value.trim()} is a folder.`;
      return undefined;
    },
  });
  if (answer === undefined) return undefined;
  const output = vscode.Uri.file(path.resolve(path.dirname(input), answer.trim()));
  if (!fs.existsSync(output.fsPath)) return output;
  const replace = await vscode.window.showWarningMessage(`${path.basename(output.fsPath)} exists. Replace it?`, { modal: true }, 'Replace');
  return replace === 'Replace' ? output : undefined;
}

async function writeDeduplicatedCopy(ctx: Ctx, uri: unknown, request: DuplicateRequest): Promise<DedupeReport | undefined> {
  const document = await datasetFor(uri);
  if (document.uri.scheme !== 'file') throw new Error('Save the dataset to a file first: the deduplicated copy is made from the file on disk.');
  if (!(await saveIfDirty(document))) return undefined;
  const input = document.uri.fsPath;
  const output = request.output ?? (await askOutput(input));
  if (output === undefined) return undefined;
  if (output.fsPath === input) throw new Error('The deduplicated copy must be another file, not the input itself.');
  const field = await fieldOf(request);
  if (field === undefined) return undefined;
  const threshold = thresholdOf(request);
  const report = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Distillery: deduplicating ${path.basename(input)}`, cancellable: true },
    async (_progress, token) => {
      const abort = new AbortController();
      const listener = token.onCancellationRequested(() => abort.abort());
      try {
        return await dedupeFile(input, output.fsPath, { field, threshold, signal: abort.signal, shownInput: path.basename(input) });
      } finally {
        listener.dispose();
      }
    },
  );
  const message = `Wrote ${path.basename(output.fsPath)}: kept ${report.kept} of ${report.rows} rows, removed ${report.exactDuplicates} exact and ${report.nearDuplicates} near-duplicate ${field}s.`;
  ctx.logger.info(message);
  void vscode.window.showInformationMessage(`Distillery: ${message}`, 'Open Output').then((choice) => {
    if (choice === 'Open Output') void vscode.window.showTextDocument(output);
  });
  return report;
}

export const curationCommands: CommandTable = {
  'distillery.findDuplicates': (ctx) => {
    // Made once at activation: the findings' collection and their quick fixes live from here on.
    duplicateDiagnosticsOf(ctx);
    registerDuplicateCodeActions(ctx);
    return (uri, request) => findDuplicates(ctx, uri, requestOf(request));
  },
  'distillery.clearDuplicateFindings': (ctx) => (uri) => {
    const diagnostics = duplicateDiagnosticsOf(ctx);
    if (uri instanceof vscode.Uri) diagnostics.clear(uri);
    else diagnostics.clear();
  },
  'distillery.writeDeduplicatedCopy': (ctx) => (uri, request) => writeDeduplicatedCopy(ctx, uri, requestOf(request)),
};
