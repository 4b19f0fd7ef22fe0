/**
 * Generate in the editor: answers from the teacher models for some rows of an open dataset,
 * inserted right after each source row in one edit (one undo step). A progress notification
 * with Cancel runs while the teachers answer; the result is told in one message.
 */
import * as vscode from 'vscode';
import { ModelCancelledError } from '../../core/llm/errors';
import { generateForRow } from '../../core/tasks/generate';
import type { GenerateRowResult } from '../../core/tasks/types';
import type { Ctx } from '../ctx';
import { readRow, type RowRead } from '../rows/rowEditor';
import { generateSettingsFor } from './generateConfiguration';
import { summariseGeneration, type RowGenerationReport } from './generateSummary';
import { insertRowsAfter, type RowInsertion } from './rowInsertion';

/** Source rows generated for at once; the engine queues their model calls per profile anyway. */
const ROWS_IN_FLIGHT = 8;

/** What a Generate command returns (integration tests read it; the user sees `message`). */
export interface RowGenerationOutcome {
  readonly message: string;
  /** Rows inserted into the document. */
  readonly inserted: number;
  readonly cancelled: boolean;
  readonly rows: readonly RowGenerationReport[];
}

export interface RowGenerationOptions {
  /** A second way to cancel, besides the notification's Cancel button (used by tests and callers that own a token). */
  readonly cancellation?: vscode.CancellationToken;
}

/**
 * Generates for the rows on `lines` (1-based) of `document`. Blank lines are skipped; a line
 * that is not a JSON object is reported as failed. Returns after the rows are inserted and the
 * message is shown.
 */
