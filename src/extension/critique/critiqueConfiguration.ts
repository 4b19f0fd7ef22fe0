/**
 * The critique settings and few-shot examples for a dataset, as the editor's Critique & Revise
 * commands read them when a run starts (the row command and the file batch alike).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { CritiqueExample } from '../../core/tasks/critiqueTypes';
import { readFewShotExamples } from '../../core/tasks/fewShot';
import { configSection } from '../config';
import type { Ctx } from '../ctx';
import { readCritiqueSettings, type CritiqueEditorSettings, type CritiqueSettingKey } from './critiqueSettings';

/** The `distillery.critique.*` settings for a dataset; ignored values are logged and shown. */
export function critiqueSettingsFor(ctx: Ctx, dataset: vscode.Uri): CritiqueEditorSettings {
  const section = vscode.workspace.getConfiguration(configSection, dataset);
  const { settings, problems } = readCritiqueSettings((key: CritiqueSettingKey) => section.get<unknown>(key));
  for (const problem of problems) {
    ctx.logger.warn(problem);
    void vscode.window.showWarningMessage(`Distillery: ${problem}`);
  }
  return settings;
}

/** The few-shot examples of `distillery.critique.fewShotFile`, relative to the dataset's workspace folder. */
export async function fewShotExamples(dataset: vscode.Uri, file: string | undefined): Promise<CritiqueExample[]> {
  if (file === undefined) return [];
  const folder = vscode.workspace.getWorkspaceFolder(dataset) ?? vscode.workspace.workspaceFolders?.[0];
  const absolute = path.isAbsolute(file) ? file : folder ? path.join(folder.uri.fsPath, file) : path.resolve(path.dirname(dataset.fsPath), file);
  return readFewShotExamples(absolute, file);
}
