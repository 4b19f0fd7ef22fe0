import * as path from 'node:path';
import * as vscode from 'vscode';
import type { GenerateSettings } from '../../core/tasks/types';
import { configSection } from '../config';
import type { Ctx } from '../ctx';
import { readGenerateSettings, type GenerateSettingKey } from './generateSettings';

/**
 * The generation settings for a dataset, read when a run starts (a run keeps the settings it
 * started with). The verifier runs in the dataset's workspace folder. Ignored values are logged
 * and shown once per run, never thrown.
 */
export function generateSettingsFor(ctx: Ctx, dataset: vscode.Uri): GenerateSettings {
  const section = vscode.workspace.getConfiguration(configSection, dataset);
  const folder = vscode.workspace.getWorkspaceFolder(dataset);
  const cwd = folder?.uri.scheme === 'file' ? folder.uri.fsPath : dataset.scheme === 'file' ? path.dirname(dataset.fsPath) : undefined;
  const { settings, problems } = readGenerateSettings((key: GenerateSettingKey) => {
    // The verifier runs a program: a repository opened untrusted must not choose it. VS Code
    // withholds restricted workspace values already; reading only the user's value makes that
    // independent of how `get` merges scopes.
    if (key === 'generate.verifier' && !vscode.workspace.isTrusted) return section.inspect<unknown>(key)?.globalValue;
    return section.get<unknown>(key);
  }, cwd);
  for (const problem of problems) {
    ctx.logger.warn(problem);
    void vscode.window.showWarningMessage(`Distillery: ${problem}`);
  }
  return settings;
}
