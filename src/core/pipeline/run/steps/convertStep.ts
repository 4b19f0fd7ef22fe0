/** The "convert" step: rows to messages or ShareGPT form, streamed; rows already in form kept byte for byte. */
import { convertFile } from '../../../curation/convertFile';
import { InputError } from '../../../errors/located';
import type { ConvertStep } from '../pipelineTypes';
import type { StepExecutor } from '../runnerTypes';
import { curationResult, PassProgress, requireInput, runCuration } from './stepSupport';

export const convertStep: StepExecutor<ConvertStep> = (step, context) =>
  runCuration(context, async () => {
    const input = requireInput(step, context);
    const progress = new PassProgress(context);
    const report = await convertFile(input.path, context.output, { to: step.to, shownInput: input.shown, signal: context.signal, observer: progress });
    const first = report.problems[0];
    if (first !== undefined) {
      const more = report.problemCount > 1 ? ` (and ${report.problemCount - 1} more rows)` : '';
      throw new InputError(`${first.message}${more}; nothing written`, { file: input.shown, line: first.line, column: 1 });
    }
    progress.done(report.rows);
    return curationResult(report.rows, report.rows, { details: { converted: report.converted } });
  });
