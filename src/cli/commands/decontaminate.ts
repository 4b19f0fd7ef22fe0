import * as path from 'node:path';
import { writeFileAtomic } from '../../core/dataset/atomicWrite';
import { decontaminateFile } from '../../core/curation/decontaminate';
import { InputError } from '../../core/errors/located';
import type { CliCommand } from '../command';
import { ExitCode } from '../exitCodes';
import { curationFieldOption, requireFile } from './dedup';

function ngramOption(value: unknown): number {
  if (value === undefined) return 13;
  const n = Number(value);
  if (typeof value !== 'string' || !Number.isInteger(n) || n < 1) throw new InputError(`--ngram must be a positive whole number of words, not "${String(value)}"`);
  return n;
}

/** `distillery decontaminate`: a copy without the rows that share a long n-gram with a benchmark. */
export const decontaminateCommand: CliCommand = {
  name: 'decontaminate',
  summary: 'Remove rows that share a long word n-gram with benchmark items',
  usage: 'INPUT --against FILE [--against FILE …] -o OUTPUT [--ngram N] [--field prompt|answer|row] [--report FILE]',
  optionHelp: [
    '--against FILE       a benchmark file, JSONL or JSON (repeat for more); item text is read from',
    '                     prompt, question, instruction, input, turns (MT-bench) and messages',
    '-o, --output FILE    where to write the clean rows; .json writes a JSON array, anything else JSONL',
    '--ngram N            words per n-gram (default 13); benchmark texts shorter than N count whole',
    '--field NAME         what is checked: row (every string of the row, the default), prompt or answer',
    '--report FILE        write the contaminated rows as JSON, each with its benchmark item and the shared n-gram',
    '',
    'Words are compared without case or punctuation.',
  ],
  options: {
    against: { type: 'string', multiple: true },
    output: { type: 'string', short: 'o' },
    ngram: { type: 'string' },
    field: { type: 'string' },
    report: { type: 'string' },
  },
  positionals: { min: 1, max: 1 },
  async run({ values, positionals, io }) {
    const input = positionals[0] as string;
    const output = typeof values.output === 'string' ? values.output : undefined;
    if (!output) throw new InputError('decontaminate needs an output file: -o OUTPUT');
    const against = (Array.isArray(values.against) ? values.against : []).filter((file): file is string => typeof file === 'string');
    if (against.length === 0) throw new InputError('decontaminate needs at least one benchmark file: --against FILE');
    const ngram = ngramOption(values.ngram);
    const field = curationFieldOption(values.field, 'row');
    const inputPath = path.resolve(io.cwd, input);
    const outputPath = path.resolve(io.cwd, output);
    if (inputPath === outputPath) throw new InputError('the output must be another file than the input');
    await requireFile(inputPath, input);
    const benchmarks = against.map((shown) => ({ path: path.resolve(io.cwd, shown), shown }));
    for (const benchmark of benchmarks) await requireFile(benchmark.path, benchmark.shown);
    const report = await decontaminateFile(inputPath, benchmarks, outputPath, { ngram, field, signal: io.signal, shownInput: input });
    if (typeof values.report === 'string') await writeFileAtomic(path.resolve(io.cwd, values.report), `${JSON.stringify(report, null, 2)}\n`);
    for (const row of report.contaminated.slice(0, 10)) {
      const id = row.item.id === undefined ? '' : ` (id ${row.item.id})`;
      io.stdout.write(`${input}:${row.line}: shares "${row.ngram}" with ${row.item.file}:${row.item.line}${id}\n`);
    }
    if (report.contaminated.length > 10) io.stdout.write(`${input}: … and ${report.contaminated.length - 10} more contaminated rows\n`);
    io.stdout.write(`${input}: ${report.rows} rows checked against ${report.benchmarkItems} benchmark items (${ngram}-grams): ${report.removed} contaminated; ${report.kept} rows written to ${output}\n`);
    return ExitCode.Success;
  },
};