export async function generateForDocumentRows(ctx: Ctx, document: vscode.TextDocument, lines: readonly number[], options: RowGenerationOptions = {}): Promise<RowGenerationOutcome> {
  const sources: Array<{ read: RowRead; value?: unknown; error?: string }> = [];
  for (const line of [...new Set(lines)].sort((a, b) => a - b)) {
    if (line < 1 || line > document.lineCount) continue;
    const read = readRow(document, line);
    if (read.text.trim() === '') continue;
    try {
      const value: unknown = JSON.parse(read.text);
      if (value === null || typeof value !== 'object' || Array.isArray(value)) sources.push({ read, error: 'not a JSON object' });
      else sources.push({ read, value });
    } catch {
      sources.push({ read, error: 'not valid JSON' });
    }
  }
  if (sources.length === 0) throw new Error('No rows to generate for: the selection holds only blank lines.');

  // Asked for answers now, the teachers answer afresh: from the cache, Generate clicked twice would
  // insert the same rows twice. (A batch uses the cache: a resumed run costs nothing.)
  const settings = { ...generateSettingsFor(ctx, document.uri), cache: 'off' as const };
  const teachers = await ctx.models.teachers();
  const first = sources[0]?.read.line ?? 0;
  const title = sources.length === 1 ? `Distillery: generating for line ${first}` : `Distillery: generating for ${sources.length} rows`;
  ctx.logger.info(
    `generate ${document.uri.toString()} lines ${sources.map((s) => s.read.line).join(',')}: ${teachers.map((t) => `${t.profile} (${t.model})`).join(', ')} × ${settings.n}`,
  );

  const abort = new AbortController();
  const external = options.cancellation?.onCancellationRequested(() => abort.abort());
  const results = new Map<number, { result?: GenerateRowResult; error?: string }>();
  try {
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title, cancellable: true },
      async (progress, token) => {
        token.onCancellationRequested(() => abort.abort());
        if (options.cancellation?.isCancellationRequested) abort.abort();
        const calls = teachers.length * settings.n;
        progress.report({ message: `${teachers.length === 1 ? '1 teacher' : `${teachers.length} teachers`} × ${settings.n} ${settings.n === 1 ? 'sample' : 'samples'}${sources.length > 1 ? `, 0 of ${sources.length} rows` : ''}…` });
        let done = 0;
        let next = 0;
        const worker = async (): Promise<void> => {
          while (next < sources.length && !abort.signal.aborted) {
            const source = sources[next++] as (typeof sources)[number];
            if (source.error !== undefined) {
              results.set(source.read.line, { error: source.error });
            } else {
              try {
                const result = await generateForRow(source.value, source.read.identity, teachers, settings, { signal: abort.signal });
                results.set(source.read.line, { result });
              } catch (error) {
                if (abort.signal.aborted || error instanceof ModelCancelledError) return;
                results.set(source.read.line, { error: error instanceof Error ? error.message : String(error) });
              }
            }
            done++;
            if (sources.length > 1) progress.report({ increment: 100 / sources.length, message: `${done} of ${sources.length} rows (${calls} calls each)…` });
          }
        };
        await Promise.all(Array.from({ length: Math.min(ROWS_IN_FLIGHT, sources.length) }, worker));
      },
    );
  } finally {
    external?.dispose();
  }

  const cancelled = abort.signal.aborted;
  // Rows finished before a cancel were paid for: they go in too.
  const finished = sources.filter((source) => results.has(source.read.line));
  const insertions: RowInsertion[] = finished.map((source) => ({
    source: source.read,
    rows: (results.get(source.read.line)?.result?.rows ?? []).map((row) => JSON.stringify(row)),
  }));
  const outcomes = await insertRowsAfter(document, insertions);
  const reports: RowGenerationReport[] = finished.map((source, index) => {
    const { result, error } = results.get(source.read.line) ?? {};
    const outcome = outcomes[index];
    const count = insertions[index]?.rows.length ?? 0;
    return {
      line: source.read.line,
      ...(result ? { result } : {}),
      ...(error !== undefined ? { error } : {}),
      inserted: outcome?.inserted ? count : 0,
      ...(outcome && !outcome.inserted && count > 0 ? { refused: outcome.message } : {}),
    };
  });
  const refusedRows = finished.flatMap((source, index) => (outcomes[index]?.inserted === false ? insertions[index]?.rows ?? [] : []));

  const summary = summariseGeneration(reports, { cancelled });
  const inserted = reports.reduce((sum, report) => sum + report.inserted, 0);
  ctx.logger.info(`generate: ${summary.message}`);
  for (const report of reports) {
    for (const error of report.result?.errors ?? []) ctx.logger.warn(`line ${report.line}: ${error.teacher} sample ${error.sample}: ${error.message}`);
  }
  void tell(ctx, summary, refusedRows);
  return { message: summary.message, inserted, cancelled, rows: reports };
}

/** Shows the summary; rows that could not be inserted can still be looked at, in a new untitled document. */
async function tell(ctx: Ctx, summary: { message: string; isError: boolean }, refusedRows: readonly string[]): Promise<void> {
  const buttons = refusedRows.length > 0 ? ['Open Generated Rows', 'Show Log'] : summary.isError ? ['Show Log'] : [];
  const show = summary.isError ? vscode.window.showErrorMessage : vscode.window.showInformationMessage;
  const choice = await show(`Distillery: ${summary.message}.`, ...buttons);
  if (choice === 'Show Log') ctx.logger.show(false);
  if (choice === 'Open Generated Rows') {
    const document = await vscode.workspace.openTextDocument({ language: 'jsonl', content: `${refusedRows.join('\n')}\n` });
    await vscode.window.showTextDocument(document);
  }
}

/** 1-based lines touched by the editor's selections (a selection ending at column 0 does not touch its last line). */
export function selectedLines(editor: vscode.TextEditor): number[] {
  const lines = new Set<number>();
  for (const selection of editor.selections) {
    const last = selection.end.line > selection.start.line && selection.end.character === 0 ? selection.end.line - 1 : selection.end.line;
    for (let line = selection.start.line; line <= last; line++) lines.add(line + 1);
  }
  return [...lines].sort((a, b) => a - b);
}
