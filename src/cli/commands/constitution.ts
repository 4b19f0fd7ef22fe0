import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { constitutionData, exportConstitution, exportFormats, importConstitutionJson, type ExportFormat } from '../../core/constitution/interchange';
import { parseConstitution } from '../../core/constitution/parse';
import { renderConstitution } from '../../core/constitution/render';
import { samplePrinciples } from '../../core/constitution/sample';
import type { ConstitutionDocument } from '../../core/constitution/types';
import { writeFileAtomic } from '../../core/dataset/atomicWrite';
import { InputError } from '../../core/errors/located';
import type { CliCommand, CommandInput } from '../command';
import { ExitCode } from '../exitCodes';
import type { CliIo } from '../io';

type Action = 'check' | 'import' | 'export' | 'sample';
const actions: readonly Action[] = ['check', 'import', 'export', 'sample'];

/** `distillery constitution ACTION …`: check, import, export and sample `.constitution.md` files. */
export const constitutionCommand: CliCommand = {
  name: 'constitution',
  summary: 'Check, import, export and sample constitutions (*.constitution.md)',
  usage: 'check FILE... | import FILE.json -o OUT.constitution.md | export FILE -o OUT.json | sample FILE --k N [--seed S]',
  optionHelp: [
    'check FILE...            print problems as FILE:LINE:COLUMN: error|warning: message;',
    '                         exit 2 when any file has an error, 0 otherwise (warnings pass)',
    'import FILE.json -o OUT  Anthropic CritiqueRevisionInstructions.json, an RL principle list',
    '                         (array of strings), a [{"critic","revision"}] list or a Distillery',
    '                         export, written as a .constitution.md',
    '  --title TEXT           the section heading of the imported principles',
    'export FILE -o OUT.json  write the constitution as JSON (refused when it has errors)',
    `  --format NAME          ${exportFormats.join(' | ')} (default distillery)`,
    'sample FILE --k N        print the ids of N principles drawn by weight, one per line',
    '  --seed S               any string; the same seed gives the same draw (default: a random',
    '                         seed, printed on stderr so that the draw can be repeated)',
    '  --tags a,b             only principles with any of these tags',
    '  --match any|all        with --tags: any of them (default) or all of them',
    '  --for critique|compare only principles with Critique and Revision, or with Compare',
  ],
  options: {
    output: { type: 'string', short: 'o' },
    title: { type: 'string' },
    format: { type: 'string' },
    k: { type: 'string' },
    seed: { type: 'string' },
    tags: { type: 'string' },
    match: { type: 'string' },
    for: { type: 'string' },
  },
  positionals: { min: 2, max: Infinity },
  async run(input) {
    const action = input.positionals[0] as Action;
    if (!actions.includes(action)) throw new InputError(`unknown action "${action}": use ${actions.join(', ')}`);
    const files = input.positionals.slice(1);
    if (action !== 'check' && files.length > 1) throw new InputError(`constitution ${action} takes one file, not ${files.length}`);
    switch (action) {
      case 'check':
        return check(files, input.io);
      case 'import':
        return importFile(files[0] as string, input);
      case 'export':
        return exportFile(files[0] as string, input);
      case 'sample':
        return sample(files[0] as string, input);
    }
  },
};

