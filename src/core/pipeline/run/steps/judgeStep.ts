/** The "judge" step: pairwise verdicts with the bias controls (runJudgeBatch). */
import { InputError } from '../../../errors/located';
import { JudgeSettingsError } from '../../../tasks/judgePair';
import type { JudgeSettings } from '../../../tasks/judgeTypes';
import { runJudgeBatch, type JudgeCriteriaSource } from '../../judgeBatch';
import type { JudgeStep } from '../pipelineTypes';
import type { StepExecutor } from '../runnerTypes';
import { batchContextOptions, batchStepResult, modelsFor, readStepConstitution, requireInput, samplingOf } from './batchStepResult';

export function judgeSettingsOf(step: JudgeStep): JudgeSettings {
  return {
    samples: step.samples ?? 1,
    bothOrders: step.bothOrders ?? true,
    logprobs: step.logprobs ?? true,
    ...samplingOf(step),
  };
}

export const judgeStep: StepExecutor<JudgeStep> = async (step, context) => {
  const input = requireInput(step, context);
  const judges = modelsFor(step, context, step.judges, 'judge');
  let criteria: JudgeCriteriaSource = { kind: 'default' };
  if (step.constitution !== undefined) {
    const { document } = await readStepConstitution(step, step.constitution);
    criteria = step.rubric !== undefined
      ? { kind: 'rubric', constitution: document, id: step.rubric }
      : { kind: 'principles', constitution: document, count: step.principles ?? 1 };
  }
  try {
    const summary = await runJudgeBatch({
      input,
      output: context.output,
      judges,
      criteria,
      settings: judgeSettingsOf(step),
      ...(step.seed !== undefined ? { seed: step.seed } : {}),
      ...(step.preferences !== undefined ? { preferences: step.preferences } : {}),
      ...(step.minMargin !== undefined ? { minMargin: step.minMargin } : {}),
      ...batchContextOptions(context),
    });
    return await batchStepResult(summary, true, {
      'A better': summary.verdicts.A,
      'B better': summary.verdicts.B,
      ties: summary.verdicts.tie,
      'position-inconsistent': summary.positionInconsistent,
      'self-preference': summary.selfPreference,
      ...(summary.ranked > 0 ? { ranked: summary.ranked, matches: summary.matches } : {}),
      ...(step.preferences !== undefined ? { 'preference rows': summary.preferenceRows } : {}),
      ...(summary.singleAnswer > 0 ? { 'single answer (unjudged)': summary.singleAnswer } : {}),
    });
  } catch (error) {
    if (error instanceof JudgeSettingsError) throw new InputError(`step "${step.id}": ${error.problems.join('; ')}`, step.location);
    throw error;
  }
};
