/** The "decontaminate" step: rows sharing a long n-gram with a benchmark removed (benchmarks in memory, input streamed). */
import { writeFileAtomic } from '../../../dataset/atomicWrite';
import { decontaminateFile } from '../../../curation/decontaminate';
import { InputError } from '../../../errors/located';
import * as path from 'node:path';
import type { DecontaminateStep } from '../pipelineTypes';
import type { StepExecutor } from '../runnerTypes';
import { besideOutput, curationResult, PassProgress, requireInput, runCuration } from './stepSupport';

export const decontaminateStep: StepExecutor<DecontaminateStep> = (step, context) =>
  runCuration(context, async () => {
    const input = requireInput(step, context);
    if (step.against.length === 0) throw new InputError('decontaminate needs at least one benchmark file in "against"', step.location);
    const folder = path.dirname(context.pipeline.file);
    const benchmarks = step.against.map((file) => ({ path: file, shown: path.relative(folder, file) || file }));
    const progress = new PassProgress(context);
    const report = await decontaminateFile(input.path, benchmarks, context.output, {
      ngram: step.ngram ?? 13,
      signal: context.signal,
      shownInput: input.shown,
      observer: progress,
    });
    const reportFile = besideOutput(context.output, '.report.json');
    await writeFileAtomic(reportFile, `${JSON.stringify(report, null, 2)}\n`);
    progress.done(report.rows);
    return curationResult(report.rows, report.kept, {
      details: { contaminated: report.removed, benchmarkItems: report.benchmarkItems },
      files: { report: reportFile },
    });
  });
