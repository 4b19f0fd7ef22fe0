/**
 * What the model steps share: turning a batch run's summary into a step result, and reading the
 * files and profiles a step names.
 */
import { readFile } from 'node:fs/promises';
import { parseConstitution } from '../../../constitution/parse';
import type { ConstitutionDocument } from '../../../constitution/types';
import { InputError } from '../../../errors/located';
import type { ChatModel } from '../../../llm/chatModel';
import { countRowLines } from '../../rowCount';
import type { BatchProgress, BatchSummary } from '../../types';
import type { PipelineStep } from '../pipelineTypes';
import type { StepContext, StepProgress, StepResult } from '../runnerTypes';

export function stepProgressOf(progress: BatchProgress): StepProgress {
  return { done: progress.done, total: progress.total, failed: progress.failed, cached: progress.cached, costUsd: progress.costUsd };
}

/** The step's result from its batch summary; rows out are counted in the output file as it stands. */
export async function batchStepResult(summary: BatchSummary, readsRows: boolean, details?: Record<string, number | string>): Promise<StepResult> {
  return {
    rowsIn: readsRows ? summary.total : undefined,
    rowsOut: await countRowLines(summary.output).catch(() => 0),
    failed: summary.failed,
    ...(summary.errorsFile !== undefined ? { errorsFile: summary.errorsFile } : {}),
    cached: summary.cached,
    costUsd: summary.costUsd,
    ...(summary.stoppedBy !== undefined ? { stoppedBy: summary.stoppedBy } : {}),
    ...(summary.fatal !== undefined ? { fatal: summary.fatal } : {}),
    ...(details ? { details } : {}),
  };
}

/** The step's input, which every row-reading step needs (the parser makes sure there is one). */
export function requireInput(step: PipelineStep, context: StepContext): string {
  if (context.input === undefined) throw new InputError(`step "${step.id}" (${step.type}) has no input rows`, step.location);
  return context.input;
}

/** The named profiles, or the role's when none are named; an empty role is bad input at the step. */
export function modelsFor(step: PipelineStep, context: StepContext, named: readonly string[] | undefined, role: 'teacher' | 'judge'): ChatModel[] {
  if (named && named.length > 0) return named.map((name) => profileModel(step, context, name));
  const models = role === 'teacher' ? context.models.teachers : context.models.judges;
  if (models.length === 0) throw new InputError(`step "${step.id}" (${step.type}) needs a ${role}: name profiles in the step or give the models a "${role}" role`, step.location);
  return [...models];
}

export function profileModel(step: PipelineStep, context: StepContext, name: string): ChatModel {
  try {
    return context.models.model(name);
  } catch (error) {
    throw new InputError(`step "${step.id}" (${step.type}): ${error instanceof Error ? error.message : String(error)}`, step.location);
  }
}

/** A constitution file, parsed; its errors are bad input at the step. */
export async function readStepConstitution(step: PipelineStep, file: string): Promise<{ document: ConstitutionDocument; text: string }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new InputError(`step "${step.id}": cannot read the constitution ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)})`, step.location);
  }
  const document = parseConstitution(text);
  const errors = document.problems.filter((problem) => problem.severity === 'error');
  if (errors.length > 0) {
    const places = errors.slice(0, 5).map((problem) => `${file}:${problem.range.start.line + 1}:${problem.range.start.character + 1}: ${problem.message}`);
    throw new InputError(`step "${step.id}": the constitution has ${errors.length} error${errors.length === 1 ? '' : 's'}:\n${places.join('\n')}`, step.location);
  }
  return { document, text };
}

/** Sampling options as the tasks take them. */
export function samplingOf(step: { readonly temperature?: number; readonly maxTokens?: number; readonly seed?: number }): { temperature?: number; max_tokens?: number; seed?: number } {
  return {
    ...(step.temperature !== undefined ? { temperature: step.temperature } : {}),
    ...(step.maxTokens !== undefined ? { max_tokens: step.maxTokens } : {}),
    ...(step.seed !== undefined ? { seed: step.seed } : {}),
  };
}

/** The options every row-batch run takes from the context. */
export function batchContextOptions(context: StepContext): {
  inputName?: string; signal: AbortSignal; redact: (text: string) => string; concurrency?: number; now?: () => Date; onProgress: (progress: BatchProgress) => void;
} {
  return {
    ...(context.inputName !== undefined ? { inputName: context.inputName } : {}),
    signal: context.signal,
    redact: (text) => context.redact(text),
    ...(context.pipeline.concurrency !== undefined ? { concurrency: context.pipeline.concurrency } : {}),
    ...(context.now ? { now: context.now } : {}),
    onProgress: (progress) => context.onProgress(stepProgressOf(progress)),
  };
}
