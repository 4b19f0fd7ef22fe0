/**
 * `Distillery: Run Pipeline` and its dry run: the active pipeline file (saved first), through the
 * runner the CLI's `distillery run` uses, with a cancellable notification naming the step and its
 * progress, then a summary with the way to the outputs.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ChatModel } from '../../core/llm/chatModel';
import type { DeferredRequest, ModelEngine } from '../../core/llm/engine';
import { baseURLOf, originOf } from '../../core/llm/engine';
import type { ModelProfile } from '../../core/llm/profile';
import { redact } from '../../core/llm/redact';
import { estimatePipeline, type PipelineEstimate } from '../../core/pipeline/run/dryRun';
import { PipelineFileError, loadPipeline } from '../../core/pipeline/run/pipelineFile';
import type { PipelineDefinition } from '../../core/pipeline/run/pipelineTypes';
import { MODEL_STEP_TYPES } from '../../core/pipeline/run/pipelineTypes';
import { runPipeline } from '../../core/pipeline/run/runPipeline';
import type { PipelineEvent, PipelineModels, PipelineSummary } from '../../core/pipeline/run/runnerTypes';
import { bundledTokenCounterLoader } from '../../tokenizers/bundleLoader';
import type { Ctx } from '../ctx';
import { ModelSetupError } from '../models/modelService';
import { LANGUAGE_MODEL_PREFIX } from '../models/profileSettings';
import { pipelineDocumentFor } from './pipelineDocuments';
import { pipelineModelsOf } from './pipelineModels';

export const UNTRUSTED_MESSAGE =
  'Run Pipeline is off in an untrusted workspace: the pipeline file decides which endpoints get your data and your keys. Trust the workspace to run it.';

/** Pipeline files running now: a second run of one would write the same outputs. */
const running = new Set<string>();

/** Runs the pipeline file and resolves to the runner's summary; a file with problems is refused before anything runs. */
export async function runPipelineFile(ctx: Ctx, uri: unknown, options?: unknown): Promise<PipelineSummary> {
  const external = cancellationOf(options);
  const pipeline = await preparePipeline(uri);
  if (running.has(pipeline.file)) throw new Error(`${path.basename(pipeline.file)} is already running.`);
  running.add(pipeline.file);
  const prepared = await pipelineEngine(ctx, pipeline, {});
  try {
    const summary = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Distillery: ${pipeline.name}`, cancellable: true },
      async (progress, token) => {
        const controller = new AbortController();
        const cancelled = token.onCancellationRequested(() => controller.abort());
        const cancelledElsewhere = external?.onCancellationRequested(() => controller.abort());
        if (external?.isCancellationRequested) controller.abort();
        const display = new ProgressText(pipeline.steps.length);
        try {
          ctx.logger.info(`pipeline ${pipeline.name}: ${pipeline.steps.length} steps, outputs in ${pipeline.outputDir}`);
          return await runPipeline({
            pipeline,
            models: prepared.models,
            signal: controller.signal,
            onEvent: (event) => {
              const message = display.onEvent(event);
              if (message !== undefined) progress.report({ message: prepared.redact(message) });
              if (event.kind === 'step-end') ctx.logger.info(`pipeline ${pipeline.name}: step ${event.step.id} ${event.status}${event.result.fatal ? `: ${event.result.fatal}` : ''}`);
            },
            redact: prepared.redact,
            log: (message) => ctx.logger.warn(`pipeline ${pipeline.name}: ${prepared.redact(message)}`),
          });
        } finally {
          cancelled.dispose();
          cancelledElsewhere?.dispose();
        }
      },
    );
    showSummary(ctx, pipeline, summary);
    return summary;
  } finally {
    prepared.engine.dispose();
    running.delete(pipeline.file);
  }
}

/** Estimates what running the pipeline would still ask of the models; sends nothing. Shows the estimate in a new Markdown document. */
export async function dryRunPipelineFile(ctx: Ctx, uri: unknown): Promise<PipelineEstimate> {
  const pipeline = await preparePipeline(uri);
  let deferred: DeferredRequest[] = [];
  // Defer mode needs a cache to read; with the cache off, an empty one answers nothing.
  const scratchCache = ctx.models.cacheDirectory === undefined ? await mkdtemp(path.join(tmpdir(), 'distillery-dry-run-cache-')) : undefined;
  const prepared = await pipelineEngine(ctx, pipeline, {
    cacheDirectory: ctx.models.cacheDirectory ?? scratchCache,
    deferRequests: (request) => deferred.push(request),
  });
  try {
    const countTokens = await bundledTokenCounterLoader(path.join(ctx.extension.extensionPath, 'dist', 'tokenizers'))('o200k_base');
    const estimate = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Distillery: estimating ${pipeline.name}`, cancellable: true },
      async (_progress, token) => {
        const controller = new AbortController();
        const cancelled = token.onCancellationRequested(() => controller.abort());
        try {
          return await estimatePipeline({
            pipeline,
            models: prepared.models,
            takeDeferred: () => {
              const taken = deferred;
              deferred = [];
              return taken;
            },
            profiles: prepared.profiles,
            countTokens,
            signal: controller.signal,
          });
        } finally {
          cancelled.dispose();
        }
      },
    );
    const document = await vscode.workspace.openTextDocument({ language: 'markdown', content: formatEstimate(estimate, pipeline) });
    await vscode.window.showTextDocument(document, { preview: true });
    return estimate;
  } finally {
    prepared.engine.dispose();
    if (scratchCache !== undefined) await rm(scratchCache, { recursive: true, force: true });
  }
}

