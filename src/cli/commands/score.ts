import { mkdir } from 'node:fs/promises';
import * as path from 'node:path';
import { InputError } from '../../core/errors/located';
import { redact, secretsIn } from '../../core/llm/redact';
import { runScoreBatch, type ScoreBatchSummary, type ScoreSettings } from '../../core/pipeline/scoreBatch';
import { RubricSettingsError } from '../../core/tasks/rubricScore';
import type { CliCommand, CommandInput } from '../command';
import { buildCliEngine, engineOptionHelp, engineOptions, formatProfileDescriptions, type CliEngineExtras } from '../engineOptions';
import { ExitCode } from '../exitCodes';
import {
  BatchProgressDisplay, exitCodeOf, optionalInteger, optionalNumber, parseLineSelection, reportBatch, requiredString,
} from '../batchCommand';
import { readConstitution } from './judge';

type Values = CommandInput['values'];

/**
 * `distillery score INPUT -o OUTPUT --constitution FILE`: grade every answer of INPUT 1–5 on the
 * constitution's rubrics (Prometheus-style, a rationale each) with the judge profile, and write
 * each row with its weighted reward at `distillery.score`; with `--threshold`, only the rows that
 * reach it. Append-only; the same command resumes an interrupted run. `extras` lets tests give
 * the engine short timeouts; the binary uses none.
 */
export function createScoreCommand(extras: CliEngineExtras = {}): CliCommand {
  return {
    name: 'score',
    summary: 'Grade every answer 1–5 on a constitution\'s rubrics into a weighted reward; filter by it (resumable)',
    usage: 'INPUT -o OUTPUT --constitution FILE [--rubric ID …] [--weight ID=W …] [--threshold T] [--judge PROFILE] [options]',
    optionHelp: [
      '-o, --output FILE     where the scored rows go (JSONL, appended; re-run the same command to resume)',
      '--constitution FILE   the rubrics (## Rubric: sections of a .constitution.md)',
      '--rubric ID           grade on this rubric (repeatable; default: every rubric of the constitution)',
      '--weight ID=W         the weight of a rubric in the reward (repeatable; default 1 each)',
      '--threshold T         write only rows whose reward is at least T (1–5); the others are counted as filtered',
      '--judge PROFILE       the profile that grades (default: the file\'s first roles.judge, else its default)',
      '--seed S              the seed of the grading requests',
      ...engineOptionHelp.filter((line) => !line.startsWith('--teacher')),
      '--temperature T       sampling temperature of the judge (default: the profile\'s)',
      '--max-tokens N        the longest grade, in tokens (default: the profile\'s)',
      '--concurrency N       input rows in flight at once (default 32); the profile also has its own limit',
      '--lines 3,5-9         only these lines of INPUT',
      '',
      'The reward is the weighted mean of the grades, on 1–5, at "distillery.score" with each grade, its',
      'rationale and the judge. An SFT row has its answer graded; a preference row both answers (chosen at',
      '"distillery.score", rejected at "distillery.rejectedScore", and "distillery.rewardMargin"); a row of',
      'distillery.candidates each candidate, the best by reward written as the row\'s answer (best of n).',
      'The threshold applies to the row\'s reward (chosen\'s, the best candidate\'s). A row that fails (no',
      'answer, a grade that breaks the JSON schema) is listed in OUTPUT.errors.jsonl and retried by the next',
      'run. Exit 0: every row done; 1: some rows failed; 2: bad input; 3: the run stopped (a refused key, no',
      'quota left); 130: interrupted.',
    ],
    options: {
      ...engineOptions,
      judge: { type: 'string' },
      output: { type: 'string', short: 'o' },
      constitution: { type: 'string' },
      rubric: { type: 'string', multiple: true },
      weight: { type: 'string', multiple: true },
      threshold: { type: 'string' },
      seed: { type: 'string' },
      temperature: { type: 'string' },
      'max-tokens': { type: 'string' },
      concurrency: { type: 'string' },
      lines: { type: 'string' },
    },
    positionals: { min: 1, max: 1 },
    async run({ values, positionals, io }) {
      const shownInput = positionals[0] as string;
      const shownOutput = requiredString(values.output, '-o, --output', 'score needs an output file: -o OUTPUT');
      const shownConstitution = requiredString(values.constitution, '--constitution', 'score needs the rubrics: --constitution FILE');
      const input = path.resolve(io.cwd, shownInput);
      const output = path.resolve(io.cwd, shownOutput);
      if (input === output) throw new InputError('the output must be another file than the input');
      const settings = scoreSettings(values);
      const threshold = optionalNumber(values.threshold, '--threshold', 1, 5);
      const concurrency = optionalInteger(values.concurrency, '--concurrency', 1);
      const lines = typeof values.lines === 'string' ? parseLineSelection(values.lines) : undefined;
      const rubricIds = rubricOption(values);
      const weights = weightOption(values);
      const constitution = await readConstitution(shownConstitution, io);
      if (!constitution) return ExitCode.BadInput;
      const known = constitution.rubrics.map((r) => r.id);
      if (known.length === 0) throw new InputError(`${shownConstitution}: has no rubric to grade on (a "## Rubric: ID" section with a Criterion and Score lines)`);
      for (const id of rubricIds ?? []) {
        if (!known.includes(id)) throw new InputError(`--rubric ${id}: ${shownConstitution} has no rubric "${id}" (known: ${known.join(', ')})`);
      }
      const scored = rubricIds ?? known;
      for (const id of Object.keys(weights ?? {})) {
        if (!scored.includes(id)) throw new InputError(`--weight ${id}: no rubric "${id}" is graded (graded: ${scored.join(', ')})`);
      }

      const cli = await buildCliEngine(values, io, { log: (message) => io.stderr.write(`distillery: warning: ${message}\n`), ...extras }, ['judge']);
      const secrets = secretsIn(io.env);
      const clean = (text: string): string => redact(text, secrets);
      try {
        const judge = cli.judges[0];
        if (!judge) throw new InputError('no judge: name one with --judge, with "roles": { "judge": … }, or with "default"');
        const described = cli.describe().filter((d) => d.profile === judge.profile).map((d) => ({ ...d, roles: ['judge'] }));
        for (const line of formatProfileDescriptions(described)) io.stderr.write(`${line}\n`);
        await mkdir(path.dirname(output), { recursive: true });
        const display = new BatchProgressDisplay(io, 'score');
        let summary: ScoreBatchSummary;
        try {
          summary = await runScoreBatch({
            input,
            inputName: shownInput,
            output,
            judge,
            constitution,
            ...(rubricIds ? { rubrics: rubricIds } : {}),
            ...(weights ? { weights } : {}),
            ...(threshold !== undefined ? { threshold } : {}),
            settings,
            signal: io.signal,
            onProgress: (progress) => display.update(progress),
            redact: clean,
            ...(lines ? { selectLines: lines } : {}),
            ...(concurrency !== undefined ? { concurrency } : {}),
          });
        } catch (error) {
          if (error instanceof RubricSettingsError) throw new InputError(`${shownConstitution}: ${error.problems.join('; ')}`);
          throw error;
        } finally {
          display.finish();
        }
        await reportBatch(io, summary, cli, shownOutput, shownInput);
        if (summary.meanReward !== undefined) {
          const rows = summary.done - summary.resumed;
          io.stdout.write(`reward: mean ${summary.meanReward.toFixed(2)} over ${rows} row${rows === 1 ? '' : 's'} (${summary.answers} answer${summary.answers === 1 ? '' : 's'} graded on ${scored.join(', ')})`);
          io.stdout.write(threshold !== undefined ? `; ${summary.filtered} below ${threshold} not written\n` : '\n');
        }
        return exitCodeOf(summary);
      } finally {
        cli.engine.dispose();
      }
    },
  };
}

