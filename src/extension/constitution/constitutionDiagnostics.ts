import * as vscode from 'vscode';
import type { ConstitutionProblem } from '../../core/constitution';
import type { Ctx } from '../ctx';
import { Disposable } from '../lifecycle';
import { isConstitution, parsedConstitution, toRange } from './constitutionModel';

/** Quiet time after the last change before a constitution is checked again. */
export const CONSTITUTION_DEBOUNCE_MS = 200;

/** A parser problem as an editor diagnostic: source Distillery, code = the problem's code. */
export function toDiagnostic(uri: vscode.Uri, problem: ConstitutionProblem): vscode.Diagnostic {
  const severity = problem.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning;
  const diagnostic = new vscode.Diagnostic(toRange(problem.range), problem.message, severity);
  diagnostic.source = 'Distillery';
  diagnostic.code = problem.code;
  if (problem.related && problem.related.length > 0) {
    diagnostic.relatedInformation = problem.related.map((r) => new vscode.DiagnosticRelatedInformation(new vscode.Location(uri, toRange(r.range)), r.message));
  }
  return diagnostic;
}

/** Keeps the 'distillery-constitution' collection in step with open constitutions, debounced while typing. */
export class ConstitutionDiagnostics extends Disposable {
  readonly collection: vscode.DiagnosticCollection;
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(private readonly ctx: Ctx) {
    super();
    this.collection = this._register(vscode.languages.createDiagnosticCollection('distillery-constitution'));
    this._register(vscode.workspace.onDidOpenTextDocument((d) => this.schedule(d, 0)));
    this._register(vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.contentChanges.length > 0) this.schedule(e.document, CONSTITUTION_DEBOUNCE_MS);
    }));
    this._register(vscode.workspace.onDidCloseTextDocument((d) => this.forget(d.uri)));
    this._register({ dispose: () => this.cancelAll() });
    for (const document of vscode.workspace.textDocuments) this.schedule(document, 0);
  }

  private schedule(document: vscode.TextDocument, delayMs: number): void {
    if (this.isDisposed || !isConstitution(document)) return;
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
      const { problems } = parsedConstitution(document);
      this.collection.set(document.uri, problems.map((p) => toDiagnostic(document.uri, p)));
    } catch (error) {
      this.ctx.logger.error(`constitution diagnostics of ${document.uri.toString()} failed: ${error instanceof Error ? error.message : String(error)}`);
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
