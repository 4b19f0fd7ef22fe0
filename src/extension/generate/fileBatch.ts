/**
 * Whole-file batches in the editor — `Distillery: Generate Completions for File…` here, and other
 * kinds (Critique & Revise File) through `runFileBatch`: a dataset through the core's batch runner
 * into a new file (append-only, resumable, failed rows in `<output>.errors.jsonl`), a progress
 * notification that can be cancelled, and resume after a cancel, a crash or a window reload.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { errorsFileFor } from '../../core/pipeline/errorsFile';
import { runGenerateBatch } from '../../core/pipeline/generateBatch';
import type { BatchProgress, BatchSummary } from '../../core/pipeline/types';
import { formatCost, type UsageLedger } from '../../core/llm/accounting';
import type { Ctx } from '../ctx';
import { isDataset } from '../datasetModel';
import { BatchMemory } from './batchMemory';
import { generateSettingsFor } from './generateConfiguration';

/** What the command can be given instead of asking (a resume offer, tests, other commands). */
export interface FileBatchRequest {
  readonly input?: vscode.Uri;
  readonly output?: vscode.Uri;
  /** What to do when the output exists; asked when absent. */
  readonly ifExists?: 'resume' | 'replace';
  /** A second way to cancel, besides the notification's Cancel button. */
  readonly cancellation?: vscode.CancellationToken;
  /** Choices of the kind made already (a resume passes those the batch started with). */
  readonly details?: Readonly<Record<string, string>>;
}

/** What the command returns when a batch ran (undefined when the user backed out). */
export interface FileBatchOutcome<Summary extends BatchSummary = BatchSummary> {
  readonly summary: Summary;
  readonly message: string;
}

/** How a kind names its work in messages: "generating", "Generating", "Generated". */
export interface FileBatchWords {
  /** The command's title, for the input box and errors: "Generate Completions for File". */
  readonly title: string;
  readonly running: string;
  readonly Running: string;
  readonly finished: string;
  /** The verb on the unsaved-changes button: "Save and Generate". */
  readonly verb: string;
  /** The file dialog's button. */
  readonly openLabel: string;
  /** The file dialog's title when no dataset is in front. */
  readonly pickTitle: string;
}

/** A batch ready to run: settings read and models found. */
export interface PreparedFileBatch<Summary extends BatchSummary> {
  /** One log line: what runs with what. */
  readonly description: string;
  run(options: { input: string; output: string; signal: AbortSignal; onProgress: (state: BatchProgress) => void }): Promise<Summary>;
  /** Facts of the kind added to the summary message. */
  facts?(summary: Summary): string[];
}

/** What differs between kinds of file batch; `runFileBatch` does the rest. */
export interface FileBatchKind<Plan, Summary extends BatchSummary> {
  /** Remembered with a running batch, so that the resume offer after a reload finds its kind. */
  readonly id: string;
  /** The command that runs (and resumes) this kind: (input uri, FileBatchRequest). */
  readonly command: string;
  readonly words: FileBatchWords;
  /** Questions before the output path (none for Generate); undefined when the user backed out. */
  plan(ctx: Ctx, input: vscode.Uri, request: FileBatchRequest): Promise<Plan | undefined>;
  /** What `plan` needs to make the same plan again without asking, for a resume. */
  details(plan: Plan): Readonly<Record<string, string>>;
  defaultOutput(input: string, plan: Plan): string;
  /** "the generated rows": what the output prompt says goes into the file. */
  outputContents(plan: Plan): string;
  /** Settings and models, read before a Replace deletes anything. */
  prepare(ctx: Ctx, input: vscode.Uri, plan: Plan): Promise<PreparedFileBatch<Summary>>;
  /** Resolves when the models the kind needs are configured (throws otherwise): the resume offer waits for it. */
  configured(ctx: Ctx): Promise<unknown>;
}

const memories = new WeakMap<Ctx, BatchMemory>();
export function batchMemoryOf(ctx: Ctx): BatchMemory {
  let memory = memories.get(ctx);
  if (!memory) {
    memory = new BatchMemory(ctx.extension.workspaceState);
    memories.set(ctx, memory);
  }
  return memory;
}

/** The file a default output goes to: `<name><suffix>` beside the input. */
export function outputBeside(input: string, suffix: string): string {
  const parsed = path.parse(input);
  return path.join(parsed.dir, `${parsed.name}${suffix}`);
}

/** The file a default Generate output goes to: `<name>.generated.jsonl` beside the input. */
export function defaultOutputPath(input: string): string {
  return outputBeside(input, '.generated.jsonl');
}