/** A second way to cancel, besides the notification's Cancel button: `{ cancellation: token }` (tests, other commands). */
function cancellationOf(options: unknown): vscode.CancellationToken | undefined {
  const token = (options as { cancellation?: unknown } | undefined)?.cancellation;
  return token !== null && typeof token === 'object' && 'onCancellationRequested' in token ? (token as vscode.CancellationToken) : undefined;
}

/** The checks before anything runs: trust, a saved file, a valid pipeline. */
async function preparePipeline(uri: unknown): Promise<PipelineDefinition> {
  if (!vscode.workspace.isTrusted) throw new Error(UNTRUSTED_MESSAGE);
  const document = await pipelineDocumentFor(uri);
  if (document.isDirty && !(await document.save())) throw new Error(`${path.basename(document.uri.fsPath)} could not be saved; run it once it is.`);
  try {
    return await loadPipeline(document.uri.fsPath, process.env);
  } catch (error) {
    if (!(error instanceof PipelineFileError)) throw error;
    const [first] = error.problems;
    const where = first ? `${path.basename(first.location.file)}:${first.location.line}:${first.location.column}: ${first.message}` : error.message;
    const count = error.problems.length;
    throw new Error(`The pipeline has ${count} problem${count === 1 ? '' : 's'} (see Problems); the first: ${where}`, { cause: error });
  }
}

interface PreparedEngine {
  readonly engine: ModelEngine;
  readonly models: PipelineModels;
  readonly profiles: ReadonlyMap<string, ModelProfile>;
  redact(text: string): string;
}

/** The engine over the pipeline's own "models", else the settings' profiles and roles. */
async function pipelineEngine(ctx: Ctx, pipeline: PipelineDefinition, options: { cacheDirectory?: string; deferRequests?: (request: DeferredRequest) => void }): Promise<PreparedEngine> {
  const own = pipeline.models;
  const settings = ctx.models.settings;
  const profiles = own?.profiles ?? settings.profiles;
  const source = `pipeline file ${vscode.workspace.asRelativePath(pipeline.file)}`;
  const cacheDirectory = options.cacheDirectory ?? (pipeline.cache === false ? undefined : ctx.models.cacheDirectory);
  const engine = ctx.models.pipelineEngine(own?.profiles, source, {
    ...(cacheDirectory !== undefined ? { cacheDirectory } : {}),
    ...(pipeline.cache === false && options.deferRequests === undefined ? { cacheMode: 'off' as const } : {}),
    ...(options.deferRequests ? { deferRequests: options.deferRequests } : {}),
  });
  try {
    const roles = own?.roles ?? settings.roles;
    // VS Code's language models, named in the settings' roles, are no engine profiles: fetch them now.
    const extra = new Map<string, ChatModel>();
    const usesModels = pipeline.steps.some((step) => MODEL_STEP_TYPES.has(step.type));
    const namedByRoles = [...roles.teachers, ...(roles.critic !== undefined ? [roles.critic] : []), ...roles.judges];
    if (!own && usesModels && profiles.size === 0 && !namedByRoles.some((name) => name.startsWith(LANGUAGE_MODEL_PREFIX))) {
      throw new ModelSetupError('The pipeline has model steps but no "models" section, and the settings define no profile: add "models" to the pipeline, or set distillery.profiles (or distillery.endpoint.baseUrl and distillery.endpoint.model).');
    }
    if (!own && usesModels) {
      for (const name of namedByRoles) {
        if (name.startsWith(LANGUAGE_MODEL_PREFIX) && !extra.has(name)) extra.set(name, await ctx.models.modelFor(name));
      }
    }
    // Keys never reach a message: every key the run may send is redacted from what it reports.
    const origins = new Set([...profiles.values()].map((profile) => originOf(baseURLOf(profile))));
    const secrets = (await Promise.all([...origins].map((origin) => ctx.models.apiKeys.get(origin)))).filter((key): key is string => key !== undefined && key !== '');
    const models = pipelineModelsOf(engine, [...profiles.keys()], roles, {
      ...(own?.defaultProfile !== undefined ? { defaultProfile: own.defaultProfile } : {}),
      extra,
    });
    return { engine, models, profiles, redact: (text) => redact(text, secrets) };
  } catch (error) {
    engine.dispose();
    throw error;
  }
}

