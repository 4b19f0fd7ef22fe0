/**
 * The pipeline runner that `distillery run` and the editor's Run Pipeline share. It runs the steps
 * in order, each reading the previous step's output (or the input it names) and writing its own
 * `<outputDir>/<NN>-<id>.jsonl`, and keeps the manifest beside them.
 *
 * Resume. A step recorded as done in the manifest, whose fingerprint (options, models, files it
 * names), input and output are unchanged, is skipped. A model step that did not finish resumes:
 * its batch runner skips the input rows already in its output (and the response cache answers the
 * calls it had made). A model step whose options changed starts its output afresh (the cache still
 * answers identical calls). Curation steps write their output atomically and simply run again.
 *
 * Failures. A step with failed rows is partial: the run goes on with the rows it has, and the next
 * run retries the failed ones (each step's `<output>.errors.jsonl` lists them). Bad input found by a
 * step (an InputError) ends the run and is thrown to the caller; a fatal model error (a refused
 * key, no quota) stops it; cancellation stops it within a second.
 */
import { mkdir, rm } from 'node:fs/promises';
import * as path from 'node:path';
import { errorsFileFor } from '../errorsFile';
import {
  fileStamp, manifestProfiles, pipelineRecord, readManifest, sameStamp, stepFingerprint, writeManifest,
  MANIFEST_FILE, type Manifest, type ManifestStep,
} from './manifest';
import { MODEL_STEP_TYPES, type PipelineStep } from './pipelineTypes';
import type {
  PipelineOutcome, PipelineSummary, RunPipelineOptions, StepContext, StepExecutor, StepResult, StepStatus,
} from './runnerTypes';
import { stepOutputFile } from './stepFiles';
import { STEP_EXECUTORS } from './steps';
import { removeVanishedRows } from '../vanishedRows';


/** The file each step reads, by the pipeline's rules (previous output, an earlier step's, or a file). */
export function stepInputs(options: Pick<RunPipelineOptions, 'pipeline'>): Map<string, string | undefined> {
  const { pipeline } = options;
  const inputs = new Map<string, string | undefined>();
  const outputs = new Map<string, string>();
  let previous: string | undefined = pipeline.input;
  for (const step of pipeline.steps) {
    let input: string | undefined;
    if (step.type === 'self-instruct') input = undefined;
    else if (step.input && 'step' in step.input) input = outputs.get(step.input.step);
    else if (step.input && 'file' in step.input) input = step.input.file;
    else input = previous;
    inputs.set(step.id, input);
    const output = stepOutputFile(pipeline.outputDir, step);
    outputs.set(step.id, output);
    previous = output;
  }
  return inputs;
}

