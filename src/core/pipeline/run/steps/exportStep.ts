/**
 * The "export" step: the training file at `to` (JSONL, or a JSON array for `.json`), each row without
 * its "distillery" key unless stripMetadata is false; and its own output, the rows as read, so that a
 * later step (a report) still sees provenance and teachers. One streamed pass writes both, atomically.
 */
import { AtomicRowWriter } from '../../../curation/atomicRowWriter';
import { convertRow, writeConverted } from '../../../curation/convertFile';
import { curationFormat } from '../../../curation/curationFormat';
import { datasetRows, fileHasBom } from '../../../curation/datasetRows';
import { InputError } from '../../../errors/located';
import type { ExportStep } from '../pipelineTypes';
import type { StepExecutor } from '../runnerTypes';
import { curationResult, PassProgress, requireInput, runCuration } from './stepSupport';

export const exportStep: StepExecutor<ExportStep> = (step, context) =>
  runCuration(context, async () => {
    const input = requireInput(step, context);
    if (step.to === input.path || step.to === context.output) throw new InputError('"to" must be another file than the step\'s input and output', step.location);
    const stripMetadata = step.stripMetadata ?? true;
    const bom = (await curationFormat(input.path)) === 'jsonl' && (await fileHasBom(input.path));
    const progress = new PassProgress(context);
    progress.passStarted(1, 1, undefined);
    let rows = 0;
    let stripped = 0;
    const training = await AtomicRowWriter.open(step.to, { bom });
    const output = await AtomicRowWriter.open(context.output, { bom, format: 'jsonl' }).catch(async (error: unknown) => {
      await training.abort();
      throw error;
    });
    try {
      for await (const row of datasetRows(input.path, input.shown, { signal: context.signal })) {
        rows++;
        const result = convertRow(row.value, { stripMetadata });
        if (!result.ok) throw new Error(result.message); // stripping alone never fails
        if (result.changed) stripped++;
        await writeConverted(training, row, result);
        await output.writeRow(row.value, row.raw, row.terminator);
        progress.rowsDone(rows);
      }
      await training.commit();
      await output.commit();
    } catch (error) {
      await training.abort();
      await output.abort();
      throw error;
    }
    progress.done(rows);
    return curationResult(rows, rows, { details: { exported: rows, metadataStripped: stripped }, files: { export: step.to } });
  });
