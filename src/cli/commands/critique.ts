import { mkdir, readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { parseConstitution } from '../../core/constitution/parse';
import type { ConstitutionDocument } from '../../core/constitution/types';
import { InputError } from '../../core/errors/located';
import { redact, secretsIn } from '../../core/llm/redact';
import { runCritiqueBatch, type CritiqueBatchSummary } from '../../core/pipeline/critiqueBatch';
import { CritiqueSettingsError } from '../../core/tasks/critiqueRevise';
import type { CritiqueSettings } from '../../core/tasks/critiqueTypes';
import { readFewShotExamples } from '../../core/tasks/fewShot';
import type { CliCommand, CommandInput } from '../command';
import { buildCliEngine, engineOptionHelp, engineOptions, formatProfileDescriptions, type CliEngineExtras } from '../engineOptions';
import { ExitCode } from '../exitCodes';
import type { CliIo } from '../io';
import {
  BatchProgressDisplay, exitCodeOf, optionalInteger, optionalNumber, parseLineSelection, reportBatch, requiredString,
} from '../batchCommand';

type Values = CommandInput['values'];

/**
 * `distillery critique INPUT --constitution FILE -o OUTPUT`: critique–revise every answer of INPUT
 * against principles drawn from the constitution, on the critic profile; OUTPUT gets the revised
 * rows (or preference pairs), append-only, and the same command resumes an interrupted run.
 * `extras` lets tests give the engine short timeouts; the binary uses none.
 */
export function createCritiqueCommand(extras: CliEngineExtras = {}): CliCommand {
  return {
    name: 'critique',
    summary: 'Critique and revise every answer of a file against a constitution (resumable)',
    usage: 'INPUT --constitution FILE -o OUTPUT [--rounds K] [--pairs] [--seed S] [--tags a,b] [options]',
    optionHelp: [
      '-o, --output FILE     where the new rows go (JSONL, appended; re-run the same command to resume)',
      '--constitution FILE   the principles (a .constitution.md); its errors are printed as FILE:LINE:COLUMN',
      '--rounds K            critique–revise rounds per answer, each with its own principle (default 1)',
      '--seed S              the seed of the principle draw (default 0); each row draws with a seed derived',
      '                      from S and the row, recorded in the row',
      '--tags a,b            draw only principles with any of these tags',
      '--principle ID        use exactly these principles, in order (repeatable), instead of drawing',
      '--few-shot FILE       worked examples {prompt, answer, critique, revision} (JSONL or a JSON array)',
      '--pairs               write preference rows {prompt, chosen: revision, rejected: original} instead of',
      '                      revised rows; an answer no round revised gives no pair',
      '--keep-going          revise even when a critique finds nothing to fix (by default the chain stops there)',
      '--critic PROFILE      the profile that critiques and revises (default: the file\'s roles.critic, else its default)',
      ...engineOptionHelp.filter((line) => !line.startsWith('--teacher')),
      '--temperature T       sampling temperature of the critic (default: the profile\'s)',
      '--max-tokens N        the longest critique or revision, in tokens (default: the profile\'s)',
      '--concurrency N       input rows in flight at once (default 32); the profile also has its own limit',
      '--lines 3,5-9         only these lines of INPUT',
      '',
      'The critique of each row is stored under its "distillery.critique" key: principles, critiques,',
      'revisions, the critic, the seed and the constitution\'s SHA-256. A row that fails (no answer, a',
      'critic reply that breaks the JSON schema) is listed in OUTPUT.errors.jsonl and retried by the next',
      'run. Exit 0: every row done; 1: some rows failed; 2: bad input; 3: the run stopped (a refused key,',
      'no quota left); 130: interrupted.',
    ],
    options: {
      ...engineOptions,
      critic: { type: 'string' },
      output: { type: 'string', short: 'o' },
      constitution: { type: 'string' },
      rounds: { type: 'string' },
      seed: { type: 'string' },
      tags: { type: 'string' },
      principle: { type: 'string', multiple: true },
      'few-shot': { type: 'string' },
      pairs: { type: 'boolean' },
      'keep-going': { type: 'boolean' },
      temperature: { type: 'string' },
      'max-tokens': { type: 'string' },
      concurrency: { type: 'string' },
      lines: { type: 'string' },
    },
    positionals: { min: 1, max: 1 },
    async run({ values, positionals, io }) {
      const shownInput = positionals[0] as string;
      const shownOutput = requiredString(values.output, '-o, --output', 'critique needs an output file: -o OUTPUT');
      const shownConstitution = requiredString(values.constitution, '--constitution', 'critique needs a constitution: --constitution FILE');
      const input = path.resolve(io.cwd, shownInput);
      const output = path.resolve(io.cwd, shownOutput);
      if (input === output) throw new InputError('the output must be another file than the input');
      const settings = await critiqueSettings(values, io);
      const concurrency = optionalInteger(values.concurrency, '--concurrency', 1);
      const lines = typeof values.lines === 'string' ? parseLineSelection(values.lines) : undefined;
      const constitution = await readConstitution(shownConstitution, io);
      if (!constitution) return ExitCode.BadInput;

      const cli = await buildCliEngine(values, io, { log: (message) => io.stderr.write(`distillery: warning: ${message}\n`), ...extras }, ['critic']);
      const secrets = secretsIn(io.env);
      const clean = (text: string): string => redact(text, secrets);
      try {
        const critic = cli.critic;
        if (!critic) throw new InputError('no critic: name one with --critic, with "roles": { "critic": … }, or with "default"');
        const described = cli.describe().filter((d) => d.roles.includes('critic')).map((d) => ({ ...d, roles: ['critic'] }));
        for (const line of formatProfileDescriptions(described)) io.stderr.write(`${line}\n`);
        await mkdir(path.dirname(output), { recursive: true });
        const display = new BatchProgressDisplay(io, 'critique');
        let summary: CritiqueBatchSummary;
        try {
          summary = await runCritiqueBatch({
            input,
            inputName: shownInput,
            output,
            critic,
            constitution: constitution.document,
            settings,
            pairs: values.pairs === true,
            signal: io.signal,
            onProgress: (progress) => display.update(progress),
            redact: clean,
            constitutionPath: shownConstitution,
            constitutionText: constitution.text,
            ...(lines ? { selectLines: lines } : {}),
            ...(concurrency !== undefined ? { concurrency } : {}),
          });
        } catch (error) {
          if (error instanceof CritiqueSettingsError) throw new InputError(`${shownConstitution}: ${error.problems.join('; ')}`);
          throw error;
        } finally {
          display.finish();
        }
        await reportBatch(io, summary, cli, shownOutput, shownInput);
        if (summary.unrevised > 0) {
          const outcome = values.pairs === true ? 'so no pair was written for them' : 'written as they were, with the critique';
          io.stdout.write(`${summary.unrevised} answer${summary.unrevised === 1 ? '' : 's'} had nothing to fix, ${outcome}\n`);
        }
        return exitCodeOf(summary);
      } finally {
        cli.engine.dispose();
      }
    },
  };
}

export const critiqueCommand = createCritiqueCommand();

async function critiqueSettings(values: Values, io: CliIo): Promise<CritiqueSettings> {
  const rounds = optionalInteger(values.rounds, '--rounds', 1) ?? 1;
  const seed = optionalInteger(values.seed, '--seed', Number.MIN_SAFE_INTEGER) ?? 0;
  const temperature = optionalNumber(values.temperature, '--temperature', 0, 2);
  const maxTokens = optionalInteger(values['max-tokens'], '--max-tokens', 1);
  const tags = typeof values.tags === 'string' ? values.tags.split(',').map((tag) => tag.trim()).filter((tag) => tag !== '') : [];
  const principleIds = Array.isArray(values.principle) ? values.principle.map((id) => String(id).trim()) : [];
  if (principleIds.some((id) => id === '')) throw new InputError('--principle needs a principle id');
  if (principleIds.length > 0 && (values.rounds !== undefined || tags.length > 0)) {
    throw new InputError('--principle chooses the principles itself: give it without --rounds or --tags');
  }
  const fewShotFile = typeof values['few-shot'] === 'string' ? values['few-shot'] : undefined;
  const fewShot = fewShotFile === undefined ? undefined : await readFewShotExamples(path.resolve(io.cwd, fewShotFile), fewShotFile);
  return {
    rounds: principleIds.length > 0 ? principleIds.length : rounds,
    seed,
    ...(tags.length > 0 ? { tags } : {}),
    ...(principleIds.length > 0 ? { principleIds } : {}),
    ...(fewShot ? { fewShot } : {}),
    stopWhenNothingToFix: values['keep-going'] !== true,
    ...(temperature !== undefined ? { temperature } : {}),
    ...(maxTokens !== undefined ? { max_tokens: maxTokens } : {}),
    ...(values['no-cache'] === true ? { cache: 'off' as const } : {}),
  };
}

/** The constitution and its text; its errors printed as FILE:LINE:COLUMN (undefined then: exit 2). */
async function readConstitution(file: string, io: CliIo): Promise<{ document: ConstitutionDocument; text: string } | undefined> {
  let text: string;
  try {
    text = await readFile(path.resolve(io.cwd, file), 'utf8');
  } catch (error) {
    throw new InputError(`${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  const document = parseConstitution(text);
  const errors = document.problems.filter((problem) => problem.severity === 'error');
  if (errors.length === 0) return { document, text };
  for (const problem of errors) {
    const { line, character } = problem.range.start;
    io.stderr.write(`${file}:${line + 1}:${character + 1}: error: ${problem.message}\n`);
  }
  io.stderr.write(`distillery: ${file} has ${errors.length} error${errors.length === 1 ? '' : 's'}; nothing was sent (distillery constitution check ${file})\n`);
  return undefined;
}
