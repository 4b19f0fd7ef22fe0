import * as vscode from 'vscode';
import { isPipelineDocument } from './pipelineDocuments';

export const RUN_LENS_TITLE = '$(play) Run Pipeline';
export const DRY_RUN_LENS_TITLE = 'Dry Run';

/** At the top of a pipeline file: "Run Pipeline · Dry Run". */
export class PipelineCodeLensProvider implements vscode.CodeLensProvider {
  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    if (!isPipelineDocument(document)) return [];
    const top = new vscode.Range(0, 0, 0, 0);
    return [
      new vscode.CodeLens(top, { title: RUN_LENS_TITLE, tooltip: 'Run this pipeline (saved first); finished steps are skipped', command: 'distillery.runPipeline', arguments: [document.uri] }),
      new vscode.CodeLens(top, { title: DRY_RUN_LENS_TITLE, tooltip: 'Estimate the requests, tokens and cost of what is left to run; nothing is sent', command: 'distillery.dryRunPipeline', arguments: [document.uri] }),
    ];
  }
}
