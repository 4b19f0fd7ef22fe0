import * as path from 'node:path';
import { ROW_KINDS } from '../../core/dataset/rowKinds';
import { InputError } from '../../core/errors/located';
import type { BalanceSettings } from '../../core/curation/balance';
import { filterFile } from '../../core/curation/filterFile';
import type { DropReason, FilterSettings } from '../../core/curation/filters';
import type { CliCommand, CommandInput } from '../command';
import { ExitCode } from '../exitCodes';
import type { CliIo } from '../io';
import { requireFile } from './dedup';

/**
 * Runs a streaming curation over `shown` (and the other files it reads, `also`). A line that is not
 * a row stops it: the line is printed at FILE:LINE:COLUMN, nothing is written, and the result is
 * undefined (exit 2): curating around it would silently lose a row.
 */
export async function curateInput<T>(shown: string, io: CliIo, curate: (absolute: string) => Promise<T>, also: readonly string[] = []): Promise<T | undefined> {
  const absolute = path.resolve(io.cwd, shown);
  await requireFile(absolute, shown);
  for (const other of also) await requireFile(path.resolve(io.cwd, other), other);
  try {
    return await curate(absolute);
  } catch (error) {
    const location = error instanceof InputError ? error.location : undefined;
    if (location === undefined || ![shown, ...also].includes(location.file)) throw error;
    const prefix = `${location.file}:${location.line}:${location.column}: `;
    const message = error instanceof Error && error.message.startsWith(prefix) ? error.message.slice(prefix.length) : String(error);
    io.stderr.write(`${prefix}error: ${message}\n`);
    io.stderr.write(`distillery: ${location.file}: line ${location.line} is not a row; nothing done\n`);
    return undefined;
  }
}

/** A number option, checked: `--name` must be a (whole, with `integer`) number within the bounds. */
export function numberOption(values: CommandInput['values'], name: string, bounds: { min?: number; max?: number; integer?: boolean } = {}): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
  const ok = Number.isFinite(value) && (!bounds.integer || Number.isInteger(value)) && (bounds.min === undefined || value >= bounds.min) && (bounds.max === undefined || value <= bounds.max);
  if (!ok) {
    const range = bounds.min !== undefined && bounds.max !== undefined ? ` from ${bounds.min} to ${bounds.max}` : bounds.min !== undefined ? ` ≥ ${bounds.min}` : '';
    throw new InputError(`--${name} must be a ${bounds.integer ? 'whole number' : 'number'}${range}, not "${String(raw)}"`);
  }
  return value;
}

const stringOption = (values: CommandInput['values'], name: string): string | undefined => (typeof values[name] === 'string' ? values[name] : undefined);

function filterSettings(values: CommandInput['values']): FilterSettings {
  const verdict = stringOption(values, 'verdict');
  if (verdict !== undefined && verdict !== 'A' && verdict !== 'B' && verdict !== 'tie') throw new InputError(`--verdict must be A, B or tie, not "${verdict}"`);
  const provenance = stringOption(values, 'provenance');
  if (provenance !== undefined && provenance !== 'human' && provenance !== 'synthetic') throw new InputError(`--provenance must be human or synthetic, not "${provenance}"`);
  const kind = stringOption(values, 'kind');
  if (kind !== undefined && !(ROW_KINDS as readonly string[]).includes(kind)) throw new InputError(`--kind must be one of ${ROW_KINDS.join(', ')}; not "${kind}"`);
  const lengthOf = stringOption(values, 'length-of');
  if (lengthOf !== undefined && lengthOf !== 'prompt' && lengthOf !== 'answer') throw new InputError(`--length-of must be prompt or answer, not "${lengthOf}"`);
  const chars = { min: numberOption(values, 'min-chars', { min: 0, integer: true }), max: numberOption(values, 'max-chars', { min: 0, integer: true }) };
  const words = { min: numberOption(values, 'min-words', { min: 0, integer: true }), max: numberOption(values, 'max-words', { min: 0, integer: true }) };
  const byChars = chars.min !== undefined || chars.max !== undefined;
  const byWords = words.min !== undefined || words.max !== undefined;
  if (byChars && byWords) throw new InputError('use --min-chars/--max-chars or --min-words/--max-words, not both');
  const length = byWords ? words : chars;
  const settings: Record<string, unknown> = {
    minScore: numberOption(values, 'min-score', { min: 1, max: 5 }),
    maxScore: numberOption(values, 'max-score', { min: 1, max: 5 }),
    rubric: stringOption(values, 'rubric'),
    verdict,
    positionConsistent: values.consistent === true ? true : undefined,
    minLength: length.min,
    maxLength: length.max,
    lengthOf,
    lengthUnit: byWords ? 'words' : 'chars',
    kind,
    tag: stringOption(values, 'tag'),
    teacher: stringOption(values, 'teacher'),
    provenance,
  };
  // Absent options stay absent, so that only the filters asked for run.
  return Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined)) as FilterSettings;
}