export const GENERATE_FILE_COMMAND = 'distillery.generateFile';

/** Distillation: every prompt of the file through the teachers. */
export const generateBatchKind: FileBatchKind<Record<string, never>, BatchSummary> = {
  id: 'generate',
  command: GENERATE_FILE_COMMAND,
  words: {
    title: 'Generate Completions for File',
    running: 'generating',
    Running: 'Generating',
    finished: 'Generated',
    verb: 'Generate',
    openLabel: 'Generate Completions',
    pickTitle: 'Distillery: the prompts to generate completions for',
  },
  plan: () => Promise.resolve({}),
  details: () => ({}),
  defaultOutput: (input) => defaultOutputPath(input),
  outputContents: () => 'the generated rows',
  async prepare(ctx, input) {
    const settings = generateSettingsFor(ctx, input);
    const teachers = await ctx.models.teachers();
    return {
      description: `${teachers.map((t) => `${t.profile} (${t.model})`).join(', ')} × ${settings.n}`,
      run: (options) => runGenerateBatch({ ...options, teachers, settings }),
    };
  },
  configured: (ctx) => ctx.models.teachers(),
};

export function generateFile(ctx: Ctx, request: FileBatchRequest = {}): Promise<FileBatchOutcome | undefined> {
  return runFileBatch(ctx, generateBatchKind, request);
}

