/**
 * `Distillery: Critique & Revise File…`: every answer of a dataset critiqued and revised by the
 * critic against principles drawn from the constitution, into a new file of revised rows or of
 * preference pairs (revision chosen, original rejected). The file batch of Generate runs it
 * (progress, Cancel, resume after a cancel or a window reload); this file says what differs.
 */
import * as vscode from 'vscode';
import type { ChatModel } from '../../core/llm/chatModel';
import { runCritiqueBatch, type CritiqueBatchSummary } from '../../core/pipeline/critiqueBatch';
import { CritiqueSettingsError, chainPrinciples, critiqueSettingsProblems } from '../../core/tasks/critiqueRevise';
import type { CritiqueSettings } from '../../core/tasks/critiqueTypes';
import type { Ctx } from '../ctx';
import { outputBeside, runFileBatch, type FileBatchKind, type FileBatchOutcome, type FileBatchRequest } from '../generate/fileBatch';
import { chooseConstitution, type ChosenConstitution } from './constitutionChoice';
import { critiqueSettingsFor, fewShotExamples } from './critiqueConfiguration';
import type { CritiqueEditorSettings } from './critiqueSettings';

export const CRITIQUE_FILE_COMMAND = 'distillery.critiqueFile';

/** What the command can be given besides a file batch's request (tests, a resume offer). */
export interface CritiqueFileRequest extends FileBatchRequest {
  /** Preference pairs instead of revised rows; asked when absent. */
  readonly pairs?: boolean;
  /** The constitution; else the setting, the one used last, or a pick. */
  readonly constitution?: vscode.Uri;
}

interface CritiqueFilePlan {
  readonly critic: ChatModel;
  readonly settings: CritiqueEditorSettings;
  readonly constitution: ChosenConstitution;
  readonly pairs: boolean;
}

type Mode = 'rows' | 'pairs';

async function askMode(): Promise<Mode | undefined> {
  const items: Array<vscode.QuickPickItem & { mode: Mode }> = [
    { mode: 'rows', label: 'Revised rows', detail: 'Each row with its answer replaced by the final revision (SFT data); the critique chain is kept under "distillery".' },
    { mode: 'pairs', label: 'Preference pairs', detail: 'prompt, chosen: the final revision, rejected: the original answer. An answer with nothing to fix gives no pair.' },
  ];
  const chosen = await vscode.window.showQuickPick(items, { title: 'Distillery: Critique & Revise File — what to write', ignoreFocusOut: true });
  return chosen?.mode;
}

export const critiqueBatchKind: FileBatchKind<CritiqueFilePlan, CritiqueBatchSummary> = {
  id: 'critique',
  command: CRITIQUE_FILE_COMMAND,
  words: {
    title: 'Critique & Revise File',
    running: 'critiquing & revising',
    Running: 'Critiquing & revising',
    finished: 'Critiqued & revised into',
    verb: 'Critique',
    openLabel: 'Critique & Revise',
    pickTitle: 'Distillery: the rows whose answers to critique and revise',
  },
  async plan(ctx, input, request) {
    // The setup fails fast, before anything is asked: no critic, then the constitution.
    const critic = await ctx.models.critic();
    const settings = critiqueSettingsFor(ctx, input);
    const given = request.details?.constitution;
    const constitution = await chooseConstitution(ctx, given !== undefined ? vscode.Uri.parse(given, true) : undefined, settings.constitution);
    if (!constitution) return undefined;
    const known = request.details?.mode;
    const mode = known === 'rows' || known === 'pairs' ? known : await askMode();
    if (!mode) return undefined;
    return { critic, settings, constitution, pairs: mode === 'pairs' };
  },
  details: (plan) => ({ mode: plan.pairs ? 'pairs' : 'rows', constitution: plan.constitution.uri.toString() }),
  defaultOutput: (input, plan) => outputBeside(input, plan.pairs ? '.pairs.jsonl' : '.revised.jsonl'),
  outputContents: (plan) => (plan.pairs ? 'the preference pairs' : 'the revised rows'),
  async prepare(_ctx, input, plan) {
    const { critic, constitution } = plan;
    const fewShot = await fewShotExamples(input, plan.settings.fewShotFile);
    // The response cache stays on: a resumed run gets the rows in flight at the cancel for free.
    const settings: CritiqueSettings = {
      rounds: plan.settings.rounds,
      seed: plan.settings.seed,
      ...(plan.settings.tags.length > 0 ? { tags: plan.settings.tags } : {}),
      ...(fewShot.length > 0 ? { fewShot } : {}),
    };
    // Settings that fit no row (no principle has the tags) fail now, naming the constitution.
    try {
      const problems = critiqueSettingsProblems(settings);
      if (problems.length > 0) throw new CritiqueSettingsError(problems);
      chainPrinciples(constitution.document, settings);
    } catch (error) {
      if (error instanceof CritiqueSettingsError) throw new Error(`${constitution.label}: ${error.problems.join('; ')}`, { cause: error });
      throw error;
    }
    const tags = settings.tags ? `, tags ${settings.tags.join(', ')}` : '';
    return {
      description: `${critic.profile} (${critic.model}), ${constitution.label}, ${settings.rounds} rounds, seed ${settings.seed}${tags}, ${plan.pairs ? 'preference pairs' : 'revised rows'}`,
      run: (options) =>
        runCritiqueBatch({
          ...options,
          critic,
          constitution: constitution.document,
          settings,
          pairs: plan.pairs,
          constitutionPath: constitution.label,
          constitutionText: constitution.text,
        }),
      facts: (summary) => {
        if (summary.unrevised === 0) return [];
        const answers = `${summary.unrevised.toLocaleString('en-US')} ${summary.unrevised === 1 ? 'answer' : 'answers'} with nothing to fix`;
        return [plan.pairs ? `${answers} (no pair for them)` : `${answers} (written unchanged)`];
      },
    };
  },
  configured: (ctx) => ctx.models.critic(),
};

export function critiqueFile(ctx: Ctx, request: CritiqueFileRequest = {}): Promise<FileBatchOutcome<CritiqueBatchSummary> | undefined> {
  const { pairs, constitution, ...rest } = request;
  const details = {
    ...request.details,
    ...(pairs !== undefined ? { mode: pairs ? 'pairs' : 'rows' } : {}),
    ...(constitution ? { constitution: constitution.toString() } : {}),
  };
  return runFileBatch(ctx, critiqueBatchKind, { ...rest, details });
}
