/** The "generate" step: distillation over the step's input with the teachers (runGenerateBatch). */
import * as path from 'node:path';
import { InputError } from '../../../errors/located';
import type { GenerateSettings, SampleFilterSettings } from '../../../tasks/types';
import { GenerateBatchSettingsError, runGenerateBatch } from '../../generateBatch';
import type { GenerateStep } from '../pipelineTypes';
import type { StepExecutor } from '../runnerTypes';
import { batchContextOptions, batchStepResult, modelsFor, requireInput, samplingOf } from './batchStepResult';

export function generateSettingsOf(step: GenerateStep, cwd: string): GenerateSettings {
  const filters = step.filters ?? {};
  const [command, ...args] = filters.verifier ?? [];
  const sampleFilters: SampleFilterSettings = {
    ...(filters.minChars !== undefined ? { minChars: filters.minChars } : {}),
    ...(filters.maxChars !== undefined ? { maxChars: filters.maxChars } : {}),
    rejectRefusals: filters.keepRefusals !== true,
    ...(filters.dedupe !== undefined ? { dedupe: filters.dedupe } : {}),
    ...(command !== undefined ? { verifier: { command, args, cwd } } : {}),
  };
  return {
    n: step.n ?? 1,
    output: step.candidates === true ? 'candidates' : 'sft',
    ...(step.systemPrompt !== undefined ? { systemPrompt: step.systemPrompt } : {}),
    ...samplingOf(step),
    filters: sampleFilters,
  };
}

export const generateStep: StepExecutor<GenerateStep> = async (step, context) => {
  const input = requireInput(step, context);
  const teachers = modelsFor(step, context, step.teachers, 'teacher');
  // A verifier runs in the pipeline file's folder, where its paths are written.
  const settings = generateSettingsOf(step, path.dirname(context.pipeline.file));
  try {
    const summary = await runGenerateBatch({ input, output: context.output, teachers, settings, ...batchContextOptions(context) });
    return await batchStepResult(summary, true);
  } catch (error) {
    if (error instanceof GenerateBatchSettingsError) throw new InputError(`step "${step.id}": ${error.problems.join('; ')}`, step.location);
    throw error;
  }
};