export async function runFileBatch<Plan, Summary extends BatchSummary>(
  ctx: Ctx,
  kind: FileBatchKind<Plan, Summary>,
  request: FileBatchRequest = {},
): Promise<FileBatchOutcome<Summary> | undefined> {
  const { words } = kind;
  const input = request.input ?? (await pickInput(words));
  if (!input) return undefined;
  if (input.scheme !== 'file') throw new Error(`${words.title} needs a file on disk, not ${input.toString()}.`);
  if (!(await saveIfDirty(input, words))) return undefined;
  const plan = await kind.plan(ctx, input, request);
  if (plan === undefined) return undefined;

  const output = request.output ?? (await askOutput(input, kind, plan));
  if (!output) return undefined;
  if (output.fsPath === input.fsPath) throw new Error('The output must be a new file, not the input itself.');
  // Settings and models first: a Replace must not delete the old output of a run that cannot start.
  const prepared = await kind.prepare(ctx, input, plan);
  const name = path.basename(output.fsPath);
  const memory = batchMemoryOf(ctx);
  if (memory.isRunning(output.fsPath)) throw new Error(`A batch is writing ${name} already.`);
  memory.claim(output.fsPath);

  let summary: Summary;
  const cost = runCost(ctx.models.ledger);
  const abort = new AbortController();
  const external = request.cancellation?.onCancellationRequested(() => abort.abort());
  try {
    if (fs.existsSync(output.fsPath)) {
      const choice = request.ifExists ?? (await askIfExists(output));
      if (!choice) return undefined;
      if (choice === 'replace') {
        await fs.promises.rm(output.fsPath, { force: true });
        await fs.promises.rm(errorsFileFor(output.fsPath), { force: true });
      }
    }
    ctx.logger.info(`${kind.id} file ${input.fsPath} → ${output.fsPath}: ${prepared.description}`);
    await memory.started({ kind: kind.id, input: input.fsPath, output: output.fsPath, startedAt: new Date().toISOString(), details: kind.details(plan) });
    if (request.cancellation?.isCancellationRequested) abort.abort();
    summary = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Distillery: ${words.running} ${name}`, cancellable: true },
      async (progress, token) => {
        token.onCancellationRequested(() => abort.abort());
        let shown = 0;
        progress.report({ message: 'starting…' });
        return prepared.run({
          input: input.fsPath,
          output: output.fsPath,
          signal: abort.signal,
          onProgress: (state: BatchProgress) => {
            // The bar moves by the share of rows finished since the last report.
            const share = state.total ? (100 * state.done) / state.total : 0;
            progress.report({ message: progressText(state, cost()), increment: Math.max(0, share - shown) });
            shown = Math.max(shown, share);
          },
        });
      },
    );
  } finally {
    external?.dispose();
    // Ended, failed or cancelled on purpose: nothing to offer at the next start. (A reload never gets here.)
    await memory.ended(output.fsPath);
  }

  const message = summaryText(words, name, summary, cost(), prepared.facts?.(summary) ?? []);
  ctx.logger.info(`${kind.id} file: ${message}`);
  const resume: FileBatchRequest = { output, ifExists: 'resume', details: kind.details(plan) };
  void tellSummary(ctx, kind.command, input, output, summary, message, resume);
  return { summary, message };
}

/**
 * The cost of this run so far, from the session's ledger: the batch's own total counts unpriced
 * calls as 0, and a total must not claim to be complete when it is not. (Calls of other runs at
 * the same time count too: the ledger does not tell runs apart.)
 */
function runCost(ledger: UsageLedger): () => string {
  const before = ledger.summary().total;
  return () => {
    const now = ledger.summary().total;
    const knownCostUsd = now.knownCostUsd - before.knownCostUsd;
    const unpricedCalls = now.unpricedCalls - before.unpricedCalls;
    return formatCost({ costUsd: unpricedCalls === 0 ? knownCostUsd : undefined, knownCostUsd, unpricedCalls });
  };
}

/** "40/100 rows · 2 failed · 12 cached · $0.0123" */
export function progressText(state: BatchProgress, cost: string): string {
  const parts = [`${state.done.toLocaleString('en-US')}${state.total === undefined ? '' : `/${state.total.toLocaleString('en-US')}`} rows`];
  if (state.failed > 0) parts.push(`${state.failed.toLocaleString('en-US')} failed`);
  if (state.cached > 0) parts.push(`${state.cached.toLocaleString('en-US')} cached`);
  parts.push(cost === 'unknown' ? 'cost unknown' : cost);
  return parts.join(' · ');
}

function summaryText(words: FileBatchWords, name: string, summary: BatchSummary, cost: string, kindFacts: readonly string[]): string {
  const facts = [
    `${summary.written.toLocaleString('en-US')} rows written`,
    `${summary.done.toLocaleString('en-US')}${summary.total === undefined ? '' : ` of ${summary.total.toLocaleString('en-US')}`} input rows done`,
  ];
  if (summary.resumed > 0) facts.push(`${summary.resumed.toLocaleString('en-US')} already done before`);
  if (summary.failed > 0) facts.push(`${summary.failed.toLocaleString('en-US')} failed`);
  facts.push(...kindFacts);
  if (summary.cached > 0) facts.push(`${summary.cached.toLocaleString('en-US')} answers from the cache`);
  facts.push(`cost ${cost}`);
  const head =
    summary.stoppedBy === 'fatal'
      ? `${words.Running} ${name} stopped: ${summary.fatal ?? 'a fatal error'}`
      : summary.stoppedBy === 'cancelled'
        ? `${words.Running} ${name} was cancelled; run the command again on the same output to resume`
        : `${words.finished} ${name}`;
  return `${head}: ${facts.join(', ')}.`;
}

async function tellSummary(ctx: Ctx, command: string, input: vscode.Uri, output: vscode.Uri, summary: BatchSummary, message: string, resume: FileBatchRequest): Promise<void> {
  const buttons = ['Open Output'];
  if (summary.errorsFile) buttons.push('Show Errors');
  if (summary.stoppedBy === 'cancelled') buttons.push('Resume');
  const show = summary.stoppedBy === 'fatal' ? vscode.window.showErrorMessage : summary.failed > 0 ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
  const choice = await show(`Distillery: ${message}`, ...buttons);
  if (choice === 'Open Output') await vscode.window.showTextDocument(output);
  if (choice === 'Show Errors' && summary.errorsFile) await vscode.window.showTextDocument(vscode.Uri.file(summary.errorsFile));
  if (choice === 'Resume') {
    await vscode.commands.executeCommand(command, input, resume).then(undefined, (error: unknown) =>
      ctx.logger.error(`resume failed: ${error instanceof Error ? error.message : String(error)}`),
    );
  }
}

/** The active JSONL file on disk, else a file dialog. */
async function pickInput(words: FileBatchWords): Promise<vscode.Uri | undefined> {
  const document = vscode.window.activeTextEditor?.document;
  if (document && isDataset(document) && document.uri.scheme === 'file') return document.uri;
  // The active editor is unset while the focus is elsewhere (a panel, the palette): its tab still says which file is in front.
  const tab = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  if (!document && tab instanceof vscode.TabInputText && tab.uri.scheme === 'file' && tab.uri.path.endsWith('.jsonl')) return tab.uri;
  const picked = await vscode.window.showOpenDialog({
    canSelectMany: false,
    openLabel: words.openLabel,
    title: words.pickTitle,
    filters: { 'JSON Lines': ['jsonl'] },
  });
  return picked?.[0];
}

/** The batch reads the file on disk: unsaved edits are saved first, after asking. */
async function saveIfDirty(input: vscode.Uri, words: FileBatchWords): Promise<boolean> {
  const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === input.toString());
  if (!document?.isDirty) return true;
  const save = `Save and ${words.verb}`;
  const choice = await vscode.window.showWarningMessage(
    `${path.basename(input.fsPath)} has unsaved changes. The batch reads the file on disk.`,
    { modal: true },
    save,
    'Use the Saved File',
  );
  if (choice === save) return document.save();
  return choice === 'Use the Saved File';
}

async function askOutput<Plan, Summary extends BatchSummary>(input: vscode.Uri, kind: FileBatchKind<Plan, Summary>, plan: Plan): Promise<vscode.Uri | undefined> {
  const suggested = kind.defaultOutput(input.fsPath, plan);
  const folder = vscode.workspace.getWorkspaceFolder(input)?.uri.fsPath;
  const shown = folder && suggested.startsWith(folder + path.sep) ? path.relative(folder, suggested) : suggested;
  const base = path.basename(shown);
  const answer = await vscode.window.showInputBox({
    title: `Distillery: ${kind.words.title}`,
    prompt: `Where to write ${kind.outputContents(plan)} for ${path.basename(input.fsPath)} (an existing file can be resumed)`,
    value: shown,
    valueSelection: [shown.length - base.length, shown.length - '.jsonl'.length],
    validateInput: (value) => {
      if (!value.trim()) return 'Enter a file path.';
      const resolved = path.resolve(folder ?? path.dirname(input.fsPath), value.trim());
      if (resolved === input.fsPath) return 'The output must be a new file, not the input itself.';
      if (fs.existsSync(resolved) && fs.statSync(resolved).isDirectory()) return `${value.trim()} is a folder.`;
      return undefined;
    },
  });
  if (answer === undefined) return undefined;
  return vscode.Uri.file(path.resolve(folder ?? path.dirname(input.fsPath), answer.trim()));
}

async function askIfExists(output: vscode.Uri): Promise<'resume' | 'replace' | undefined> {
  const choice = await vscode.window.showWarningMessage(
    `${path.basename(output.fsPath)} exists. Resume adds only the rows it does not have yet; Replace starts over.`,
    { modal: true },
    'Resume',
    'Replace',
  );
  return choice === 'Resume' ? 'resume' : choice === 'Replace' ? 'replace' : undefined;
}

/**
 * Resolves once the kind's models are configured, or after `ms`. Right after a window reload the
 * extension can activate before the user's settings reach it (seen in code-server, where they
 * arrive in more than one change): a Resume offered at once would find no model configured.
 */
async function modelsConfigured(ctx: Ctx, configured: (ctx: Ctx) => Promise<unknown>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      await configured(ctx);
      return;
    } catch {
      // Not yet: wait for the next settings change, or give up at the deadline (the command then says what to set).
    }
    const left = deadline - Date.now();
    if (left <= 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, Math.min(left, 1_000));
      const listener = ctx.config.onDidChange(done);
      function done(): void {
        clearTimeout(timer);
        listener.dispose();
        resolve();
      }
    });
  }
}

/** At activation: a batch of `kind` that was running when the window went away is offered for resuming. */
export async function offerInterruptedBatches(ctx: Ctx, kind: FileBatchKind<unknown, BatchSummary> = generateBatchKind): Promise<void> {
  const memory = batchMemoryOf(ctx);
  if (memory.interrupted(kind.id).length === 0) return;
  // Generous: on a loaded machine the settings have been seen to take several seconds after a reload.
  await modelsConfigured(ctx, kind.configured, 30_000);
  for (const batch of memory.interrupted(kind.id)) {
    const name = path.basename(batch.output);
    if (!fs.existsSync(batch.input)) {
      await memory.ended(batch.output);
      continue;
    }
    const { running } = kind.words;
    const choice = await vscode.window.showInformationMessage(`Distillery: ${running} ${name} was interrupted. Resume ${running} ${name}?`, 'Resume', 'Forget');
    if (choice === 'Forget') await memory.ended(batch.output);
    if (choice === 'Resume') {
      await vscode.commands.executeCommand(kind.command, vscode.Uri.file(batch.input), {
        output: vscode.Uri.file(batch.output),
        ifExists: 'resume',
        ...(batch.details ? { details: batch.details } : {}),
      } satisfies FileBatchRequest);
    }
  }
}
