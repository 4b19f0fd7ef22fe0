/** The "dedup" step: exact then near-duplicate rows removed (streamed; see curation/dedupe.ts), the clusters reported. */
import { writeFileAtomic } from '../../../dataset/atomicWrite';
import { dedupeFile } from '../../../curation/dedupe';
import { InputError } from '../../../errors/located';
import type { DedupStep } from '../pipelineTypes';
import type { StepExecutor } from '../runnerTypes';
import { besideOutput, curationResult, PassProgress, requireInput, runCuration } from './stepSupport';

export const dedupStep: StepExecutor<DedupStep> = (step, context) =>
  runCuration(context, async () => {
    const input = requireInput(step, context);
    const threshold = step.threshold ?? 0.8;
    if (!(threshold > 0 && threshold < 1)) throw new InputError(`threshold must be between 0 and 1 (exclusive), not ${threshold}`, step.location);
    const progress = new PassProgress(context);
    const report = await dedupeFile(input.path, context.output, {
      field: step.field ?? 'prompt',
      threshold,
      exactOnly: step.exactOnly === true,
      signal: context.signal,
      shownInput: input.shown,
      observer: progress,
    });
    const reportFile = besideOutput(context.output, '.report.json');
    await writeFileAtomic(reportFile, `${JSON.stringify(report, null, 2)}\n`);
    progress.done(report.rows);
    return curationResult(report.rows, report.kept, {
      details: { duplicates: report.removed, exact: report.exactDuplicates, near: report.nearDuplicates, clusters: report.clusters.length },
      files: { report: reportFile },
    });
  });
