/**
 * The rubrics Score Row grades on: those of the constitution chosen as for judging
 * (`distillery.judge.constitution`, else the one used last in this workspace), else of the
 * workspace's only constitution with rubrics, else of the one the user picks; narrowed to
 * `distillery.score.rubrics` when that names any.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { parseConstitution, type RubricData } from '../../core/constitution';
import type { Ctx } from '../ctx';
import { LAST_CONSTITUTION_KEY } from '../critique/constitutionChoice';

const CONSTITUTION_GLOB = '**/*.constitution.md';

export interface ChosenRubrics {
  readonly rubrics: readonly RubricData[];
  /** The constitution they came from, workspace-relative, for messages and the log. */
  readonly source: string;
}

async function readText(uri: vscode.Uri): Promise<string | undefined> {
  try {
    return (await vscode.workspace.openTextDocument(uri)).getText();
  } catch {
    return undefined;
  }
}

function settingUri(dataset: vscode.Uri, setting: string): vscode.Uri {
  if (path.isAbsolute(setting)) return vscode.Uri.file(setting);
  const folder = vscode.workspace.getWorkspaceFolder(dataset) ?? vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error(`distillery.judge.constitution is the relative path "${setting}", but no folder is open to resolve it against.`);
  return vscode.Uri.joinPath(folder.uri, setting);
}

/** The workspace's constitutions that have rubrics: the only one, else the user's pick (undefined when dismissed). */
async function findRubricConstitution(ctx: Ctx): Promise<vscode.Uri | undefined> {
  const found = await vscode.workspace.findFiles(CONSTITUTION_GLOB, '**/node_modules/**', 200);
  const withRubrics: vscode.Uri[] = [];
  for (const uri of found) {
    const text = await readText(uri);
    if (text !== undefined && parseConstitution(text).rubrics.length > 0) withRubrics.push(uri);
  }
  if (withRubrics.length === 0) throw new Error('No constitution in the workspace has a rubric: Score Row needs a *.constitution.md file with "## Rubric:" sections.');
  if (withRubrics.length === 1) return withRubrics[0];
  const items = withRubrics
    .map((uri) => ({ uri, label: path.basename(uri.fsPath), description: vscode.workspace.asRelativePath(uri, true) }))
    .sort((a, b) => a.description.localeCompare(b.description));
  const chosen = await vscode.window.showQuickPick(items, { title: 'Score Row: which constitution?', placeHolder: 'Answers are graded on its rubrics', ignoreFocusOut: true });
  if (chosen) await ctx.extension.workspaceState.update(LAST_CONSTITUTION_KEY, chosen.uri.toString());
  return chosen?.uri;
}

/**
 * The rubrics for `dataset`'s rows; undefined when the user dismissed the pick. A constitution
 * with errors stops the run at file:line:column; ids in `wanted` that it lacks are named.
 */
export async function chooseRubrics(ctx: Ctx, dataset: vscode.Uri, constitutionSetting: string | undefined, wanted: readonly string[]): Promise<ChosenRubrics | undefined> {
  let uri: vscode.Uri | undefined;
  if (constitutionSetting !== undefined) {
    uri = settingUri(dataset, constitutionSetting);
  } else {
    const last = ctx.extension.workspaceState.get<string>(LAST_CONSTITUTION_KEY);
    const lastUri = last ? vscode.Uri.parse(last, true) : undefined;
    const lastText = lastUri ? await readText(lastUri) : undefined;
    // The last constitution counts only when it is still there and has rubrics to grade on.
    uri = lastUri && lastText !== undefined && parseConstitution(lastText).rubrics.length > 0 ? lastUri : await findRubricConstitution(ctx);
  }
  if (!uri) return undefined;
  const label = vscode.workspace.asRelativePath(uri, false);
  const text = await readText(uri);
  if (text === undefined) throw new Error(`${constitutionSetting !== undefined ? 'distillery.judge.constitution: ' : ''}cannot read ${label}.`);
  const document = parseConstitution(text);
  const error = document.problems.find((problem) => problem.severity === 'error');
  if (error) throw new Error(`${label}:${error.range.start.line + 1}:${error.range.start.character + 1}: ${error.message}`);
  if (document.rubrics.length === 0) throw new Error(`${label} has no rubric ("## Rubric: id" with a Criterion and Score lines) to score on.`);
  if (wanted.length === 0) return { rubrics: document.rubrics, source: label };
  const missing = wanted.filter((id) => !document.rubrics.some((r) => r.id === id));
  if (missing.length > 0) {
    throw new Error(`distillery.score.rubrics: ${label} has no rubric ${missing.map((id) => `"${id}"`).join(', ')} (it has ${document.rubrics.map((r) => r.id).join(', ')}).`);
  }
  return { rubrics: wanted.map((id) => document.rubrics.find((r) => r.id === id) as RubricData), source: label };
}
