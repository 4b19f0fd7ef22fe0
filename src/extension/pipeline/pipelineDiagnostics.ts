import * as path from 'node:path';
import * as vscode from 'vscode';
import { checkPipelineText, type PipelineProblem } from '../../core/pipeline/run/pipelineFile';
import type { Ctx } from '../ctx';
import { Disposable } from '../lifecycle';
import { isPipelineDocument } from './pipelineDocuments';

/** Quiet time after the last change before a pipeline file is checked again (it stats the files it names). */
export const PIPELINE_DEBOUNCE_MS = 300;

/**
 * A pipeline problem as an editor diagnostic. The JSON schema already marks shapes as the user
 * types; these add what only the parser knows (files that do not exist, step references, profiles,
 * `${VAR}`s without a value). A problem inside the models file is marked at the "models" string.
 */
export function toPipelineDiagnostic(document: vscode.TextDocument, problem: PipelineProblem): vscode.Diagnostic {
  const range = problem.range
    ? new vscode.Range(document.positionAt(problem.range.offset), document.positionAt(problem.range.offset + problem.range.length))
    : new vscode.Range(problem.location.line - 1, problem.location.column - 1, problem.location.line - 1, problem.location.column - 1);
  const elsewhere = problem.location.file !== document.uri.fsPath;
  const message = elsewhere
    ? `${path.basename(problem.location.file)}:${problem.location.line}:${problem.location.column}: ${problem.message}`
    : problem.message;
  const diagnostic = new vscode.Diagnostic(range, message, vscode.DiagnosticSeverity.Error);
  diagnostic.source = 'Distillery';
  if (elsewhere) {
    const position = new vscode.Position(problem.location.line - 1, problem.location.column - 1);
    diagnostic.relatedInformation = [new vscode.DiagnosticRelatedInformation(new vscode.Location(vscode.Uri.file(problem.location.file), position), problem.message)];
  }
  return diagnostic;
}

/** Keeps the 'distillery-pipeline' collection in step with open pipeline files, debounced while typing. */
export class PipelineDiagnostics extends Disposable {
  readonly collection: vscode.DiagnosticCollection;
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(private readonly ctx: Ctx) {
    super();
    this.collection = this._register(vscode.languages.createDiagnosticCollection('distillery-pipeline'));
    this._register(vscode.workspace.onDidOpenTextDocument((document) => this.schedule(document, 0)));
    this._register(vscode.workspace.onDidChangeTextDocument((event) => {
      if (event.contentChanges.length > 0) this.schedule(event.document, PIPELINE_DEBOUNCE_MS);
    }));
    // A file the pipeline names may have appeared or gone: check open pipelines again on save of anything.
    this._register(vscode.workspace.onDidSaveTextDocument(() => {
      for (const document of vscode.workspace.textDocuments) this.schedule(document, PIPELINE_DEBOUNCE_MS);
    }));
    this._register(vscode.workspace.onDidCloseTextDocument((document) => this.forget(document.uri)));
    this._register({ dispose: () => this.cancelAll() });
    for (const document of vscode.workspace.textDocuments) this.schedule(document, 0);
  }

  private schedule(document: vscode.TextDocument, delayMs: number): void {
    if (this.isDisposed || !isPipelineDocument(document)) return;
    const key = document.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(key, setTimeout(() => {
      this.timers.delete(key);
      this.check(document);
    }, delayMs));
  }

  private check(document: vscode.TextDocument): void {
    if (this.isDisposed || document.isClosed) return;
    try {
      const { problems } = checkPipelineText(document.getText(), document.uri.fsPath, process.env);
      this.collection.set(document.uri, problems.map((problem) => toPipelineDiagnostic(document, problem)));
    } catch (error) {
      this.ctx.logger.error(`pipeline diagnostics of ${document.uri.toString()} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private forget(uri: vscode.Uri): void {
    const key = uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
    this.collection.delete(uri);
  }

  private cancelAll(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}
