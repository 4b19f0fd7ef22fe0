/**
 * `distillery batch export|import PIPELINE …`: a pipeline's model calls as OpenAI Batch API
 * request files (which `vllm run-batch` runs too), and the batch results back into the response
 * cache, wave after wave, until `distillery run` finishes from the cache with no request sent.
 *
 * export runs the pipeline over an engine in defer mode: every call the cache answers is answered
 * (the rows it completes are written), every other call goes to a request file instead of the
 * network, and its row fails as deferred, to be done by a later run. import checks each reply
 * and puts the good ones into the cache under their custom_id (the call's cache key).
 */
import * as path from 'node:path';
import { importBatchResults, type ImportReport } from '../../core/batch/importResults';
import { BatchRequestWriter, MAX_BATCH_BYTES, MAX_BATCH_REQUESTS, type BatchExport } from '../../core/batch/requestFiles';
import { InputError } from '../../core/errors/located';
import { DEFERRED_TO_BATCH } from '../../core/llm/errors';
import { redact, secretsIn } from '../../core/llm/redact';
import { ResponseCache } from '../../core/llm/responseCache';
import { readFailedRows } from '../../core/pipeline/errorsFile';
import { loadPipeline } from '../../core/pipeline/run/pipelineFile';
import { MODEL_STEP_TYPES, type PipelineDefinition } from '../../core/pipeline/run/pipelineTypes';
import { runPipeline } from '../../core/pipeline/run/runPipeline';
import type { PipelineSummary } from '../../core/pipeline/run/runnerTypes';
import { optionalInteger } from '../batchCommand';
import type { CliCommand, CommandInput } from '../command';
import { DEFAULT_CACHE_DIR, formatProfileDescriptions, type CliEngineExtras } from '../engineOptions';
import { ExitCode } from '../exitCodes';
import type { CliIo } from '../io';
import { PipelineProgressDisplay } from '../pipelineDisplay';
import { buildPipelineEngine } from '../pipelineEngine';

type Action = 'export' | 'import';
const actions: readonly Action[] = ['export', 'import'];

/** Where request files go when `-o` does not say: beside the pipeline's step outputs. */
export function defaultBatchDirectory(pipeline: PipelineDefinition): string {
  return path.join(pipeline.outputDir, 'batch');
}

/** Problems listed on stderr; the counts cover them all. */
const LISTED_PROBLEMS = 20;

/** `extras` lets tests give the engine a transport or short timeouts; the binary uses none. */
export function createBatchCommand(extras: CliEngineExtras = {}): CliCommand {
  return {
    name: 'batch',
    summary: 'Export a pipeline\'s model calls as Batch API request files, and import the results',
    usage: 'export PIPELINE [-o DIR] [--max-requests N] [--max-bytes B] | import PIPELINE RESULTS.jsonl... [--requests DIR]',
    optionHelp: [
      'export PIPELINE          run the pipeline without sending any request: calls the response',
      '                         cache answers are used, every other call is written to an OpenAI',
      '                         Batch API request file (one profile per file), which the OpenAI',
      '                         Batch API or `vllm run-batch` runs',
      `  -o, --output DIR       where the request files and batch-index.json go (default:`,
      '                         the pipeline\'s outputDir/batch); an earlier export there is replaced',
      `  --max-requests N       requests per file at most (default ${MAX_BATCH_REQUESTS})`,
      `  --max-bytes B          bytes per file at most (default ${MAX_BATCH_BYTES}, 200 MB)`,
      '  --until STEP           only up to this step (default: the last step that calls a model)',
      'import PIPELINE RESULTS.jsonl...',
      '                         put the replies of batch output files into the response cache;',
      '                         a reply that failed, or does not match its request, is listed',
      '                         as FILE:LINE and not imported (the next export asks again)',
      '  --requests DIR         the export the results answer (default: as for export -o)',
      '--profiles FILE          model profiles when the pipeline has no "models" section',
      '--cache-dir DIR          the response cache (default .distillery/cache): the same for',
      '                         export, import and run',
      '',
      'The loop: batch export → run the files → batch import → batch export again (the next wave,',
      'e.g. revisions after critiques) … until export has nothing left; then `distillery run`',
      'finishes from the cache. Exit 0: done; 1: some rows (export) or replies (import) failed;',
      '2: bad input; 3: the run stopped; 130: interrupted.',
    ],
    options: {
      output: { type: 'string', short: 'o' },
      'max-requests': { type: 'string' },
      'max-bytes': { type: 'string' },
      until: { type: 'string' },
      requests: { type: 'string' },
      profiles: { type: 'string' },
      'cache-dir': { type: 'string' },
    },
    positionals: { min: 2, max: Infinity },
    async run(input) {
      const action = input.positionals[0] as Action;
      if (!actions.includes(action)) throw new InputError(`unknown action "${action}": use ${actions.join(' or ')}`);
      const [pipelineFile, ...results] = input.positionals.slice(1) as [string, ...string[]];
      if (action === 'export') {
        if (results.length > 0) throw new InputError(`batch export takes one pipeline file, not ${results.length + 1} files`);
        return exportRequests(pipelineFile, input, extras);
      }
      if (results.length === 0) throw new InputError('batch import needs the result files: batch import PIPELINE RESULTS.jsonl...');
      return importResults(pipelineFile, results, input);
    },
  };
}

