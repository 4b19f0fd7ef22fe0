import { stat } from 'node:fs/promises';
import * as path from 'node:path';
import { writeFileAtomic } from '../../core/dataset/atomicWrite';
import { CURATION_FIELDS, isCurationField } from '../../core/curation/curationText';
import { dedupeFile } from '../../core/curation/dedupe';
import { InputError } from '../../core/errors/located';
import type { CliCommand } from '../command';
import { ExitCode } from '../exitCodes';

/** Throws an InputError naming the file when it is missing or not a file. */
export async function requireFile(absolute: string, shown: string): Promise<void> {
  try {
    if (!(await stat(absolute)).isFile()) throw new InputError(`${shown}: not a file`);
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(`${shown}: cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
}

/** The --field option of the curation commands. */
export function curationFieldOption(value: unknown, fallback: 'prompt' | 'answer' | 'row'): 'prompt' | 'answer' | 'row' {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !isCurationField(value)) throw new InputError(`--field must be one of ${CURATION_FIELDS.join(', ')}, not "${String(value)}"`);
  return value;
}

function thresholdOption(value: unknown): number {
  if (value === undefined) return 0.8;
  const threshold = Number(value);
  if (typeof value !== 'string' || value.trim() === '' || !(threshold > 0 && threshold < 1)) throw new InputError(`--threshold must be a number between 0 and 1 (exclusive), not "${String(value)}"`);
  return threshold;
}

/** `distillery dedup`: a copy without exact and near-duplicate rows, and a report of the clusters. */
export const dedupCommand: CliCommand = {
  name: 'dedup',
  summary: 'Remove exact and near-duplicate rows (MinHash + LSH), keeping the first of each cluster',
  usage: 'INPUT -o OUTPUT [--threshold T] [--field prompt|answer|row] [--exact-only] [--case-sensitive] [--report FILE]',
  optionHelp: [
    '-o, --output FILE    where to write the rows kept; .json writes a JSON array, anything else JSONL',
    '--threshold T        near-duplicate threshold: estimated Jaccard similarity of word 5-grams (default 0.8)',
    '--field NAME         what is compared: prompt (default), answer (the final answer; chosen for pairs),',
    '                     or row (the whole row without "distillery")',
    '--exact-only         only exact duplicates (after collapsing whitespace and case)',
    '--case-sensitive     exact duplicates must also match in case',
    '--report FILE        write the clusters as JSON: each with its kept line and the duplicate lines',
    '',
    'Exact duplicates are removed first, then near-duplicates among the rows left. Rows that are',
    'not JSON objects stop the command (exit 2) at their line:column.',
  ],
  options: {
    output: { type: 'string', short: 'o' },
    threshold: { type: 'string' },
    field: { type: 'string' },
    'exact-only': { type: 'boolean' },
    'case-sensitive': { type: 'boolean' },
    report: { type: 'string' },
  },
  positionals: { min: 1, max: 1 },
  async run({ values, positionals, io }) {
    const input = positionals[0] as string;
    const output = typeof values.output === 'string' ? values.output : undefined;
    if (!output) throw new InputError('dedup needs an output file: -o OUTPUT');
    const threshold = thresholdOption(values.threshold);
    const field = curationFieldOption(values.field, 'prompt');
    const inputPath = path.resolve(io.cwd, input);
    const outputPath = path.resolve(io.cwd, output);
    if (inputPath === outputPath) throw new InputError('the output must be another file than the input');
    await requireFile(inputPath, input);
    const report = await dedupeFile(inputPath, outputPath, {
      field,
      threshold,
      exactOnly: values['exact-only'] === true,
      foldCase: values['case-sensitive'] !== true,
      signal: io.signal,
      shownInput: input,
    });
    if (typeof values.report === 'string') await writeFileAtomic(path.resolve(io.cwd, values.report), `${JSON.stringify(report, null, 2)}\n`);
    const near = report.threshold === null ? '' : `, ${report.nearDuplicates} near-duplicates (threshold ${report.threshold})`;
    io.stdout.write(`${input}: ${report.rows} rows by ${field}: ${report.exactDuplicates} exact duplicates${near}; ${report.kept} rows written to ${output}\n`);
    return ExitCode.Success;
  },
};
