import * as vscode from 'vscode';
import type { Ctx } from './ctx';
import { datasetSelector } from './datasetModel';
import { scanDocument } from './datasetDocuments';

/**
 * A lens on a dataset's first line with its row count. The count is computed in
 * resolveCodeLens, only when the lens is on screen, so typing stays cheap.
 */
class DatasetCodeLensProvider implements vscode.CodeLensProvider {
  private readonly changeEmitter = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changeEmitter.event;

  constructor(private readonly ctx: Ctx) {
    ctx.register(this.changeEmitter);
    ctx.register(ctx.config.onDidChange(() => this.changeEmitter.fire()));
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    if (!this.ctx.config.settings.codeLensEnabled || document.lineCount === 0) return [];
    return [new DatasetLens(document, new vscode.Range(0, 0, 0, 0))];
  }

  resolveCodeLens(lens: vscode.CodeLens): vscode.CodeLens {
    if (!(lens instanceof DatasetLens)) return lens;
    const summary = scanDocument(lens.document);
    const malformed = summary.malformed > 0 ? `, ${summary.malformed} malformed` : '';
    lens.command = {
      title: `Distillery: ${summary.rows.toLocaleString('en-US')} rows${malformed}`,
      tooltip: 'Show the dataset statistics',
      command: 'distillery.datasetStatistics',
      arguments: [lens.document.uri],
    };
    return lens;
  }
}

class DatasetLens extends vscode.CodeLens {
  constructor(
    readonly document: vscode.TextDocument,
    range: vscode.Range,
  ) {
    super(range);
  }
}

export function registerDatasetCodeLens(ctx: Ctx): void {
  ctx.register(vscode.languages.registerCodeLensProvider(datasetSelector, new DatasetCodeLensProvider(ctx)));
}