export const batchCommand = createBatchCommand();

async function loadForBatch(file: string, io: CliIo): Promise<PipelineDefinition> {
  const pipeline = await loadPipeline(path.resolve(io.cwd, file), io.env);
  if (pipeline.cache === false) {
    throw new InputError(`${file}: the pipeline turns the response cache off ("cache": false), and batch replies reach a run only through the cache`);
  }
  return pipeline;
}

function shown(io: CliIo, file: string): string {
  return path.relative(io.cwd, file) || '.';
}

async function exportRequests(file: string, { values, io }: CommandInput, extras: CliEngineExtras): Promise<ExitCode> {
  const pipeline = await loadForBatch(file, io);
  const maxRequests = optionalInteger(values['max-requests'], '--max-requests', 1);
  const maxBytes = optionalInteger(values['max-bytes'], '--max-bytes', 1024);
  const asked = typeof values.until === 'string' ? values.until : undefined;
  if (asked !== undefined && !pipeline.steps.some((step) => step.id === asked)) {
    throw new InputError(`--until: no step named "${asked}" (steps: ${pipeline.steps.map((step) => step.id).join(', ')})`);
  }
  // Steps after the last model step call no model: run on rows still missing, they would only
  // write exports and reports of a half-done dataset. `distillery run` does them at the end.
  const until = asked ?? [...pipeline.steps].reverse().find((step) => MODEL_STEP_TYPES.has(step.type))?.id;
  const directory = typeof values.output === 'string' ? path.resolve(io.cwd, values.output) : defaultBatchDirectory(pipeline);
  const secrets = secretsIn(io.env);
  const clean = (text: string): string => redact(text, secrets);
  const log = (message: string): void => {
    io.stderr.write(`distillery: warning: ${clean(message)}\n`);
  };

  const writer = await BatchRequestWriter.create({
    directory, source: pipeline.name,
    ...(maxRequests !== undefined ? { maxRequests } : {}),
    ...(maxBytes !== undefined ? { maxBytes } : {}),
  });
  let summary: PipelineSummary;
  let built: Awaited<ReturnType<typeof buildPipelineEngine>> | undefined;
  try {
    built = await buildPipelineEngine(pipeline, io, {
      ...(typeof values['cache-dir'] === 'string' ? { cacheDir: values['cache-dir'] } : {}),
      ...(typeof values.profiles === 'string' ? { profilesFile: values.profiles } : {}),
    }, { ...extras, log, deferRequests: (request) => writer.add(request) });
    io.stderr.write(`pipeline ${pipeline.name}: exporting the model calls the cache cannot answer (nothing is sent)\n`);
    for (const line of formatProfileDescriptions(built.describe())) io.stderr.write(`${line}\n`);
    const display = new PipelineProgressDisplay(io, pipeline.steps.length);
    try {
      summary = await runPipeline({
        pipeline, models: built.models, signal: io.signal, onEvent: (event) => display.onEvent(event), redact: clean, log,
        ...(until !== undefined ? { until } : {}),
      });
    } finally {
      display.finish();
    }
  } catch (error) {
    await writer.discard();
    throw error;
  } finally {
    built?.engine.dispose();
  }

  if (summary.outcome === 'cancelled' || summary.outcome === 'stopped') {
    await writer.discard();
    const why = summary.steps.map((step) => step.result?.fatal).find((fatal) => fatal !== undefined);
    io.stderr.write(summary.outcome === 'cancelled'
      ? 'distillery: interrupted; nothing was exported (an earlier export in the folder is unchanged)\n'
      : `distillery: the run stopped${why !== undefined ? `: ${why}` : ''}; nothing was exported\n`);
    return summary.outcome === 'cancelled' ? ExitCode.Interrupted : ExitCode.Failure;
  }
  const exported = await writer.finish();
  printExport(io, exported, file, directory === defaultBatchDirectory(pipeline));
  const { deferred, otherFailures } = await failedRows(summary);
  if (deferred > 0) {
    io.stderr.write(`distillery: ${deferred} row${deferred === 1 ? ' is' : 's are'} listed as failed only because ${deferred === 1 ? 'its calls were' : 'their calls were'} deferred to the request files; a later run does ${deferred === 1 ? 'it' : 'them'} once the replies are imported\n`);
  }
  for (const failure of otherFailures.slice(0, LISTED_PROBLEMS)) io.stderr.write(`${failure}\n`);
  if (otherFailures.length > 0) {
    io.stderr.write(`distillery: ${otherFailures.length} row${otherFailures.length === 1 ? '' : 's'} failed for another reason than the export (see each step's .errors.jsonl)\n`);
    return ExitCode.PartialFailure;
  }
  return ExitCode.Success;
}