export async function runPipeline(options: RunPipelineOptions): Promise<PipelineSummary> {
  const { pipeline, models } = options;
  const signal = options.signal ?? new AbortController().signal;
  const redact = options.redact ?? ((text: string) => text);
  const log = options.log ?? (() => undefined);
  const manifestFile = path.join(pipeline.outputDir, MANIFEST_FILE);
  await mkdir(pipeline.outputDir, { recursive: true });

  const previous = await readManifest(manifestFile);
  const profiles = manifestProfiles(pipeline.models);
  const startedAt = new Date().toISOString();
  const records = new Map<string, ManifestStep>();
  const inputs = stepInputs(options);
  const stepsToRun = untilStep(pipeline.steps, options.until);

  const save = async (outcome?: PipelineOutcome): Promise<void> => {
    const steps = pipeline.steps.map((step) => records.get(step.id)).filter((record): record is ManifestStep => record !== undefined);
    const manifest: Omit<Manifest, 'version'> = {
      pipeline: pipelineRecord(pipeline),
      input: pipeline.input !== undefined ? { file: pipeline.input, stamp: await fileStamp(pipeline.input) } : undefined,
      profiles,
      startedAt,
      updatedAt: new Date().toISOString(),
      ...(outcome !== undefined ? { finishedAt: new Date().toISOString(), outcome } : {}),
      steps,
      usage: models.ledger.summary(),
      costUsd: steps.reduce((sum, step) => sum + (step.result?.costUsd ?? 0), 0),
    };
    await writeManifest(manifestFile, manifest);
  };

  let outcome: PipelineOutcome = 'success';
  for (const step of stepsToRun) {
    const input = inputs.get(step.id);
    const output = stepOutputFile(pipeline.outputDir, step);
    const modelStep = MODEL_STEP_TYPES.has(step.type);
    const fingerprint = await stepFingerprint(step, profiles, modelStep);
    const inputStamp = await fileStamp(input);
    const before = previous?.steps.find((record) => record.id === step.id);

    if (before && before.status === 'done' && before.fingerprint === fingerprint && path.basename(before.output) === path.basename(output)
      && (input === undefined || sameStamp(before.inputStamp, inputStamp)) && sameStamp(before.outputStamp, await fileStamp(output)) && before.result) {
      records.set(step.id, before);
      options.onEvent?.({ kind: 'step-skipped', step, result: before.result });
      continue;
    }
    if (modelStep && before && before.fingerprint !== fingerprint) {
      // Rows written under other options are not this step's rows: start afresh (the cache answers identical calls).
      log(`step "${step.id}": its options, models or files changed since the last run, so its output is written afresh`);
      await rm(output, { force: true });
      await rm(errorsFileFor(output), { force: true });
    }
    const resumed = modelStep && (await fileStamp(output)) !== undefined;
    // Its input changed since it last ran: what it made from rows no longer there must not flow on.
    const inputChanged = resumed && input !== undefined && (!before || !sameStamp(before.inputStamp, inputStamp));

    const record = (status: StepStatus, extra: Partial<ManifestStep> = {}): ManifestStep => ({
      id: step.id, type: step.type, status, input, output, fingerprint, inputStamp, outputStamp: undefined, startedAt: new Date().toISOString(), ...extra,
    });
    const started = record('running');
    records.set(step.id, started);
    await save();
    options.onEvent?.({ kind: 'step-start', step, output, resumed });

    // The table pairs each type with its executor; TypeScript cannot follow that through a lookup.
    const executor = STEP_EXECUTORS[step.type] as StepExecutor;
    const context: StepContext = {
      pipeline,
      input,
      inputName: input === undefined ? undefined : path.relative(path.dirname(pipeline.file), input) || input,
      output,
      models,
      signal,
      onProgress: (progress) => options.onEvent?.({ kind: 'step-progress', step, progress }),
      redact,
      log,
      ...(options.now ? { now: options.now } : {}),
    };

    let result: StepResult;
    try {
      if (inputChanged && input !== undefined) {
        const vanished = await removeVanishedRows(input, output, signal);
        if (vanished.rows > 0 || vanished.failures > 0) {
          const counted = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;
          log(`step "${step.id}": its input changed since the last run; removed ${counted(vanished.rows, 'output row')} and ${counted(vanished.failures, 'recorded failure')} of input rows no longer in it`);
        }
      }
      result = await executor(step, context);
    } catch (error) {
      const cancelled = signal.aborted;
      const message = redact(error instanceof Error ? error.message : String(error));
      records.set(step.id, { ...started, status: cancelled ? 'cancelled' : 'failed', finishedAt: new Date().toISOString(), error: message });
      const end: StepResult = { rowsIn: undefined, rowsOut: 0, failed: 0, cached: 0, costUsd: 0, ...(cancelled ? { stoppedBy: 'cancelled' as const } : {}) };
      options.onEvent?.({ kind: 'step-end', step, status: cancelled ? 'cancelled' : 'failed', result: end });
      if (cancelled) {
        await save('cancelled');
        return summaryOf('cancelled');
      }
      await save('stopped');
      throw error;
    }

    const status: StepStatus = result.stoppedBy === 'cancelled' ? 'cancelled' : result.stoppedBy === 'fatal' ? 'failed' : result.failed > 0 ? 'partial' : 'done';
    records.set(step.id, { ...started, status, finishedAt: new Date().toISOString(), outputStamp: await fileStamp(output), result: { ...result, ...(result.fatal !== undefined ? { fatal: redact(result.fatal) } : {}) } });
    options.onEvent?.({ kind: 'step-end', step, status, result });
    if (status === 'cancelled' || status === 'failed') {
      outcome = status === 'cancelled' ? 'cancelled' : 'stopped';
      break;
    }
    if (status === 'partial') outcome = 'partial';
  }
  await save(outcome);
  return summaryOf(outcome);

  function summaryOf(finalOutcome: PipelineOutcome): PipelineSummary {
    const steps = pipeline.steps.map((step) => {
      const record = records.get(step.id);
      return {
        id: step.id,
        type: step.type,
        status: record?.status ?? ('pending' as const),
        output: stepOutputFile(pipeline.outputDir, step),
        ...(record?.result ? { result: record.result } : {}),
      };
    });
    return { outcome: finalOutcome, steps, costUsd: steps.reduce((sum, step) => sum + (step.result?.costUsd ?? 0), 0), manifest: manifestFile };
  }
}

function untilStep(steps: readonly PipelineStep[], until: string | undefined): readonly PipelineStep[] {
  if (until === undefined) return steps;
  const index = steps.findIndex((step) => step.id === until);
  if (index < 0) throw new RangeError(`no step named "${until}" (steps: ${steps.map((step) => step.id).join(', ')})`);
  return steps.slice(0, index + 1);
}
