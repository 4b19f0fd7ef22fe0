/**
 * Critique & Revise in the editor: for some rows of an open dataset (or the selected part of one
 * row's answer), the critic critiques and revises the answer round after round while the chain
 * panel shows each round; the result opens as a diff (original answer ↔ final revision) that the
 * user accepts (the row rewritten in one version-checked edit, one undo step), accepts as a
 * preference pair (a pair row inserted after the row), or rejects. Rows go one after another:
 * a row's review ends before the next row's chain starts.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { formatCost } from '../../core/llm/accounting';
import type { ChatModel } from '../../core/llm/chatModel';
import { ModelCancelledError } from '../../core/llm/errors';
import { critiqueRevise } from '../../core/tasks/critiqueRevise';
import { preferencePairRow, revisedRow } from '../../core/tasks/critiqueRows';
import type { CritiqueChain, CritiqueRound, CritiqueSettings } from '../../core/tasks/critiqueTypes';
import type { ChainView, RoundView } from '../../webview/critique/protocol';
import type { Ctx } from '../ctx';
import { insertRowsAfter } from '../generate/rowInsertion';
import { applyRowEdit, readRow, type RowRead } from '../rows/rowEditor';
import { CritiqueChainPanel } from './critiqueChainPanel';
import type { CritiqueReviews, ReviewDecision } from './critiqueReview';
import { critiqueSettingsFor, fewShotExamples } from './critiqueConfiguration';
import { critiqueTarget, selectionSpan, type CritiqueTarget } from './critiqueTarget';
import { chooseConstitution, type ChosenConstitution } from './constitutionChoice';
import { rewriteRow } from './rowRewrite';

export interface CritiqueRunRequest {
  readonly document: vscode.TextDocument;
  /** 1-based lines of the rows to critique. */
  readonly lines: readonly number[];
  /** Text selected on one row's line (UTF-16 columns): only that part of its answer is critiqued. */
  readonly selection?: { readonly line: number; readonly startColumn: number; readonly endColumn: number };
  /** The constitution to use (the Try lens passes it); else the setting, the last used, or a pick. */
  readonly constitution?: vscode.Uri;
  /** Exactly these principles, one round each (the Try lens passes one). */
  readonly principleIds?: readonly string[];
  /** A second way to cancel, besides the notification's and the panel's Cancel. */
  readonly cancellation?: vscode.CancellationToken;
}

export type RowDecision = ReviewDecision | 'unchanged';

/** What happened to one row (integration tests read it; the user sees the messages). */
export interface RowCritiqueReport {
  readonly line: number;
  readonly chain?: CritiqueChain;
  /** The row could not be critiqued, or its chain failed. */
  readonly error?: string;
  readonly decision?: RowDecision;
  /** True when the accepted change is in the document. */
  readonly applied?: boolean;
  /** Why an accepted change was not made (the row was edited meanwhile…). */
  readonly refused?: string;
}

export interface CritiqueOutcome {
  readonly message: string;
  readonly cancelled: boolean;
  readonly rows: readonly RowCritiqueReport[];
}

export interface CritiqueServices {
  readonly reviews: CritiqueReviews;
}

/** Runs Critique & Revise on the rows of `request`; returns when every row is decided. */
export async function critiqueDocumentRows(ctx: Ctx, services: CritiqueServices, request: CritiqueRunRequest): Promise<CritiqueOutcome> {
  const { document } = request;
  const fileName = path.basename(document.fileName);
  // Read now, so that later rows are found again by their identity after earlier ones change.
  const reads: RowRead[] = [];
  for (const line of [...new Set(request.lines)].sort((a, b) => a - b)) {
    if (line < 1 || line > document.lineCount) continue;
    const read = readRow(document, line);
    if (read.text.trim() !== '') reads.push(read);
  }
  if (reads.length === 0) throw new Error('No rows to critique: the selection holds only blank lines.');

  // The setup fails fast, before anything is asked: no critic, then the constitution.
  const critic = await ctx.models.critic();
  const editorSettings = critiqueSettingsFor(ctx, document.uri);
  const constitution = await chooseConstitution(ctx, request.constitution, editorSettings.constitution);
  if (!constitution) return { message: 'No constitution chosen; nothing was critiqued', cancelled: true, rows: [] };
  const fewShot = await fewShotExamples(document.uri, editorSettings.fewShotFile);
  // Asked now, the critic answers afresh: a rejected result asked for again should not come back from the cache.
  const settings: CritiqueSettings = {
    rounds: request.principleIds?.length ?? editorSettings.rounds,
    seed: editorSettings.seed,
    ...(editorSettings.tags.length > 0 ? { tags: editorSettings.tags } : {}),
    ...(request.principleIds ? { principleIds: request.principleIds } : {}),
    ...(fewShot.length > 0 ? { fewShot } : {}),
    cache: 'off',
  };
  ctx.logger.info(`critique ${document.uri.toString()} lines ${reads.map((r) => r.line).join(',')}: ${critic.profile} (${critic.model}), ${constitution.label}, ${settings.rounds} rounds, seed ${settings.seed}`);

  const abort = new AbortController();
  const external = request.cancellation?.onCancellationRequested(() => abort.abort());
  if (request.cancellation?.isCancellationRequested) abort.abort();
  const reports: RowCritiqueReport[] = [];
  try {
    for (const [index, read] of reads.entries()) {
      if (abort.signal.aborted) break;
      const position = reads.length > 1 ? `${index + 1} of ${reads.length}` : undefined;
      const report = await critiqueOneRow(ctx, services, {
        document, fileName, read, critic, constitution, settings, abort, position,
        selection: reads.length === 1 && request.selection?.line === read.line ? request.selection : undefined,
      });
      reports.push(report);
    }
  } finally {
    external?.dispose();
  }
  const cancelled = abort.signal.aborted;
  const message = summarise(reports, cancelled);
  ctx.logger.info(`critique: ${message}`);
  void tell(ctx, message, reports);
  return { message, cancelled, rows: reports };
}