function printExport(io: CliIo, exported: BatchExport, pipelineFile: string, defaultDirectory: boolean): void {
  const { index } = exported;
  const where = shown(io, exported.directory);
  if (exported.removed.length > 0) io.stderr.write(`distillery: replaced the earlier export in ${where} (${exported.removed.length} old file${exported.removed.length === 1 ? '' : 's'} removed)\n`);
  if (index.requests === 0) {
    io.stdout.write(`nothing to export: the response cache answers every model call of the pipeline\n`);
    io.stdout.write(`next: distillery run ${pipelineFile}\n`);
    return;
  }
  io.stdout.write(`${index.requests} request${index.requests === 1 ? '' : 's'} in ${index.files.length} file${index.files.length === 1 ? '' : 's'} (${shown(io, exported.indexFile)}):\n`);
  for (const entry of index.files) {
    io.stdout.write(`  ${path.join(where, entry.file)}: ${entry.requests} requests, ${formatBytes(entry.bytes)}, profile ${entry.profile} (${entry.model} at ${entry.baseURL})\n`);
  }
  if (exported.duplicates > 0) io.stdout.write(`${exported.duplicates} repeated calls share a request\n`);
  for (const big of exported.oversized) {
    io.stderr.write(`distillery: warning: a request of profile ${big.profile} is ${formatBytes(big.bytes)}, over the per-file limit; it is alone in its file, which the service may refuse\n`);
  }
  const first = index.files[0];
  io.stdout.write('next: run each file on its profile\'s endpoint and keep the output files, e.g.\n');
  if (first) {
    io.stdout.write(`  vllm run-batch -i ${path.join(where, first.file)} -o results/${first.file} --model ${first.model}\n`);
  }
  io.stdout.write('  or the OpenAI Batch API: upload each file (purpose "batch"), create a batch with endpoint /v1/chat/completions, download its output (and error) file\n');
  io.stdout.write(`then: distillery batch import ${pipelineFile} RESULTS.jsonl...${defaultDirectory ? '' : ` --requests ${where}`}\n`);
}