export const scoreCommand = createScoreCommand();

function scoreSettings(values: Values): ScoreSettings {
  const seed = optionalInteger(values.seed, '--seed', Number.MIN_SAFE_INTEGER);
  const temperature = optionalNumber(values.temperature, '--temperature', 0, 2);
  const maxTokens = optionalInteger(values['max-tokens'], '--max-tokens', 1);
  return {
    ...(seed !== undefined ? { seed } : {}),
    ...(temperature !== undefined ? { temperature } : {}),
    ...(maxTokens !== undefined ? { max_tokens: maxTokens } : {}),
    ...(values['no-cache'] === true ? { cache: 'off' as const } : {}),
  };
}

/** The `--rubric` ids, in order; undefined when none was given (every rubric). */
function rubricOption(values: Values): string[] | undefined {
  const raw = values.rubric;
  if (raw === undefined) return undefined;
  const ids = (Array.isArray(raw) ? raw : [raw]).map((id) => String(id).trim());
  if (ids.some((id) => id === '')) throw new InputError('--rubric needs a rubric id');
  const repeated = ids.find((id, i) => ids.indexOf(id) !== i);
  if (repeated !== undefined) throw new InputError(`--rubric ${repeated}: given twice`);
  return ids;
}

/** The `--weight ID=W` pairs; undefined when none was given. */
function weightOption(values: Values): Record<string, number> | undefined {
  const raw = values.weight;
  if (raw === undefined) return undefined;
  const weights: Record<string, number> = {};
  for (const item of Array.isArray(raw) ? raw : [raw]) {
    const text = String(item);
    const match = /^\s*([^=\s]+)\s*=\s*(\S+)\s*$/.exec(text);
    const weight = match ? Number(match[2]) : NaN;
    if (!match || !(Number.isFinite(weight) && weight > 0)) throw new InputError(`--weight must be ID=W with W a number > 0, not "${text}"`);
    const id = match[1] as string;
    if (id in weights) throw new InputError(`--weight ${id}: given twice`);
    weights[id] = weight;
  }
  return weights;
}
