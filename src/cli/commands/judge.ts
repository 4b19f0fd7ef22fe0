import { mkdir, readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { parseConstitution } from '../../core/constitution/parse';
import type { ConstitutionDocument } from '../../core/constitution/types';
import { InputError } from '../../core/errors/located';
import { redact, secretsIn } from '../../core/llm/redact';
import { runJudgeBatch, type JudgeBatchSummary, type JudgeCriteriaSource } from '../../core/pipeline/judgeBatch';
import { JudgeSettingsError } from '../../core/tasks/judgePair';
import { PREFERENCE_PAIRS, type PreferencePairs } from '../../core/tasks/rankCandidates';
import type { JudgeSettings } from '../../core/tasks/judgeTypes';
import type { CliCommand, CommandInput } from '../command';
import { buildCliEngine, engineOptionHelp, engineOptions, formatProfileDescriptions, type CliEngineExtras } from '../engineOptions';
import { ExitCode } from '../exitCodes';
import type { CliIo } from '../io';
import {
  BatchProgressDisplay, exitCodeOf, optionalInteger, optionalNumber, parseLineSelection, reportBatch, requiredString,
} from '../batchCommand';

type Values = CommandInput['values'];

/**
 * `distillery judge INPUT -o OUTPUT`: judge the pair of answers of every row of INPUT (preference
 * rows, or rows with two candidates) on the judge profiles, in both orders, k samples each; rank
 * the answers of rows with more than two candidates by a tournament of such pairs (best of n);
 * or, with `--preferences`, turn every row's ranking into preference rows. OUTPUT gets the rows,
 * append-only, and the same command resumes an interrupted run.
 * `extras` lets tests give the engine short timeouts; the binary uses none.
 */
export function createJudgeCommand(extras: CliEngineExtras = {}): CliCommand {
  return {
    name: 'judge',
    summary: 'Judge the answers of every row: pairs (both orders, k samples, judges voting), n-way tournaments, preference rows (resumable)',
    usage: 'INPUT -o OUTPUT [--constitution FILE [--principles K | --rubric ID]] [--samples K] [--judge PROFILE …] [--one-order] [--seed S] [--preferences best-vs-rest|best-vs-worst|all-pairs [--min-margin M]] [options]',
    optionHelp: [
      '-o, --output FILE     where the judged rows go (JSONL, appended; re-run the same command to resume)',
      '--constitution FILE   compare on principles\' Compare questions drawn from this constitution (.constitution.md)',
      '--principles K        principles drawn for each row (default 1), by weight, seeded by --seed and the row',
      '--tags a,b            draw only principles with any of these tags',
      '--rubric ID           compare on the Criterion of this rubric of the constitution instead of principles',
      '                      (with neither: a default question on helpfulness, honesty and harmlessness)',
      '--samples K           verdicts per order and judge; a majority vote decides (default 1)',
      '--judge PROFILE       a judge profile (repeatable: an ensemble that votes; default: the file\'s roles.judge, else its default)',
      '--one-order           ask in one order only (A first); by default both orders are asked and a',
      '                      disagreement between them is a tie, flagged position-inconsistent',
      '--no-logprobs         do not ask for the verdict token\'s log-probabilities (P(A better))',
      '--preferences P       write preference rows {prompt, chosen, rejected} from each row\'s ranking instead of',
      '                      judged rows: best-vs-rest (the best answer against each other), best-vs-worst, or',
      '                      all-pairs; each row carries distillery.margin, the log-odds that chosen beats rejected',
      '--min-margin M        with --preferences: only pairs whose margin is above M (default 0: no equal pairs)',
      '--seed S              the seed of the judges\' samples and of the principle draw (default 0)',
      ...engineOptionHelp.filter((line) => !line.startsWith('--teacher')),
      '--temperature T       sampling temperature of the judges (default: the profile\'s)',
      '--max-tokens N        the longest verdict, in tokens (default: the profile\'s)',
      '--concurrency N       input rows in flight at once (default 32); each profile also has its own limit',
      '--lines 3,5-9         only these lines of INPUT',
      '',
      'Each row is judged as A = chosen, B = rejected (or its two distillery.candidates), and written with',
      'its verdict under "distillery.judgement": the winner, position consistency, agreement, P(A), every',
      'sample\'s verdict and reasoning, and a self-preference warning when a judge\'s model wrote an answer.',
      'A row with more than two distillery.candidates is ranked by a tournament of such pairwise verdicts',
      '(round-robin up to 8 answers, Swiss rounds above) with Bradley-Terry ratings, and written with',
      '"distillery.ranking" and its best answer as the row\'s answer (best of n).',
      'A row that fails (no pair, a verdict that breaks the JSON schema) is listed in OUTPUT.errors.jsonl and',
      'retried by the next run. Exit 0: every row done; 1: some rows failed; 2: bad input; 3: the run stopped',
      '(a refused key, no quota left); 130: interrupted.',
    ],
    options: {
      ...engineOptions,
      judge: { type: 'string', multiple: true },
      output: { type: 'string', short: 'o' },
      constitution: { type: 'string' },
      principles: { type: 'string' },
      tags: { type: 'string' },
      rubric: { type: 'string' },
      samples: { type: 'string' },
      'one-order': { type: 'boolean' },
      'no-logprobs': { type: 'boolean' },
      preferences: { type: 'string' },
      'min-margin': { type: 'string' },
      seed: { type: 'string' },
      temperature: { type: 'string' },
      'max-tokens': { type: 'string' },
      concurrency: { type: 'string' },
      lines: { type: 'string' },
    },
    positionals: { min: 1, max: 1 },
    async run({ values, positionals, io }) {
      const shownInput = positionals[0] as string;
      const shownOutput = requiredString(values.output, '-o, --output', 'judge needs an output file: -o OUTPUT');
      const input = path.resolve(io.cwd, shownInput);
      const output = path.resolve(io.cwd, shownOutput);
      if (input === output) throw new InputError('the output must be another file than the input');
      const seed = optionalInteger(values.seed, '--seed', Number.MIN_SAFE_INTEGER) ?? 0;
      const settings = judgeSettings(values, seed);
      const concurrency = optionalInteger(values.concurrency, '--concurrency', 1);
      const { preferences, minMargin } = preferenceOptions(values);
      const lines = typeof values.lines === 'string' ? parseLineSelection(values.lines) : undefined;
      const shownConstitution = typeof values.constitution === 'string' ? values.constitution : undefined;
      const criteria = await criteriaSource(values, shownConstitution, io);
      if (!criteria) return ExitCode.BadInput;

      const cli = await buildCliEngine(values, io, { log: (message) => io.stderr.write(`distillery: warning: ${message}\n`), ...extras }, ['judge']);
      const secrets = secretsIn(io.env);
      const clean = (text: string): string => redact(text, secrets);
      try {
        if (cli.judges.length === 0) throw new InputError('no judge: name one with --judge, with "roles": { "judge": … }, or with "default"');
        const described = cli.describe().filter((d) => d.roles.includes('judge')).map((d) => ({ ...d, roles: ['judge'] }));
        for (const line of formatProfileDescriptions(described)) io.stderr.write(`${line}\n`);
        await mkdir(path.dirname(output), { recursive: true });
        const display = new BatchProgressDisplay(io, 'judge');
        let summary: JudgeBatchSummary;
        try {
          summary = await runJudgeBatch({
            input,
            inputName: shownInput,
            output,
            judges: cli.judges,
            criteria,
            settings,
            seed,
            signal: io.signal,
            onProgress: (progress) => display.update(progress),
            redact: clean,
            ...(lines ? { selectLines: lines } : {}),
            ...(concurrency !== undefined ? { concurrency } : {}),
            ...(preferences !== undefined ? { preferences } : {}),
            ...(minMargin !== undefined ? { minMargin } : {}),
          });
        } catch (error) {
          if (error instanceof JudgeSettingsError) throw new InputError(`${shownConstitution ?? 'judge'}: ${error.problems.join('; ')}`);
          throw error;
        } finally {
          display.finish();
        }
        await reportBatch(io, summary, cli, shownOutput, shownInput);
        const judged = summary.verdicts.A + summary.verdicts.B + summary.verdicts.tie;
        if (judged > 0) {
          io.stdout.write(`verdicts: A ${summary.verdicts.A}, B ${summary.verdicts.B}, tie ${summary.verdicts.tie}`);
          io.stdout.write(settings.bothOrders ? `; ${summary.positionInconsistent} position-inconsistent (a tie)\n` : '\n');
        }
        if (summary.singleAnswer > 0) {
          io.stdout.write(`${summary.singleAnswer} candidates row${summary.singleAnswer === 1 ? '' : 's'} with a single answer (the others filtered out): nothing to compare, written through unjudged\n`);
        }
        if (summary.ranked > 0) {
          io.stdout.write(`ranked: ${summary.ranked} row${summary.ranked === 1 ? '' : 's'} by tournament (${summary.matches} matches)\n`);
        }
        if (preferences !== undefined && summary.ranked > 0) {
          io.stdout.write(`preference rows: ${summary.preferenceRows} written (${preferences})`);
          io.stdout.write(summary.withoutPreference > 0 ? `; ${summary.withoutPreference} row${summary.withoutPreference === 1 ? '' : 's'} gave none (no margin above ${minMargin ?? 0})\n` : '\n');
        }
        if (summary.selfPreference > 0) {
          io.stderr.write(
            `distillery: warning: on ${summary.selfPreference} row${summary.selfPreference === 1 ? '' : 's'} a judge's model also wrote one of the answers ` +
              '(self-preference); see distillery.judgement.selfPreference\n',
          );
        }
        return exitCodeOf(summary);
      } finally {
        cli.engine.dispose();
      }
    },
  };
}

export const judgeCommand = createJudgeCommand();

function judgeSettings(values: Values, seed: number): JudgeSettings {
  const samples = optionalInteger(values.samples, '--samples', 1) ?? 1;
  const temperature = optionalNumber(values.temperature, '--temperature', 0, 2);
  const maxTokens = optionalInteger(values['max-tokens'], '--max-tokens', 1);
  return {
    samples,
    bothOrders: values['one-order'] !== true,
    logprobs: values['no-logprobs'] !== true,
    seed,
    ...(temperature !== undefined ? { temperature } : {}),
    ...(maxTokens !== undefined ? { max_tokens: maxTokens } : {}),
    ...(values['no-cache'] === true ? { cache: 'off' as const } : {}),
  };
}

/** `--preferences` and `--min-margin`, checked. */
function preferenceOptions(values: Values): { preferences: PreferencePairs | undefined; minMargin: number | undefined } {
  const raw = values.preferences;
  let preferences: PreferencePairs | undefined;
  if (raw !== undefined) {
    const text = typeof raw === 'string' ? raw.trim() : '';
    const found = PREFERENCE_PAIRS.find((p) => p === text);
    if (found === undefined) throw new InputError(`--preferences must be ${PREFERENCE_PAIRS.join(', ')}, not "${String(raw)}"`);
    preferences = found;
  }
  const margin = values['min-margin'];
  if (margin === undefined) return { preferences, minMargin: undefined };
  if (preferences === undefined) throw new InputError('--min-margin applies to preference rows: give --preferences too');
  const text = typeof margin === 'string' ? margin.trim() : '';
  const minMargin = text === '' ? NaN : Number(text);
  if (!(Number.isFinite(minMargin) && minMargin >= 0)) throw new InputError(`--min-margin must be a number ≥ 0, not "${String(margin)}"`);
  return { preferences, minMargin };
}

/** What rows are judged against; undefined when the constitution has errors (printed; exit 2). */
async function criteriaSource(values: Values, shownConstitution: string | undefined, io: CliIo): Promise<JudgeCriteriaSource | undefined> {
  const rubric = typeof values.rubric === 'string' ? values.rubric.trim() : undefined;
  const tags = typeof values.tags === 'string' ? values.tags.split(',').map((tag) => tag.trim()).filter((tag) => tag !== '') : [];
  if (rubric === '') throw new InputError('--rubric needs a rubric id');
  if (shownConstitution === undefined) {
    if (rubric !== undefined) throw new InputError('--rubric names a rubric of a constitution: give it with --constitution FILE');
    if (values.principles !== undefined || tags.length > 0) throw new InputError('--principles and --tags draw from a constitution: give it with --constitution FILE');
    return { kind: 'default' };
  }
  if (rubric !== undefined && (values.principles !== undefined || tags.length > 0)) {
    throw new InputError('--rubric compares on one rubric: give it without --principles or --tags');
  }
  const count = optionalInteger(values.principles, '--principles', 1) ?? 1;
  const document = await readConstitution(shownConstitution, io);
  if (!document) return undefined;
  if (rubric !== undefined) return { kind: 'rubric', constitution: document, id: rubric };
  return { kind: 'principles', constitution: document, count, ...(tags.length > 0 ? { tags } : {}) };
}

/** The constitution; its errors printed as FILE:LINE:COLUMN (undefined then). */
export async function readConstitution(file: string, io: CliIo): Promise<ConstitutionDocument | undefined> {
  let text: string;
  try {
    text = await readFile(path.resolve(io.cwd, file), 'utf8');
  } catch (error) {
    throw new InputError(`${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  const document = parseConstitution(text);
  const errors = document.problems.filter((problem) => problem.severity === 'error');
  if (errors.length === 0) return document;
  for (const problem of errors) {
    const { line, character } = problem.range.start;
    io.stderr.write(`${file}:${line + 1}:${character + 1}: error: ${problem.message}\n`);
  }
  io.stderr.write(`distillery: ${file} has ${errors.length} error${errors.length === 1 ? '' : 's'}; nothing was sent (distillery constitution check ${file})\n`);
  return undefined;
}
