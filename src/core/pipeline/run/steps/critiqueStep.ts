/** The "critique-revise" step: each answer critiqued and revised against a constitution (runCritiqueBatch). */
import * as path from 'node:path';
import { InputError } from '../../../errors/located';
import { CritiqueSettingsError } from '../../../tasks/critiqueRevise';
import type { CritiqueSettings } from '../../../tasks/critiqueTypes';
import { runCritiqueBatch } from '../../critiqueBatch';
import type { CritiqueReviseStep } from '../pipelineTypes';
import type { StepExecutor } from '../runnerTypes';
import { batchContextOptions, batchStepResult, profileModel, readStepConstitution, requireInput, samplingOf } from './batchStepResult';

export function critiqueSettingsOf(step: CritiqueReviseStep): CritiqueSettings {
  const principleIds = step.principles ?? [];
  const { seed, ...sampling } = samplingOf(step);
  return {
    rounds: principleIds.length > 0 ? principleIds.length : step.rounds ?? 1,
    seed: seed ?? 0,
    ...(step.tags && step.tags.length > 0 ? { tags: step.tags } : {}),
    ...(principleIds.length > 0 ? { principleIds } : {}),
    ...sampling,
  };
}

export const critiqueStep: StepExecutor<CritiqueReviseStep> = async (step, context) => {
  const input = requireInput(step, context);
  const critic = step.critic !== undefined ? profileModel(step, context, step.critic) : context.models.critic;
  if (!critic) throw new InputError(`step "${step.id}" (critique-revise) needs a critic: name a profile with "critic" or give the models a "critic" role`, step.location);
  const constitution = await readStepConstitution(step, step.constitution);
  try {
    const summary = await runCritiqueBatch({
      input,
      output: context.output,
      critic,
      constitution: constitution.document,
      settings: critiqueSettingsOf(step),
      pairs: step.pairs === true,
      constitutionPath: path.relative(path.dirname(context.pipeline.file), step.constitution),
      constitutionText: constitution.text,
      ...batchContextOptions(context),
    });
    return await batchStepResult(summary, true, { unrevised: summary.unrevised });
  } catch (error) {
    if (error instanceof CritiqueSettingsError) throw new InputError(`step "${step.id}": ${error.problems.join('; ')}`, step.location);
    throw error;
  }
};
