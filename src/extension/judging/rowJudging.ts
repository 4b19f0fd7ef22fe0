/**
 * Judge Row in the editor: the judge role's models compare a preference row's chosen (A) and
 * rejected (B) answers with the biases controlled (both orders, k samples), and the verdict is
 * written under the row's `distillery.judgement` in one version-checked edit (one undo step;
 * re-anchored when the row moved, refused when it was edited meanwhile). A person's
 * `distillery.human` label on the row stays. Also the override: a human label written the same way.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { isJsonObject } from '../../core/dataset/jsonValue';
import { ModelCancelledError } from '../../core/llm/errors';
import { DEFAULT_JUDGE_SETTINGS, judgePair } from '../../core/tasks/judgePair';
import { judgedRow, judgeInputOf } from '../../core/tasks/judgeRows';
import type { HumanLabel, PairVerdict, Verdict } from '../../core/tasks/judgeTypes';
import { configSection } from '../config';
import type { Ctx } from '../ctx';
import { applyRowEdit, readRow } from '../rows/rowEditor';
import { chooseJudgeCriteria } from './judgeCriteriaChoice';
import { readJudgeSettings, type JudgeEditorSettings, type JudgeSettingKey } from './judgeSettings';
import { labelledRowText } from './verdictViewModel';

/** What Judge Row did (integration tests read it; the user sees the message). */
export interface JudgeRowOutcome {
  readonly line: number;
  readonly verdict?: PairVerdict;
  /** True when the verdict is in the document. */
  readonly applied: boolean;
  readonly cancelled?: boolean;
  /** Why nothing was written: the row has no pair, a judge failed, the row was edited… */
  readonly error?: string;
  readonly message: string;
}

/** The `distillery.judge.*` settings for a dataset; ignored values are logged and shown. */
export function judgeSettingsFor(ctx: Ctx, dataset: vscode.Uri): JudgeEditorSettings {
  const section = vscode.workspace.getConfiguration(configSection, dataset);
  const { settings, problems } = readJudgeSettings((key: JudgeSettingKey) => section.get<unknown>(key));
  for (const problem of problems) {
    ctx.logger.warn(problem);
    void vscode.window.showWarningMessage(`Distillery: ${problem}`);
  }
  return settings;
}

export interface JudgeRowHooks {
  /** Called when the judges are asked (the panel shows "Judging…"). */
  readonly onStart?: () => void;
  readonly cancellation?: vscode.CancellationToken;
}

/** The verdict in words; a preference row's A and B are its chosen and rejected answers. */
function verdictWords(winner: Verdict, source: 'preference' | 'candidates'): string {
  if (winner === 'tie') return 'a tie';
  if (source === 'candidates') return `${winner} (candidate ${winner === 'A' ? 1 : 2}) is better`;
  return winner === 'A' ? 'A (chosen) is better' : 'B (rejected) is better';
}