async function readText(file: string, io: CliIo): Promise<string> {
  try {
    return await readFile(path.resolve(io.cwd, file), 'utf8');
  } catch (error) {
    throw new InputError(`${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
}

function printProblems(file: string, document: ConstitutionDocument, io: CliIo): number {
  let errors = 0;
  for (const problem of document.problems) {
    if (problem.severity === 'error') errors++;
    const { line, character } = problem.range.start;
    io.stdout.write(`${file}:${line + 1}:${character + 1}: ${problem.severity}: ${problem.message}\n`);
  }
  return errors;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

async function check(files: readonly string[], io: CliIo): Promise<ExitCode> {
  let failed = false;
  for (const file of files) {
    const document = parseConstitution(await readText(file, io));
    const errors = printProblems(file, document, io);
    const warnings = document.problems.length - errors;
    io.stdout.write(
      `${file}: ${plural(document.principles.length, 'principle')}, ${plural(document.rubrics.length, 'rubric')}, ${plural(errors, 'error')}, ${plural(warnings, 'warning')}\n`,
    );
    if (errors > 0) failed = true;
  }
  return failed ? ExitCode.BadInput : ExitCode.Success;
}

function outputOf({ values, io }: CommandInput, input: string, action: Action): { shown: string; absolute: string } {
  const output = typeof values.output === 'string' ? values.output : undefined;
  if (!output) throw new InputError(`constitution ${action} needs an output file: -o OUTPUT`);
  const absolute = path.resolve(io.cwd, output);
  if (absolute === path.resolve(io.cwd, input)) throw new InputError('the output must be another file than the input');
  return { shown: output, absolute };
}

async function importFile(file: string, input: CommandInput): Promise<ExitCode> {
  const { io, values } = input;
  const output = outputOf(input, file, 'import');
  const title = typeof values.title === 'string' ? values.title : undefined;
  const result = importConstitutionJson(await readText(file, io), { file, title });
  const text = renderConstitution(result.data, { comment: `<!-- Imported by Distillery from ${path.basename(file)} (${result.format}). -->` });
  // Whatever we write must read back clean; a problem here is a bug in the importer, not in the input.
  const reread = parseConstitution(text);
  const errors = reread.problems.filter((problem) => problem.severity === 'error');
  if (errors.length > 0) {
    printProblems(output.shown, reread, io);
    io.stderr.write(`distillery: nothing written: the imported constitution would have ${plural(errors.length, 'error')}\n`);
    return ExitCode.BadInput;
  }
  await writeFileAtomic(output.absolute, text);
  for (const note of result.notes) io.stderr.write(`${file}: note: ${note}\n`);
  io.stdout.write(`${output.shown}: ${plural(result.data.principles.length, 'principle')}, ${plural(result.data.rubrics.length, 'rubric')} imported from ${result.format}\n`);
  return ExitCode.Success;
}

async function readValid(file: string, io: CliIo): Promise<ConstitutionDocument | undefined> {
  const document = parseConstitution(await readText(file, io));
  const errors = document.problems.filter((problem) => problem.severity === 'error');
  if (errors.length === 0) return document;
  printProblems(file, { ...document, problems: errors }, io);
  io.stderr.write(`distillery: ${file} has ${plural(errors.length, 'error')}; fix them first (distillery constitution check ${file})\n`);
  return undefined;
}

async function exportFile(file: string, input: CommandInput): Promise<ExitCode> {
  const { io, values } = input;
  const output = outputOf(input, file, 'export');
  const format = (values.format ?? 'distillery') as ExportFormat;
  if (!exportFormats.includes(format)) throw new InputError(`--format must be one of ${exportFormats.join(', ')}, not "${String(values.format)}"`);
  const document = await readValid(file, io);
  if (!document) return ExitCode.BadInput;
  const { value, notes } = exportConstitution(constitutionData(document), format);
  await writeFileAtomic(output.absolute, `${JSON.stringify(value, null, 2)}\n`);
  for (const note of notes) io.stderr.write(`${file}: note: ${note}\n`);
  io.stdout.write(`${output.shown}: written as ${format} JSON\n`);
  return ExitCode.Success;
}

async function sample(file: string, { io, values }: CommandInput): Promise<ExitCode> {
  const kText = values.k;
  if (typeof kText !== 'string') throw new InputError('constitution sample needs --k N (how many principles to draw)');
  if (!/^\d+$/.test(kText)) throw new InputError(`--k must be a whole number, not "${kText}"`);
  const match = values.match ?? 'any';
  if (match !== 'any' && match !== 'all') throw new InputError(`--match must be any or all, not "${String(match)}"`);
  const purpose = values.for;
  if (purpose !== undefined && purpose !== 'critique' && purpose !== 'compare') throw new InputError(`--for must be critique or compare, not "${String(purpose)}"`);
  let seed = typeof values.seed === 'string' ? values.seed : undefined;
  if (seed === undefined) {
    seed = randomBytes(6).toString('hex');
    io.stderr.write(`seed: ${seed}\n`);
  }
  const tags = typeof values.tags === 'string' ? values.tags.split(',').map((tag) => tag.trim()).filter((tag) => tag !== '') : [];
  const document = await readValid(file, io);
  if (!document) return ExitCode.BadInput;
  const result = samplePrinciples(document.principles, { k: Number(kText), seed, tags, tagMatch: match, ...(purpose ? { purpose } : {}) });
  for (const note of result.notes) io.stderr.write(`${file}: note: ${note}\n`);
  for (const principle of result.principles) io.stdout.write(`${principle.id}\n`);
  return ExitCode.Success;
}
