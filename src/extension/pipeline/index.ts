import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import { PipelineCodeLensProvider } from './pipelineCodeLens';
import { PipelineDiagnostics } from './pipelineDiagnostics';
import { pipelineSelector } from './pipelineDocuments';

/** The pipeline file editor: the parser's diagnostics (besides the JSON schema's) and the Run Pipeline lenses. */
export function registerPipelineEditor(ctx: Ctx): PipelineDiagnostics {
  const diagnostics = ctx.register(new PipelineDiagnostics(ctx));
  ctx.register(vscode.languages.registerCodeLensProvider(pipelineSelector, new PipelineCodeLensProvider()));
  return diagnostics;
}
