/** The "balance" step: capped or resampled categories, seeded; two streamed passes (categories, then the rows chosen). */
import { filterFile } from '../../../curation/filterFile';
import { InputError } from '../../../errors/located';
import type { BalanceStep } from '../pipelineTypes';
import type { StepExecutor } from '../runnerTypes';
import { curationResult, PassProgress, requireInput, runCuration } from './stepSupport';

export const balanceStep: StepExecutor<BalanceStep> = (step, context) =>
  runCuration(context, async () => {
    const input = requireInput(step, context);
    const settings = step.settings;
    if (settings.mode === 'cap' && !(Number.isInteger(settings.cap) && settings.cap >= 0)) throw new InputError(`cap must be a whole number ≥ 0, not ${String(settings.cap)}`, step.location);
    const progress = new PassProgress(context);
    const report = await filterFile(input.path, context.output, { balance: { by: step.by, settings }, shownInput: input.shown, signal: context.signal, observer: progress });
    progress.done(report.rows);
    const categories = Object.fromEntries((report.categories ?? []).map((c) => [`${step.by}:${c.category}`, `${c.before} → ${c.after}`]));
    return curationResult(report.rows, report.written, { details: { categories: report.categories?.length ?? 0, ...categories } });
  });