/** Failed chains are errors (with the log a click away); refused changes warnings; the rest information. */
async function tell(ctx: Ctx, message: string, reports: readonly RowCritiqueReport[]): Promise<void> {
  const text = `Distillery: ${message}.`;
  if (reports.some((r) => r.error !== undefined && r.error !== 'cancelled')) {
    const unchanged = reports.every((r) => r.applied !== true) ? ' Nothing was changed.' : '';
    if ((await vscode.window.showErrorMessage(`${text}${unchanged}`, 'Show Log')) === 'Show Log') ctx.logger.show(false);
  } else if (reports.some((r) => r.refused !== undefined)) {
    void vscode.window.showWarningMessage(text);
  } else {
    void vscode.window.showInformationMessage(text);
  }
}

interface OneRow {
  readonly document: vscode.TextDocument;
  readonly fileName: string;
  readonly read: RowRead;
  readonly critic: ChatModel;
  readonly constitution: ChosenConstitution;
  readonly settings: CritiqueSettings;
  readonly abort: AbortController;
  readonly position: string | undefined;
  readonly selection: CritiqueRunRequest['selection'];
}

async function critiqueOneRow(ctx: Ctx, services: CritiqueServices, job: OneRow): Promise<RowCritiqueReport> {
  const { read, fileName, settings, abort } = job;
  const found = critiqueTarget(read.text);
  if (!found.ok) return { line: read.line, error: `line ${read.line}: ${found.message}` };
  const target = found.target;
  let input = target.input;
  if (job.selection) {
    const span = selectionSpan(read.text, target, job.selection.startColumn, job.selection.endColumn);
    if (span.kind === 'unmappable') return { line: read.line, error: `line ${read.line}: ${span.message}` };
    if (span.kind === 'span') input = { ...input, span: { start: span.start, end: span.end } };
  }

  const panel = CritiqueChainPanel.show(ctx);
  const planned = settings.rounds;
  const rounds: CritiqueRound[] = [];
  const view = (status: ChainView['status'], message: string): ChainView => ({
    title: `${fileName}, line ${read.line}`,
    status,
    message,
    constitution: job.constitution.label,
    plannedRounds: planned,
    ...(input.span ? { span: input.span } : {}),
    original: input.answer,
    rounds: roundViews(input.answer, rounds),
    ...(job.position ? { position: job.position } : {}),
  });
  const cancel = () => abort.abort();
  panel.update(view('running', `round 1 of ${planned}…`), cancel);

  let chain: CritiqueChain;
  try {
    chain = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Distillery: critiquing line ${read.line}${job.position ? ` (${job.position})` : ''}`, cancellable: true },
      async (progress, token) => {
        token.onCancellationRequested(cancel);
        progress.report({ message: `round 1 of ${planned}…` });
        return critiqueRevise(input, job.critic, job.constitution.document, settings, {
          signal: abort.signal,
          constitutionPath: job.constitution.label,
          constitutionText: job.constitution.text,
          onRound: (round, index) => {
            rounds.push(round);
            const next = index + 2 <= planned && (round.needsRevision || settings.stopWhenNothingToFix === false) ? `round ${index + 2} of ${planned}…` : 'finishing…';
            progress.report({ increment: 100 / planned, message: next });
            CritiqueChainPanel.active?.update(view('running', next), cancel);
          },
        });
      },
    );
  } catch (error) {
    if (abort.signal.aborted || error instanceof ModelCancelledError) {
      abort.abort();
      CritiqueChainPanel.active?.update(view('cancelled', `stopped after ${rounds.length} of ${planned} rounds; nothing was changed`));
      return { line: read.line, error: 'cancelled' };
    }
    const message = error instanceof Error ? error.message : String(error);
    ctx.logger.error(`critique line ${read.line}: ${message}`);
    CritiqueChainPanel.active?.update(view('failed', `${message}. Nothing was changed`));
    return { line: read.line, error: `line ${read.line}: ${message}` };
  }

  const revisedCount = chain.rounds.filter((round) => round.revision !== undefined).length;
  const how = `${chain.rounds.length} ${chain.rounds.length === 1 ? 'round' : 'rounds'}${chain.stoppedEarly ? ', stopped early: nothing more to fix' : ''}, cost ${chainCost(chain)}`;
  if (chain.final === chain.original) {
    CritiqueChainPanel.active?.update(view('done', `${how}; the answer needs no change`));
    return { line: read.line, chain, decision: 'unchanged' };
  }
  CritiqueChainPanel.active?.update(view('done', `${how}; ${revisedCount} ${revisedCount === 1 ? 'revision' : 'revisions'}. Accept, accept as a preference pair, or reject it in the diff`));

  const decision = await services.reviews.review({ fileName, line: read.line, original: chain.original, revision: chain.final, summary: how });
  return { line: read.line, chain, decision, ...(await applyDecision(job.document, read, target, chain, decision)) };
}

/** Makes the change the user accepted; nothing for Reject. */
async function applyDecision(document: vscode.TextDocument, read: RowRead, target: CritiqueTarget, chain: CritiqueChain, decision: ReviewDecision): Promise<{ applied?: boolean; refused?: string }> {
  if (decision === 'reject') return {};
  try {
    if (decision === 'accept') {
      const newText = rewriteRow(read.text, target.value, revisedRow(target.value, target.kind, chain));
      const result = await applyRowEdit(document, { line: read.line, version: read.version, expectedText: read.text, newText });
      return result.applied ? { applied: true } : { applied: false, refused: result.message };
    }
    const pair = preferencePairRow(target.value, chain);
    if (!pair) return { applied: false, refused: 'no round revised the answer, so there is no pair to write' };
    const [outcome] = await insertRowsAfter(document, [{ source: read, rows: [JSON.stringify(pair)] }]);
    if (outcome?.inserted) return { applied: true };
    return { applied: false, refused: outcome ? `the pair was not inserted: ${outcome.message}` : 'the pair was not inserted' };
  } catch (error) {
    return { applied: false, refused: error instanceof Error ? error.message : String(error) };
  }
}

/** The panel's rounds: each with the answer it started from, so the panel can mark what it changed. */
export function roundViews(original: string, rounds: readonly CritiqueRound[]): RoundView[] {
  let before = original;
  return rounds.map((round, index) => {
    const view: RoundView = {
      number: index + 1,
      principleId: round.principle.id,
      critiqueRequest: round.principle.critique,
      critique: round.critique,
      needsRevision: round.needsRevision,
      before,
      ...(round.revision !== undefined ? { revision: round.revision } : {}),
      by: `${round.profile} (${round.model})${round.cached ? ', from the cache' : ''}`,
    };
    if (round.revision !== undefined) before = round.revision;
    return view;
  });
}

function chainCost(chain: CritiqueChain): string {
  const costs = chain.rounds.filter((round) => !round.cached).map((round) => round.costUsd);
  const known = costs.filter((cost): cost is number => cost !== undefined);
  const knownCostUsd = known.reduce((sum, cost) => sum + cost, 0);
  const unpricedCalls = costs.length - known.length;
  return formatCost({ costUsd: unpricedCalls === 0 ? knownCostUsd : undefined, knownCostUsd, unpricedCalls });
}

const DECISION_WORDS: Readonly<Record<RowDecision, string>> = {
  accept: 'revision accepted',
  pair: 'preference pair added after it',
  reject: 'revision rejected',
  unchanged: 'no change needed',
};

/** "Line 3: revision accepted" per row, joined with semicolons. */
export function summarise(reports: readonly RowCritiqueReport[], cancelled: boolean): string {
  const parts = reports.map((report) => {
    if (report.error === 'cancelled') return `line ${report.line}: cancelled, nothing changed`;
    if (report.error !== undefined) return report.error.startsWith('line ') ? report.error : `line ${report.line}: ${report.error}`;
    if (report.refused !== undefined) return `line ${report.line}: not changed, ${report.refused}`;
    return `line ${report.line}: ${report.decision ? DECISION_WORDS[report.decision] : 'done'}`;
  });
  if (cancelled && !reports.some((report) => report.error === 'cancelled')) parts.push('cancelled');
  return parts.length > 0 ? parts.join('; ') : 'nothing was critiqued';
}
