/**
 * `distillery run PIPELINE`: runs a `*.distillery.jsonc` pipeline with the runner the editor's
 * Run Pipeline uses, resuming where an earlier run stopped; `--dry-run` estimates requests, tokens
 * and cost first and spends nothing.
 */
import * as path from 'node:path';
import { InputError } from '../../core/errors/located';
import { formatUsageTable } from '../../core/llm/accounting';
import { redact, secretsIn } from '../../core/llm/redact';
import { loadPipeline } from '../../core/pipeline/run/pipelineFile';
import { runPipeline } from '../../core/pipeline/run/runPipeline';
import type { PipelineSummary } from '../../core/pipeline/run/runnerTypes';
import type { CliCommand } from '../command';
import { ExitCode } from '../exitCodes';
import { formatProfileDescriptions, type CliEngineExtras } from '../engineOptions';
import { formatDryRun, dryRunPipeline } from '../pipelineDryRun';
import { PipelineProgressDisplay, formatPipelineSummary } from '../pipelineDisplay';
import { buildPipelineEngine } from '../pipelineEngine';
import type { TokenCounter } from '../../core/statistics/tokens';
import { bundledTokenCounterLoader } from '../../tokenizers/bundleLoader';

/** `countTokens` counts prompt tokens for --dry-run (o200k_base from the CLI's tokenizer bundle by default). */
export function createRunCommand(extras: CliEngineExtras = {}, loadTokenCounter: () => Promise<TokenCounter> = () => bundledTokenCounterLoader(path.join(__dirname, 'tokenizers'))('o200k_base')): CliCommand {
  return {
    name: 'run',
    summary: 'Run a pipeline file (*.distillery.jsonc), resuming an interrupted run',
    usage: 'PIPELINE [--dry-run] [--until STEP] [--json] [options]',
    optionHelp: [
      '--dry-run           estimate requests, tokens and cost of what is left to do; send nothing',
      '--until STEP        stop after this step',
      '--json              print the summary (or the estimate) as JSON on stdout',
      '--profiles FILE     model profiles when the pipeline has no "models" section (default:',
      '                    $DISTILLERY_PROFILES; else OPENAI_BASE_URL, OPENAI_MODEL, OPENAI_API_KEY)',
      '--no-cache          ask the models again even when the response cache has the answer',
      '--cache-dir DIR     where answers are cached (default .distillery/cache)',
      '',
      'Step outputs and manifest.json go to the pipeline\'s outputDir. Run the same command again to',
      'resume: finished steps are skipped, model steps go on from the rows they had written, and',
      'rows that failed are retried. Exit 0: every step done; 1: some rows failed (see each',
      'step\'s .errors.jsonl); 2: bad input (the pipeline file, a dataset, a constitution);',
      '3: the run stopped (a refused key, no quota left); 130: interrupted.',
    ],
    options: {
      'dry-run': { type: 'boolean' },
      until: { type: 'string' },
      json: { type: 'boolean' },
      profiles: { type: 'string' },
      'no-cache': { type: 'boolean' },
      'cache-dir': { type: 'string' },
    },
    positionals: { min: 1, max: 1 },
    async run({ values, positionals, io }) {
      const file = path.resolve(io.cwd, positionals[0] as string);
      const pipeline = await loadPipeline(file, io.env);
      const secrets = secretsIn(io.env);
      const clean = (text: string): string => redact(text, secrets);
      const log = (message: string): void => {
        io.stderr.write(`distillery: warning: ${clean(message)}\n`);
      };
      const engineOptions = {
        ...(typeof values['cache-dir'] === 'string' ? { cacheDir: values['cache-dir'] } : {}),
        ...(values['no-cache'] === true ? { noCache: true } : {}),
        ...(typeof values.profiles === 'string' ? { profilesFile: values.profiles } : {}),
      };
      const until = typeof values.until === 'string' ? values.until : undefined;
      if (until !== undefined && !pipeline.steps.some((step) => step.id === until)) {
        throw new InputError(`--until: no step named "${until}" (steps: ${pipeline.steps.map((step) => step.id).join(', ')})`);
      }

      if (values['dry-run'] === true) {
        const estimate = await dryRunPipeline(pipeline, io, engineOptions, { ...extras, log }, until, await loadTokenCounter());
        if (values.json === true) io.stdout.write(`${JSON.stringify(estimate, null, 2)}\n`);
        else for (const line of formatDryRun(estimate, io.cwd)) io.stdout.write(`${line}\n`);
        return ExitCode.Success;
      }

      const built = await buildPipelineEngine(pipeline, io, engineOptions, { ...extras, log });
      try {
        io.stderr.write(`pipeline ${pipeline.name}: ${pipeline.steps.length} steps, outputs in ${path.relative(io.cwd, pipeline.outputDir) || '.'}\n`);
        for (const line of formatProfileDescriptions(built.describe())) io.stderr.write(`${line}\n`);
        const display = new PipelineProgressDisplay(io, pipeline.steps.length);
        let summary: PipelineSummary;
        try {
          summary = await runPipeline({
            pipeline,
            models: built.models,
            signal: io.signal,
            onEvent: (event) => display.onEvent(event),
            redact: clean,
            log,
            ...(until !== undefined ? { until } : {}),
          });
        } finally {
          display.finish();
        }
        if (values.json === true) {
          io.stdout.write(`${JSON.stringify({ ...summary, usage: built.engine.ledger.summary() }, null, 2)}\n`);
        } else {
          const usage = built.engine.ledger.summary();
          for (const line of formatPipelineSummary(summary, io.cwd, usage.total.unpricedCalls === 0)) io.stdout.write(`${line}\n`);
          io.stdout.write('\n');
          for (const line of formatUsageTable(usage)) io.stdout.write(`${line}\n`);
          io.stdout.write(`manifest: ${path.relative(io.cwd, summary.manifest)}\n`);
        }
        return exitCodeOfPipeline(summary);
      } finally {
        built.engine.dispose();
      }
    },
  };
}

export function exitCodeOfPipeline(summary: PipelineSummary): ExitCode {
  switch (summary.outcome) {
    case 'success':
      return ExitCode.Success;
    case 'partial':
      return ExitCode.PartialFailure;
    case 'stopped':
      return ExitCode.Failure;
    case 'cancelled':
      return ExitCode.Interrupted;
  }
}

export const runCommand = createRunCommand();
