/** The "self-instruct" step: new instructions from seed tasks (runSelfInstruct); it reads no rows. */
import { runSelfInstruct } from '../../selfInstructBatch';
import type { SelfInstructStep } from '../pipelineTypes';
import type { StepExecutor } from '../runnerTypes';
import { batchStepResult, modelsFor, profileModel, stepProgressOf } from './batchStepResult';

export const selfInstructStep: StepExecutor<SelfInstructStep> = async (step, context) => {
  const model = step.model !== undefined ? profileModel(step, context, step.model) : modelsFor(step, context, undefined, 'teacher')[0];
  if (!model) throw new Error('unreachable: modelsFor returns at least one model');
  const summary = await runSelfInstruct({
    seeds: step.seeds,
    output: context.output,
    model,
    count: step.count,
    signal: context.signal,
    onProgress: (progress) => context.onProgress(stepProgressOf(progress)),
    redact: (text) => context.redact(text),
    ...(step.seed !== undefined ? { seed: step.seed } : {}),
    ...(step.temperature !== undefined ? { temperature: step.temperature } : {}),
    ...(step.rougeThreshold !== undefined ? { rougeThreshold: step.rougeThreshold } : {}),
    ...(context.now ? { now: context.now } : {}),
  });
  const synthesis = summary.synthesis;
  const details: Record<string, number> = synthesis ? { proposed: synthesis.proposed, kept: synthesis.accepted, requests: synthesis.requests } : {};
  for (const message of synthesis?.failedRequests.slice(0, 3) ?? []) context.log(`step "${step.id}": ${context.redact(message)}`);
  const result = await batchStepResult(summary, false, details);
  // Fewer instructions than asked for (the request limit): partial, to be resumed by the next run.
  return summary.done < step.count && result.failed === 0 && !result.stoppedBy ? { ...result, failed: step.count - summary.done } : result;
};
