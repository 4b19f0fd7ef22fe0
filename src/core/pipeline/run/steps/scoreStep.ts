/** The "score" step: each answer graded 1–5 on a constitution's rubrics, into a weighted reward (runScoreBatch). */
import { InputError } from '../../../errors/located';
import { RubricSettingsError } from '../../../tasks/rubricScore';
import { runScoreBatch } from '../../scoreBatch';
import type { ScoreStep } from '../pipelineTypes';
import type { StepExecutor } from '../runnerTypes';
import { batchContextOptions, batchStepResult, modelsFor, profileModel, readStepConstitution, requireInput, samplingOf } from './batchStepResult';

export const scoreStep: StepExecutor<ScoreStep> = async (step, context) => {
  const input = requireInput(step, context);
  const judge = step.judge !== undefined ? profileModel(step, context, step.judge) : modelsFor(step, context, undefined, 'judge')[0];
  if (!judge) throw new Error('unreachable: modelsFor returns at least one model');
  const { document } = await readStepConstitution(step, step.constitution);
  try {
    const summary = await runScoreBatch({
      input,
      output: context.output,
      judge,
      constitution: document,
      ...(step.rubrics ? { rubrics: step.rubrics } : {}),
      ...(step.weights ? { weights: step.weights } : {}),
      ...(step.threshold !== undefined ? { threshold: step.threshold } : {}),
      settings: samplingOf(step),
      ...batchContextOptions(context),
    });
    return await batchStepResult(summary, true, {
      answers: summary.answers,
      'below threshold': summary.filtered,
      ...(summary.meanReward !== undefined ? { 'mean reward': summary.meanReward.toFixed(2) } : {}),
    });
  } catch (error) {
    if (error instanceof RubricSettingsError) throw new InputError(`step "${step.id}": ${error.message}`, step.location);
    throw error;
  }
};
