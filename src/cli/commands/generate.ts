import { mkdir, readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { InputError } from '../../core/errors/located';
import { redact, secretsIn } from '../../core/llm/redact';
import { GenerateBatchSettingsError, runGenerateBatch } from '../../core/pipeline/generateBatch';
import type { BatchSummary } from '../../core/pipeline/types';
import type { GenerateSettings, SampleFilterSettings } from '../../core/tasks/types';
import type { CliCommand, CommandInput } from '../command';
import {
  BatchProgressDisplay, exitCodeOf, optionalInteger, optionalNumber, parseCommandLine, parseLineSelection, reportBatch, requiredString,
} from '../batchCommand';
import { buildCliEngine, engineOptionHelp, engineOptions, formatProfileDescriptions, type CliEngineExtras } from '../engineOptions';
import type { CliIo } from '../io';

type Values = CommandInput['values'];

/**
 * `distillery generate INPUT -o OUTPUT`: n samples from each teacher for every prompt of INPUT,
 * written to OUTPUT as they finish (append-only; the same command resumes an interrupted run).
 * `extras` lets tests give the engine short timeouts; the binary uses none.
 */
export function createGenerateCommand(extras: CliEngineExtras = {}): CliCommand {
  return {
    name: 'generate',
    summary: 'Distil: answer every prompt of a file with teacher models (resumable)',
    usage: 'INPUT -o OUTPUT [--model M] [--n N] [--teacher PROFILE ...] [options]',
    optionHelp: [
      '-o, --output FILE   where the new rows go (JSONL, appended; re-run the same command to resume)',
      ...engineOptionHelp,
      '--n N               samples per teacher per prompt (default 1)',
      '--system TEXT       a system prompt template; {{field}} takes a top-level string field of the row',
      '--system-file FILE  the same, read from a file',
      '--temperature T     sampling temperature (default: the profile\'s)',
      '--max-tokens N      the longest answer, in tokens (default: the profile\'s)',
      '--seed S            sample i is asked with seed S+i (default: none)',
      '--candidates        one row per prompt listing every kept sample (to judge later), not one row per sample',
      '--min-chars N       drop samples shorter than N characters',
      '--max-chars N       drop samples longer than N characters',
      '--keep-refusals     keep samples that refuse ("I can\'t help with that…"); dropped by default',
      '--dedupe MODE       off, exact or near (default): drop repeated samples of one prompt',
      '--verifier "CMD ARGS"  a program that gets {"prompt","answer","messages"} as JSON on stdin; exit 0 keeps the sample',
      '--concurrency N     input rows in flight at once (default 32); each profile also has its own limit',
      '--lines 3,5-9       only these lines of INPUT',
      '',
      'Rows are written in the order they finish. A row fails as a whole (none of its samples is',
      'written) and is listed in OUTPUT.errors.jsonl; the next run retries it, with the answers it',
      'already had coming from the response cache. Exit 0: every row done; 1: some rows failed;',
      '2: bad input; 3: the run stopped (a refused key, no quota left); 130: interrupted.',
    ],
    options: {
      ...engineOptions,
      output: { type: 'string', short: 'o' },
      n: { type: 'string' },
      system: { type: 'string' },
      'system-file': { type: 'string' },
      temperature: { type: 'string' },
      'max-tokens': { type: 'string' },
      seed: { type: 'string' },
      candidates: { type: 'boolean' },
      'min-chars': { type: 'string' },
      'max-chars': { type: 'string' },
      'keep-refusals': { type: 'boolean' },
      dedupe: { type: 'string' },
      verifier: { type: 'string' },
      concurrency: { type: 'string' },
      lines: { type: 'string' },
    },
    positionals: { min: 1, max: 1 },
    async run({ values, positionals, io }) {
      const shownInput = positionals[0] as string;
      const shownOutput = requiredString(values.output, '-o, --output', 'generate needs an output file: -o OUTPUT');
      const input = path.resolve(io.cwd, shownInput);
      const output = path.resolve(io.cwd, shownOutput);
      if (input === output) throw new InputError('the output must be another file than the input');
      const settings = await generateSettings(values, io);
      const concurrency = optionalInteger(values.concurrency, '--concurrency', 1);
      const lines = typeof values.lines === 'string' ? parseLineSelection(values.lines) : undefined;

      const cli = await buildCliEngine(values, io, { log: (message) => io.stderr.write(`distillery: warning: ${message}\n`), ...extras });
      const secrets = secretsIn(io.env);
      const clean = (text: string): string => redact(text, secrets);
      try {
        // Only the teachers play a part in this run.
        const teachers = cli.describe().filter((d) => d.roles.includes('teacher')).map((d) => ({ ...d, roles: ['teacher'] }));
        for (const line of formatProfileDescriptions(teachers)) io.stderr.write(`${line}\n`);
        await mkdir(path.dirname(output), { recursive: true });
        const display = new BatchProgressDisplay(io, 'generate');
        let summary: BatchSummary;
        try {
          summary = await runGenerateBatch({
            input,
            inputName: shownInput,
            output,
            teachers: cli.teachers,
            settings,
            signal: io.signal,
            onProgress: (progress) => display.update(progress),
            redact: clean,
            ...(lines ? { selectLines: lines } : {}),
            ...(concurrency !== undefined ? { concurrency } : {}),
          });
        } catch (error) {
          if (error instanceof GenerateBatchSettingsError) throw new InputError(error.problems.join('; '));
          throw error;
        } finally {
          display.finish();
        }
        await reportBatch(io, summary, cli, shownOutput, shownInput);
        return exitCodeOf(summary);
      } finally {
        cli.engine.dispose();
      }
    },
  };
}

export const generateCommand = createGenerateCommand();

async function generateSettings(values: Values, io: CliIo): Promise<GenerateSettings> {
  if (values.system !== undefined && values['system-file'] !== undefined) throw new InputError('give --system or --system-file, not both');
  let systemPrompt = typeof values.system === 'string' ? values.system : undefined;
  const systemFile = typeof values['system-file'] === 'string' ? values['system-file'] : undefined;
  if (systemFile !== undefined) {
    try {
      systemPrompt = await readFile(path.resolve(io.cwd, systemFile), 'utf8');
    } catch (error) {
      throw new InputError(`--system-file ${systemFile}: cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
  }
  const dedupe = values.dedupe;
  if (dedupe !== undefined && dedupe !== 'off' && dedupe !== 'exact' && dedupe !== 'near') {
    throw new InputError(`--dedupe must be off, exact or near, not "${String(dedupe)}"`);
  }
  const minChars = optionalInteger(values['min-chars'], '--min-chars', 0);
  const maxChars = optionalInteger(values['max-chars'], '--max-chars', 0);
  const verifier = typeof values.verifier === 'string' ? parseCommandLine(values.verifier, '--verifier') : undefined;
  const filters: SampleFilterSettings = {
    ...(minChars !== undefined ? { minChars } : {}),
    ...(maxChars !== undefined ? { maxChars } : {}),
    rejectRefusals: values['keep-refusals'] !== true,
    ...(dedupe !== undefined ? { dedupe } : {}),
    ...(verifier ? { verifier: { command: verifier[0] as string, args: verifier.slice(1), cwd: io.cwd } } : {}),
  };
  const temperature = optionalNumber(values.temperature, '--temperature', 0, 2);
  const maxTokens = optionalInteger(values['max-tokens'], '--max-tokens', 1);
  const seed = optionalInteger(values.seed, '--seed', Number.MIN_SAFE_INTEGER);
  return {
    n: optionalInteger(values.n, '--n', 1) ?? 1,
    output: values.candidates === true ? 'candidates' : 'sft',
    ...(systemPrompt !== undefined ? { systemPrompt } : {}),
    ...(temperature !== undefined ? { temperature } : {}),
    ...(maxTokens !== undefined ? { max_tokens: maxTokens } : {}),
    ...(seed !== undefined ? { seed } : {}),
    ...(values['no-cache'] === true ? { cache: 'off' as const } : {}),
    filters,
  };
}
