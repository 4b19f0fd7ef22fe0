/**
 * What Judge Row compares against: principles drawn from `distillery.judge.constitution`, else
 * from the constitution used last in this workspace (by Critique & Revise or a pick), else the
 * default question when there is none or it has no Compare questions.
 */
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { parseConstitution } from '../../core/constitution';
import { judgeCriteria } from '../../core/tasks/judgePair';
import type { JudgeCriteria } from '../../core/tasks/judgeTypes';
import type { Ctx } from '../ctx';
import { LAST_CONSTITUTION_KEY } from '../critique/constitutionChoice';


export interface ChosenCriteria {
  readonly criteria: JudgeCriteria;
  /** Where they came from, for the log. */
  readonly source: string;
}

async function readText(uri: vscode.Uri): Promise<string | undefined> {
  try {
    return (await vscode.workspace.openTextDocument(uri)).getText();
  } catch {
    return undefined;
  }
}

/**
 * The criteria for one row. `seed` draws the principles (CAI phase 2 draws afresh for each
 * comparison; the row's text keeps a row's draw stable). A constitution named by the setting
 * that cannot be read or has errors stops the run, at file:line:column.
 */
export async function chooseJudgeCriteria(ctx: Ctx, dataset: vscode.Uri, setting: string | undefined, count: number, rowText: string): Promise<ChosenCriteria> {
  let uri: vscode.Uri | undefined;
  if (setting !== undefined) {
    const folder = vscode.workspace.getWorkspaceFolder(dataset) ?? vscode.workspace.workspaceFolders?.[0];
    if (path.isAbsolute(setting)) uri = vscode.Uri.file(setting);
    else if (folder) uri = vscode.Uri.joinPath(folder.uri, setting);
    else throw new Error(`distillery.judge.constitution is the relative path "${setting}", but no folder is open to resolve it against.`);
  } else {
    const last = ctx.extension.workspaceState.get<string>(LAST_CONSTITUTION_KEY);
    uri = last ? vscode.Uri.parse(last, true) : undefined;
  }
  if (!uri) return { criteria: { kind: 'default' }, source: 'the default question (no constitution used yet)' };
  const label = vscode.workspace.asRelativePath(uri, false);
  const text = await readText(uri);
  if (text === undefined) {
    if (setting !== undefined) throw new Error(`distillery.judge.constitution: cannot read ${label}.`);
    return { criteria: { kind: 'default' }, source: 'the default question (the last constitution is gone)' };
  }
  const document = parseConstitution(text);
  const error = document.problems.find((problem) => problem.severity === 'error');
  if (error) throw new Error(`${label}:${error.range.start.line + 1}:${error.range.start.character + 1}: ${error.message}`);
  if (!document.principles.some((p) => p.compare !== undefined && p.compare.trim() !== '')) {
    if (setting !== undefined) throw new Error(`${label} has no principle with a Compare question.`);
    return { criteria: { kind: 'default' }, source: `the default question (${label} has no Compare questions)` };
  }
  const seed = createHash('sha256').update(rowText).digest('hex').slice(0, 16);
  return { criteria: judgeCriteria(document, { kind: 'principles', count, seed }), source: label };
}
