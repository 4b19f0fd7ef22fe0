/** The "filter" step: rows kept by score, verdict, length, kind, tag, teacher or provenance; one streamed pass. */
import { filterFile } from '../../../curation/filterFile';
import type { FilterSettings } from '../../../curation/filters';
import type { FilterStep } from '../pipelineTypes';
import type { StepExecutor } from '../runnerTypes';
import { curationResult, PassProgress, requireInput, runCuration } from './stepSupport';

/** The step's filter options without the step's own keys. */
function filterSettingsOf(step: FilterStep): FilterSettings {
  const { type: _type, id: _id, index: _index, input: _input, location: _location, ...settings } = step;
  return settings;
}

export const filterStep: StepExecutor<FilterStep> = (step, context) =>
  runCuration(context, async () => {
    const input = requireInput(step, context);
    const progress = new PassProgress(context);
    const report = await filterFile(input.path, context.output, { filter: filterSettingsOf(step), shownInput: input.shown, signal: context.signal, observer: progress });
    progress.done(report.rows);
    const dropped = Object.fromEntries(Object.entries(report.droppedBy).map(([reason, count]) => [`dropped:${reason}`, count]));
    return curationResult(report.rows, report.written, { details: { dropped: report.dropped, ...dropped } });
  });