function balanceSettings(values: CommandInput['values']): { by: string; settings: BalanceSettings } | undefined {
  const by = stringOption(values, 'balance-by');
  const cap = numberOption(values, 'cap', { min: 0, integer: true });
  const equal = values.equal === true;
  const seed = stringOption(values, 'seed');
  if (by === undefined) {
    if (cap !== undefined || equal || values.upsample === true || values.random === true) throw new InputError('--cap, --equal, --upsample and --random need --balance-by FIELD');
    return undefined;
  }
  if ((cap === undefined) === !equal) throw new InputError('--balance-by needs one of --cap N or --equal');
  if (cap !== undefined) {
    if (values.upsample === true) throw new InputError('--upsample goes with --equal, not --cap');
    return { by, settings: { mode: 'cap', cap, random: values.random === true, ...(seed !== undefined ? { seed } : {}) } };
  }
  if (values.random === true) throw new InputError('--random goes with --cap (--equal always samples at random)');
  return { by, settings: { mode: 'equal', upsample: values.upsample === true, ...(seed !== undefined ? { seed } : {}) } };
}

const REASON_LABELS: Readonly<Record<DropReason, string>> = {
  score: 'score',
  verdict: 'verdict',
  'position-inconsistent': 'position-inconsistent verdict',
  length: 'length',
  kind: 'kind',
  tag: 'tag',
  teacher: 'teacher',
  provenance: 'provenance',
};

/** `distillery filter INPUT -o OUTPUT [filters] [balance]`: keeps the rows that pass every filter, then balances them. */
export const filterCommand: CliCommand = {
  name: 'filter',
  summary: 'Keep rows by score, verdict, length, kind, tag, teacher or provenance; balance categories',
  usage: 'INPUT -o OUTPUT [filters] [--balance-by FIELD --cap N | --equal] [--seed S]',
  optionHelp: [
    '-o, --output FILE        where to write; .json writes a JSON array, anything else JSONL',
    '--min-score S            keep rows whose reward (1–5) is at least S; unscored rows are dropped',
    '--max-score S            keep rows whose reward is at most S',
    '--rubric ID              compare that rubric\'s score instead of the reward',
    '--verdict A|B|tie        keep judged rows with this winner',
    '--consistent             keep judged rows whose verdict held in both orders',
    '--min-chars N, --max-chars N   answer length in characters',
    '--min-words N, --max-words N   answer length in words',
    '--length-of prompt|answer      measure the prompt instead (default: answer)',
    '--kind K                 keep rows of this kind (chat, sharegpt, alpaca, preference, …)',
    '--tag T                  keep rows with this tag ("distillery".tags)',
    '--teacher M              keep rows made by this teacher model',
    '--provenance human|synthetic   keep rows of this provenance',
    '--balance-by FIELD       group by kind, teacher, tag (the first), provenance or a top-level field, then:',
    '  --cap N                keep at most N rows per group (the first N; --random: a seeded random N)',
    '  --equal                resample every group to the smallest one\'s size (--upsample: to the largest,',
    '                         drawing rows again with replacement)',
    '--seed S                 seed for random choices (the same seed gives the same rows)',
    '',
    'Filters combine with AND. Dropped rows are counted by the first filter that refused them.',
  ],
  options: {
    output: { type: 'string', short: 'o' },
    'min-score': { type: 'string' },
    'max-score': { type: 'string' },
    rubric: { type: 'string' },
    verdict: { type: 'string' },
    consistent: { type: 'boolean' },
    'min-chars': { type: 'string' },
    'max-chars': { type: 'string' },
    'min-words': { type: 'string' },
    'max-words': { type: 'string' },
    'length-of': { type: 'string' },
    kind: { type: 'string' },
    tag: { type: 'string' },
    teacher: { type: 'string' },
    provenance: { type: 'string' },
    'balance-by': { type: 'string' },
    cap: { type: 'string' },
    equal: { type: 'boolean' },
    upsample: { type: 'boolean' },
    random: { type: 'boolean' },
    seed: { type: 'string' },
  },
  positionals: { min: 1, max: 1 },
  async run({ values, positionals, io }) {
    const input = positionals[0] as string;
    const output = stringOption(values, 'output');
    if (!output) throw new InputError('filter needs an output file: -o OUTPUT');
    const outputPath = path.resolve(io.cwd, output);
    if (path.resolve(io.cwd, input) === outputPath) throw new InputError('the output must be another file than the input');
    const settings = filterSettings(values);
    const balance = balanceSettings(values);
    const report = await curateInput(input, io, (inputPath) =>
      filterFile(inputPath, outputPath, { filter: settings, ...(balance ? { balance } : {}), shownInput: input, signal: io.signal }),
    );
    if (report === undefined) return ExitCode.BadInput;
    const out: string[] = [`${input}: ${report.rows} rows; kept ${report.kept}, dropped ${report.dropped}`];
    for (const [reason, count] of Object.entries(report.droppedBy) as [DropReason, number][]) out.push(`  dropped by ${REASON_LABELS[reason]}: ${count}`);
    if (balance && report.categories) {
      out.push(`balanced by ${balance.by} (${balance.settings.mode === 'cap' ? `cap ${balance.settings.cap}` : balance.settings.upsample ? 'equal, up-sampled' : 'equal'}):`);
      for (const c of report.categories) out.push(`  ${c.category}: ${c.before} → ${c.after}`);
    }
    out.push(`${output}: ${report.written} rows written`);
    io.stdout.write(`${out.join('\n')}\n`);
    return ExitCode.Success;
  },
};
