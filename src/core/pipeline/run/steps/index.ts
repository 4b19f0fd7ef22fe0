/** Every step type's executor, for the runner. */
import type { PipelineStep, StepType } from '../pipelineTypes';
import type { StepExecutor } from '../runnerTypes';
import { critiqueStep } from './critiqueStep';
import { CURATION_STEP_EXECUTORS } from './curationSteps';
import { generateStep } from './generateStep';
import { judgeStep } from './judgeStep';
import { scoreStep } from './scoreStep';
import { selfInstructStep } from './selfInstructStep';

/** One executor per step type: a type without one does not compile. */
export const STEP_EXECUTORS: { readonly [T in StepType]: StepExecutor<Extract<PipelineStep, { type: T }>> } = {
  'self-instruct': selfInstructStep,
  generate: generateStep,
  'critique-revise': critiqueStep,
  judge: judgeStep,
  score: scoreStep,
  ...CURATION_STEP_EXECUTORS,
};