/** The notification's line for each runner event. */
export class ProgressText {
  private costBefore = 0;

  constructor(private readonly stepCount: number) {}

  onEvent(event: PipelineEvent): string | undefined {
    const head = `${event.step.index}/${this.stepCount} ${event.step.id}`;
    switch (event.kind) {
      case 'step-start':
        return `${head}${event.resumed ? ' (resuming)' : ''}`;
      case 'step-progress': {
        const { done, total, failed, costUsd } = event.progress;
        const parts = [`${done}/${total ?? '?'}`];
        if (failed > 0) parts.push(`${failed} failed`);
        parts.push(money(this.costBefore + costUsd));
        return `${head}: ${parts.join(', ')}`;
      }
      case 'step-end':
        this.costBefore += event.result.costUsd;
        return `${head}: ${event.status}, ${event.result.rowsOut} rows`;
      case 'step-skipped':
        return `${head}: already done`;
    }
  }
}

const OUTCOME_TEXT: Readonly<Record<PipelineSummary['outcome'], string>> = {
  success: 'finished',
  partial: 'finished with failed rows',
  stopped: 'stopped',
  cancelled: 'cancelled',
};

/** One line: outcome, steps, rows, cost; with the way to the outputs. */
export function summaryText(pipeline: PipelineDefinition, summary: PipelineSummary): string {
  const finished = summary.steps.filter((step) => step.status === 'done' || step.status === 'skipped' || step.status === 'partial').length;
  const last = [...summary.steps].reverse().find((step) => step.result !== undefined);
  const failed = summary.steps.reduce((sum, step) => sum + (step.result?.failed ?? 0), 0);
  const parts = [
    `${finished}/${summary.steps.length} steps`,
    ...(last?.result ? [`${last.result.rowsOut} rows out of "${last.id}"`] : []),
    ...(failed > 0 ? [`${failed} rows failed (see the steps' .errors.jsonl)`] : []),
    money(summary.costUsd),
  ];
  const fatal = summary.steps.find((step) => step.result?.fatal !== undefined)?.result?.fatal;
  return `Pipeline ${pipeline.name} ${OUTCOME_TEXT[summary.outcome]}: ${parts.join(', ')}.${fatal !== undefined ? ` ${fatal}` : ''}`;
}

function showSummary(ctx: Ctx, pipeline: PipelineDefinition, summary: PipelineSummary): void {
  const text = summaryText(pipeline, summary);
  ctx.logger.info(text);
  const show = summary.outcome === 'success' ? vscode.window.showInformationMessage : vscode.window.showWarningMessage;
  void show(`Distillery: ${text}`, 'Open Output Folder', 'Open Manifest').then(async (choice) => {
    if (choice === 'Open Manifest') await vscode.window.showTextDocument(vscode.Uri.file(summary.manifest));
    if (choice === 'Open Output Folder') await openFolder(vscode.Uri.file(pipeline.outputDir));
  });
}

/** In the Explorer when the folder is in the workspace, else in the system's file manager. */
async function openFolder(folder: vscode.Uri): Promise<void> {
  if (vscode.workspace.getWorkspaceFolder(folder)) await vscode.commands.executeCommand('revealInExplorer', folder);
  else await vscode.commands.executeCommand('revealFileInOS', folder);
}

function money(value: number): string {
  return `$${value.toFixed(4)}`;
}

/** The estimate as a Markdown table. */
export function formatEstimate(estimate: PipelineEstimate, pipeline: PipelineDefinition): string {
  const cost = (value: number | undefined): string => (value === undefined ? 'unknown (no price)' : money(value));
  const cell = (text: string): string => text.replace(/\|/g, '\\|');
  const rows = estimate.steps.map((step) => [
    step.id,
    step.type,
    step.rowsIn === undefined ? '' : String(step.rowsIn),
    step.done ? 'done' : `${step.exact ? '' : '~'}${step.requests}${step.cachedCalls > 0 ? ` (+${step.cachedCalls} cached)` : ''}`,
    String(step.promptTokens),
    String(step.completionTokensUpTo),
    step.requests === 0 ? '' : cost(step.costUsdUpTo),
  ]);
  return [
    `# Dry run of ${cell(pipeline.name)}`,
    '',
    'Nothing was sent. Completion tokens and cost are upper bounds; ~ marks counts extrapolated from answers not had yet.',
    '',
    '| step | type | rows in | requests | prompt tokens | completion tokens ≤ | cost ≤ |',
    '| --- | --- | --: | --: | --: | --: | --: |',
    ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
    '',
    `**Total:** ${estimate.exact ? '' : '~'}${estimate.requests} requests, ${estimate.promptTokens} prompt tokens, at most ${estimate.completionTokensUpTo} completion tokens, at most ${cost(estimate.costUsdUpTo)}.`,
    '',
  ].join('\n');
}