/** Rows that failed only because their calls were deferred, and the others (which need the user, not a batch). */
async function failedRows(summary: PipelineSummary): Promise<{ deferred: number; otherFailures: string[] }> {
  let deferred = 0;
  const otherFailures: string[] = [];
  for (const step of summary.steps) {
    const errorsFile = step.result?.errorsFile;
    if (errorsFile === undefined) continue;
    for (const failure of (await readFailedRows(errorsFile)).values()) {
      if (failure.error.includes(DEFERRED_TO_BATCH)) deferred++;
      else otherFailures.push(`step ${step.id}, input line ${failure.line}: error: ${failure.error}`);
    }
  }
  return { deferred, otherFailures };
}

async function importResults(file: string, results: readonly string[], { values, io }: CommandInput): Promise<ExitCode> {
  const pipeline = await loadForBatch(file, io);
  const requestsDirectory = typeof values.requests === 'string' ? path.resolve(io.cwd, values.requests) : defaultBatchDirectory(pipeline);
  const cacheDirectory = path.resolve(io.cwd, typeof values['cache-dir'] === 'string' ? values['cache-dir'] : DEFAULT_CACHE_DIR);
  const report = await importBatchResults({
    cache: new ResponseCache(cacheDirectory),
    requestsDirectory,
    resultFiles: results.map((result) => path.resolve(io.cwd, result)),
    displayName: (name) => shown(io, name),
    signal: io.signal,
  });
  if (report.index.source !== undefined && report.index.source !== pipeline.name) {
    io.stderr.write(`distillery: warning: ${shown(io, requestsDirectory)} was exported from the pipeline "${report.index.source}", not "${pipeline.name}"\n`);
  }
  printImport(io, report, cacheDirectory, file);
  return report.failed > 0 ? ExitCode.PartialFailure : ExitCode.Success;
}

function printImport(io: CliIo, report: ImportReport, cacheDirectory: string, pipelineFile: string): void {
  for (const problem of report.problems.slice(0, LISTED_PROBLEMS)) {
    io.stderr.write(`${problem.file}:${problem.line}${problem.column !== undefined ? `:${problem.column}` : ''}: error: ${problem.reason}\n`);
  }
  if (report.problems.length > LISTED_PROBLEMS) io.stderr.write(`… and ${report.problems.length - LISTED_PROBLEMS} more\n`);

  const header = ['profile', 'model', 'imported', 'failed', 'skipped', 'tokens in', 'tokens out'];
  const rows = report.profiles.map((p) => [p.profile, p.model, String(p.imported), String(p.failed), String(p.skipped), String(p.promptTokens), String(p.completionTokens)]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  for (const row of [header, ...rows]) io.stdout.write(`${row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd()}\n`);
  const unknownFailures = report.failed - report.profiles.reduce((sum, p) => sum + p.failed, 0);
  io.stdout.write(`${report.imported} imported, ${report.failed} failed${unknownFailures > 0 ? ` (${unknownFailures} not of a known request)` : ''}, ${report.skipped} skipped (already cached), into ${shown(io, cacheDirectory)}\n`);
  if (report.unanswered > 0) {
    io.stdout.write(`${report.unanswered} exported request${report.unanswered === 1 ? ' has' : 's have'} no reply yet: import more result files, or the next batch export asks again\n`);
  }
  io.stdout.write(`next: distillery batch export ${pipelineFile} (the next wave), or distillery run ${pipelineFile} to finish from the cache\n`);
}

function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1_000_000) return `${(bytes / 1000).toFixed(1)} kB`;
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}