/** Judges the row on 1-based `line` of `document` and writes its verdict. Never throws for a failed judge: the outcome says. */
export async function judgeDocumentRow(ctx: Ctx, document: vscode.TextDocument, line: number, hooks: JudgeRowHooks = {}): Promise<JudgeRowOutcome> {
  const fail = (error: string, extra: Partial<JudgeRowOutcome> = {}): JudgeRowOutcome => ({ line, applied: false, error, message: error, ...extra });
  if (line < 1 || line > document.lineCount) return fail(`line ${line} is outside the file (1..${document.lineCount})`);
  const read = readRow(document, line);
  let row: Record<string, unknown>;
  try {
    const parsed = JSON.parse(read.text) as unknown;
    if (!isJsonObject(parsed)) return fail(`line ${line}: the row is not a JSON object`);
    row = parsed as Record<string, unknown>;
  } catch (error) {
    return fail(`line ${line}: not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  let pair;
  try {
    pair = judgeInputOf(row);
  } catch (error) {
    return fail(`line ${line}: ${error instanceof Error ? error.message : String(error)}`);
  }

  // The setup fails fast, before anything is asked: no judge, then the criteria.
  const judges = await ctx.models.judges();
  const editorSettings = judgeSettingsFor(ctx, document.uri);
  const { criteria, source } = await chooseJudgeCriteria(ctx, document.uri, editorSettings.constitution, editorSettings.principles, read.text);
  // Asked afresh, as Critique & Revise is: judging a row again should not replay the cached verdict.
  const settings = { ...DEFAULT_JUDGE_SETTINGS, samples: editorSettings.samples, bothOrders: editorSettings.bothOrders, cache: 'off' as const };
  ctx.logger.info(`judge ${document.uri.toString()} line ${line}: ${judges.map((j) => `${j.profile} (${j.model})`).join(', ')}, ${settings.samples} sample(s) per order, ${settings.bothOrders ? 'both orders' : 'one order'}, criteria from ${source}`);

  const abort = new AbortController();
  const external = hooks.cancellation?.onCancellationRequested(() => abort.abort());
  hooks.onStart?.();
  let verdict: PairVerdict;
  try {
    verdict = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Distillery: judging line ${line}`, cancellable: true },
      async (progress, token) => {
        token.onCancellationRequested(() => abort.abort());
        const calls = judges.length * settings.samples * (settings.bothOrders ? 2 : 1);
        progress.report({ message: `${calls} ${calls === 1 ? 'verdict' : 'verdicts'} asked…` });
        return judgePair(pair.input, judges, criteria, settings, { signal: abort.signal });
      },
    );
  } catch (error) {
    if (abort.signal.aborted || error instanceof ModelCancelledError) return fail(`line ${line}: judging cancelled; nothing was changed`, { cancelled: true });
    const message = error instanceof Error ? error.message : String(error);
    ctx.logger.error(`judge line ${line}: ${message}`);
    return fail(`line ${line}: ${message}. Nothing was changed`);
  } finally {
    external?.dispose();
  }
  // A cancel that came as the last verdict arrived still wins: nothing is written.
  if (abort.signal.aborted) return fail(`line ${line}: judging cancelled; nothing was changed`, { cancelled: true });

  const result = await applyRowEdit(document, { line, version: read.version, expectedText: read.text, newText: JSON.stringify(judgedRow(row, verdict)) });
  if (!result.applied) return fail(`line ${line}: the verdict was not written: ${result.message}`, { verdict });
  const flags = [verdict.positionConsistent ? undefined : 'position-inconsistent', verdict.selfPreference.length > 0 ? 'self-preference risk' : undefined].filter((f) => f !== undefined);
  const message = `line ${result.line}: ${verdictWords(verdict.winner, pair.source)}, agreement ${Math.round(verdict.agreement * 100)}%${flags.length > 0 ? ` (${flags.join(', ')})` : ''}`;
  ctx.logger.info(`judge: ${message}`);
  return { line: result.line, verdict, applied: true, message };
}

/** What an override did. */
export interface LabelOutcome {
  readonly line: number;
  readonly applied: boolean;
  readonly label?: HumanLabel;
  readonly error?: string;
}

/** Writes a person's label `winner` on the row on 1-based `line` (`distillery.human`), in one undoable edit. */
export async function labelDocumentRow(document: vscode.TextDocument, line: number, winner: Verdict, now: () => Date = () => new Date()): Promise<LabelOutcome> {
  if (line < 1 || line > document.lineCount) return { line, applied: false, error: `line ${line} is outside the file (1..${document.lineCount})` };
  const read = readRow(document, line);
  const label: HumanLabel = { winner, by: 'user', time: now().toISOString() };
  let newText: string;
  try {
    judgeInputOf(JSON.parse(read.text));
    newText = labelledRowText(read.text, label);
  } catch (error) {
    return { line, applied: false, error: `line ${line}: ${error instanceof Error ? error.message : String(error)}` };
  }
  const result = await applyRowEdit(document, { line, version: read.version, expectedText: read.text, newText });
  if (!result.applied) return { line, applied: false, error: `line ${line}: the label was not written: ${result.message}` };
  return { line: result.line, applied: true, label };
}

/** "data.jsonl" for messages. */
export function fileNameOf(document: vscode.TextDocument): string {
  return path.basename(document.fileName);
}
