import * as path from 'node:path';
import { writeFileAtomic } from '../../core/dataset/atomicWrite';
import { stripDistilleryMetadata } from '../../core/dataset/convert';
import { ROW_CONVERTERS } from '../../core/curation/convertFile';
import { describeLocation, readDatasetFile, type DatasetFormat } from '../../core/dataset/datasetFile';
import { toJsonArray, toJsonl } from '../../core/dataset/jsonArray';
import { InputError } from '../../core/errors/located';
import type { CliCommand } from '../command';
import { ExitCode } from '../exitCodes';

/**
 * `distillery convert`: between JSONL and JSON-array files, and between row formats. It reads the
 * whole file (unlike the other curation commands), so that every row that cannot be read or
 * converted is reported before anything is written; the pipeline's "convert" step streams.
 */
export const convertCommand: CliCommand = {
  name: 'convert',
  summary: 'Convert a dataset between JSONL and JSON array, and rows between formats',
  usage: 'INPUT -o OUTPUT [--to messages|sharegpt] [--strip-metadata]',
  optionHelp: [
    '-o, --output FILE    where to write; .json writes a JSON array, anything else JSONL',
    '--to messages        ShareGPT rows (incl. KTO) and Alpaca rows get "messages";',
    '                     LLaMA-Factory ShareGPT preference rows become TRL preference rows',
    '--to sharegpt        rows with "messages" (chat, prompt-only, KTO) become ShareGPT rows',
    '--strip-metadata     drop the "distillery" key from every row (what training tools see)',
    '',
    'Rows already in the target form are kept as they are. When any row cannot be read or',
    'converted, each is reported and nothing is written (exit 2): no row is ever dropped.',
  ],
  options: {
    output: { type: 'string', short: 'o' },
    to: { type: 'string' },
    'strip-metadata': { type: 'boolean' },
  },
  positionals: { min: 1, max: 1 },
  async run({ values, positionals, io }) {
    const input = positionals[0] as string;
    const output = typeof values.output === 'string' ? values.output : undefined;
    if (!output) throw new InputError('convert needs an output file: -o OUTPUT');
    const target = values.to;
    if (target !== undefined && target !== 'messages' && target !== 'sharegpt') {
      throw new InputError(`--to must be messages or sharegpt, not "${String(target)}"`);
    }
    const inputPath = path.resolve(io.cwd, input);
    const outputPath = path.resolve(io.cwd, output);
    if (inputPath === outputPath) throw new InputError('the output must be another file than the input');

    let contents;
    try {
      contents = await readDatasetFile(inputPath);
    } catch (error) {
      throw new InputError(`${input}: cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
    const problems = contents.problems.map((problem) => `${describeLocation(input, problem.location)}: error: ${problem.message}`);
    const converted: Record<string, unknown>[] = [];
    let changed = 0;
    for (const { location, value } of contents.rows) {
      let row = value;
      const result = target ? ROW_CONVERTERS[target](row) : undefined;
      if (result && !result.ok) {
        const at = result.path.length > 0 ? ` at ${result.path.join('.')}` : '';
        problems.push(`${describeLocation(input, location)}: error: cannot convert${at}: ${result.message}`);
        continue;
      }
      if (result?.ok) {
        row = result.value;
        changed++;
      }
      if (values['strip-metadata']) row = stripDistilleryMetadata(row);
      converted.push(row);
    }
    if (problems.length > 0) {
      for (const problem of problems) io.stderr.write(`${problem}\n`);
      io.stderr.write(`distillery: nothing written: ${problems.length} row${problems.length === 1 ? '' : 's'} could not be converted\n`);
      return ExitCode.BadInput;
    }
    const format: DatasetFormat = outputPath.toLowerCase().endsWith('.json') ? 'json' : 'jsonl';
    await writeFileAtomic(outputPath, format === 'json' ? toJsonArray(converted) : toJsonl(converted));
    const what = target ? `, ${changed} converted to ${target}` : '';
    io.stdout.write(`${output}: ${converted.length} rows written as ${format === 'json' ? 'a JSON array' : 'JSONL'}${what}\n`);
    return ExitCode.Success;
  },
};
