import * as path from 'node:path';
import * as vscode from 'vscode';
import { parseConstitution, type ConstitutionDocument } from '../../core/constitution';
import type { Ctx } from '../ctx';

/** workspaceState key of the constitution Critique & Revise used last. */
/** The workspaceState key of the constitution used last (Critique & Revise writes it; Judge reads it too). */
export const LAST_CONSTITUTION_KEY = 'distillery.critique.lastConstitution';
const CONSTITUTION_GLOB = '**/*.constitution.md';

export interface ChosenConstitution {
  readonly uri: vscode.Uri;
  /** The text as read (unsaved edits included). */
  readonly text: string;
  readonly document: ConstitutionDocument;
  /** Workspace-relative where possible, for messages and the chain's record. */
  readonly label: string;
}

function resolveSetting(setting: string): vscode.Uri {
  if (path.isAbsolute(setting)) return vscode.Uri.file(setting);
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error(`distillery.critique.constitution is the relative path "${setting}", but no folder is open to resolve it against.`);
  return vscode.Uri.joinPath(folder.uri, setting);
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  if (vscode.workspace.textDocuments.some((document) => document.uri.toString() === uri.toString())) return true;
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

/** Asks which of the workspace's constitutions to use; undefined when the user dismisses the pick. */
export async function pickConstitution(ctx: Ctx, options: { always: boolean }): Promise<vscode.Uri | undefined> {
  const found = await vscode.workspace.findFiles(CONSTITUTION_GLOB, '**/node_modules/**', 200);
  if (found.length === 0) throw new Error('No constitution in the workspace: Critique & Revise needs a *.constitution.md file with principles that have Critique and Revision requests.');
  if (found.length === 1 && !options.always) return found[0];
  const last = ctx.extension.workspaceState.get<string>(LAST_CONSTITUTION_KEY);
  const items = found
    .map((uri) => ({ uri, label: path.basename(uri.fsPath), description: vscode.workspace.asRelativePath(uri, true), picked: uri.toString() === last }))
    .sort((a, b) => Number(b.picked) - Number(a.picked) || a.description.localeCompare(b.description));
  const chosen = await vscode.window.showQuickPick(items, { title: 'Critique & Revise: which constitution?', placeHolder: 'Principles are sampled from this constitution', ignoreFocusOut: true });
  if (chosen) await ctx.extension.workspaceState.update(LAST_CONSTITUTION_KEY, chosen.uri.toString());
  return chosen?.uri;
}

/**
 * The constitution to critique with: `given` (the Try lens passes it), else the
 * `distillery.critique.constitution` setting, else the one used last in this workspace, else
 * the only one in the workspace, else the user's pick. Its errors stop the run at file:line:column.
 */
export async function chooseConstitution(ctx: Ctx, given: vscode.Uri | undefined, setting: string | undefined): Promise<ChosenConstitution | undefined> {
  let uri = given ?? (setting !== undefined ? resolveSetting(setting) : undefined);
  if (!uri) {
    const last = ctx.extension.workspaceState.get<string>(LAST_CONSTITUTION_KEY);
    const lastUri = last ? vscode.Uri.parse(last, true) : undefined;
    uri = lastUri && (await exists(lastUri)) ? lastUri : await pickConstitution(ctx, { always: false });
  }
  if (!uri) return undefined;
  let text: string;
  try {
    text = (await vscode.workspace.openTextDocument(uri)).getText();
  } catch (error) {
    throw new Error(`Cannot read the constitution ${uri.fsPath}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const label = vscode.workspace.asRelativePath(uri, false);
  const document = parseConstitution(text);
  const error = document.problems.find((problem) => problem.severity === 'error');
  if (error) throw new Error(`${label}:${error.range.start.line + 1}:${error.range.start.character + 1}: ${error.message}`);
  if (!document.principles.some((p) => p.critique !== undefined && p.revision !== undefined)) {
    throw new Error(`${label} has no principle with both a Critique and a Revision request.`);
  }
  await ctx.extension.workspaceState.update(LAST_CONSTITUTION_KEY, uri.toString());
  return { uri, text, document, label };
}
