/**
 * Score Row in the editor: the first judge model grades a row's answer (a preference row's chosen
 * and rejected answers) 1–5 on each rubric of the chosen constitution, with a rationale; the
 * grades are written under the row's `distillery.score` (and a pair's `rejectedScore` and
 * `rewardMargin`) in one version-checked edit (one undo
 * step; re-anchored when the row moved, refused when it was edited meanwhile).
 */
import * as vscode from 'vscode';
import { ModelCancelledError } from '../../core/llm/errors';
import { scoreAnswer } from '../../core/tasks/rubricScore';
import { configSection } from '../config';
import type { Ctx } from '../ctx';
import { judgeSettingsFor } from '../judging/rowJudging';
import { applyRowEdit, readRow } from '../rows/rowEditor';
import { chooseRubrics } from './rubricChoice';
import { readScoreSettings } from './scoreSettings';
import { rewardWords, scoredRowText, scoreTargetOf, type RowScores } from './scoredRow';

/** What Score Row did (integration tests read it; the user sees the message). */
export interface ScoreRowOutcome {
  readonly line: number;
  readonly grades?: RowScores;
  /** True when the score is in the document. */
  readonly applied: boolean;
  readonly cancelled?: boolean;
  /** Why nothing was written. */
  readonly error?: string;
  readonly message: string;
}

export interface ScoreRowHooks {
  /** Called when the judge is asked (the verdict view shows "Scoring…" with Cancel). */
  readonly onStart?: () => void;
  readonly cancellation?: vscode.CancellationToken;
}

/** The rubric ids of `distillery.score.rubrics`; ignored values are logged and shown. */
function wantedRubrics(ctx: Ctx, dataset: vscode.Uri): readonly string[] {
  const section = vscode.workspace.getConfiguration(configSection, dataset);
  const { settings, problems } = readScoreSettings((key) => section.get<unknown>(key));
  for (const problem of problems) {
    ctx.logger.warn(problem);
    void vscode.window.showWarningMessage(`Distillery: ${problem}`);
  }
  return settings.rubrics;
}

/** Scores the row on 1-based `line` of `document` and writes the grades. Never throws for a failed judge: the outcome says. */
export async function scoreDocumentRow(ctx: Ctx, document: vscode.TextDocument, line: number, hooks: ScoreRowHooks = {}): Promise<ScoreRowOutcome> {
  const fail = (error: string, extra: Partial<ScoreRowOutcome> = {}): ScoreRowOutcome => ({ line, applied: false, error, message: error, ...extra });
  if (line < 1 || line > document.lineCount) return fail(`line ${line} is outside the file (1..${document.lineCount})`);
  const read = readRow(document, line);
  let target;
  try {
    target = scoreTargetOf(JSON.parse(read.text));
  } catch (error) {
    const message = error instanceof SyntaxError ? `not valid JSON (${error.message})` : error instanceof Error ? error.message : String(error);
    return fail(`line ${line}: ${message}`);
  }

  // The setup fails fast, before anything is asked: no judge, then the rubrics.
  const [judge] = await ctx.models.judges();
  if (!judge) return fail('no judge model is configured (distillery.roles)');
  const chosen = await chooseRubrics(ctx, document.uri, judgeSettingsFor(ctx, document.uri).constitution, wantedRubrics(ctx, document.uri));
  if (!chosen) return fail(`line ${line}: no constitution chosen; nothing was changed`, { cancelled: true });
  const answers = target.rejected === undefined ? 1 : 2;
  ctx.logger.info(`score ${document.uri.toString()} line ${line}: ${judge.profile} (${judge.model}), rubrics ${chosen.rubrics.map((r) => r.id).join(', ')} from ${chosen.source}, ${answers} answer(s)`);

  const abort = new AbortController();
  const external = hooks.cancellation?.onCancellationRequested(() => abort.abort());
  hooks.onStart?.();
  let grades: RowScores;
  try {
    grades = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Distillery: scoring line ${line}`, cancellable: true },
      async (progress, token) => {
        token.onCancellationRequested(() => abort.abort());
        const calls = chosen.rubrics.length * answers;
        progress.report({ message: `${calls} ${calls === 1 ? 'grade' : 'grades'} asked…` });
        // Asked afresh, as Judge Row is: scoring a row again should not replay the cached grades.
        const options = { signal: abort.signal, cache: 'off' as const };
        const [main, rejected] = await Promise.all([
          scoreAnswer(target.prompt, target.answer, chosen.rubrics, judge, options),
          target.rejected === undefined ? undefined : scoreAnswer(target.prompt, target.rejected, chosen.rubrics, judge, options),
        ]);
        return rejected ? { score: main, rejectedScore: rejected } : { score: main };
      },
    );
  } catch (error) {
    if (abort.signal.aborted || error instanceof ModelCancelledError) return fail(`line ${line}: scoring cancelled; nothing was changed`, { cancelled: true });
    const message = error instanceof Error ? error.message : String(error);
    ctx.logger.error(`score line ${line}: ${message}`);
    return fail(`line ${line}: ${message}. Nothing was changed`);
  } finally {
    external?.dispose();
  }
  // A cancel that came as the last grade arrived still wins: nothing is written.
  if (abort.signal.aborted) return fail(`line ${line}: scoring cancelled; nothing was changed`, { cancelled: true });

  const result = await applyRowEdit(document, { line, version: read.version, expectedText: read.text, newText: scoredRowText(read.text, grades) });
  if (!result.applied) return fail(`line ${line}: the score was not written: ${result.message}`, { grades });
  const { score, rejectedScore } = grades;
  const rejectedWords = rejectedScore ? ` (chosen), ${rewardWords(rejectedScore.reward)} (rejected)` : '';
  const message = `line ${result.line}: reward ${rewardWords(score.reward)}${rejectedWords} on ${chosen.rubrics.map((r) => r.id).join(', ')}`;
  ctx.logger.info(`score: ${message}`);
  return { line: result.line, grades, applied: true, message };
}
