import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import * as path from 'node:path';
import { JsonlScanner, type ScanSummary } from '../../core/dataset/scan';
import { InputError } from '../../core/errors/located';
import type { CliCommand } from '../command';
import { ExitCode } from '../exitCodes';
import { createProgress } from '../progress';
import type { CliIo } from '../io';

/** `distillery check FILE...`: are these JSONL files well-formed? For CI. */
export const checkCommand: CliCommand = {
  name: 'check',
  summary: 'Check that JSONL files hold one JSON object per line',
  usage: 'FILE... [--json]',
  optionHelp: ['--json   print the counts as JSON on stdout'],
  options: { json: { type: 'boolean' } },
  positionals: { min: 1, max: Infinity },
  async run({ values, positionals, io }) {
    const summaries: Array<{ file: string } & ScanSummary> = [];
    for (const file of positionals) {
      summaries.push({ file, ...(await scanFile(path.resolve(io.cwd, file), file, io)) });
    }
    if (values.json) {
      io.stdout.write(`${JSON.stringify(summaries.map(({ problems, ...counts }) => ({ ...counts, problems })), null, 2)}\n`);
    } else {
      for (const summary of summaries) printSummary(summary, io);
    }
    return summaries.some((summary) => summary.malformed > 0) ? ExitCode.BadInput : ExitCode.Success;
  },
};

async function scanFile(absolute: string, shown: string, io: CliIo): Promise<ScanSummary> {
  let size: number;
  try {
    const info = await stat(absolute);
    if (!info.isFile()) throw new InputError(`${shown}: not a file`);
    size = info.size;
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(`${shown}: cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  const scanner = new JsonlScanner();
  const progress = createProgress(io.stderr, { label: shown, total: size, unit: 'bytes', now: io.now });
  let done = 0;
  // Streamed, so that a file larger than memory can still be checked.
  for await (const chunk of createReadStream(absolute, { signal: io.signal })) {
    scanner.push(chunk as Buffer);
    done += (chunk as Buffer).length;
    progress.update(done);
  }
  progress.finish();
  return scanner.end();
}

function printSummary(summary: { file: string } & ScanSummary, io: CliIo): void {
  const { file, rows, blank, malformed, problems, warnings, lastLineUnterminated } = summary;
  io.stdout.write(`${file}: ${rows} rows, ${blank} blank lines, ${malformed} malformed\n`);
  for (const problem of problems) {
    io.stdout.write(`${file}:${problem.line}:${problem.column}: error: ${problem.message}\n`);
  }
  if (malformed > problems.length) io.stdout.write(`${file}: … and ${malformed - problems.length} more malformed rows\n`);
  for (const warning of warnings) {
    io.stdout.write(`${file}:${warning.line}:${warning.column}: warning: ${warning.message}\n`);
  }
  if (lastLineUnterminated) io.stdout.write(`${file}: note: the last line has no newline; it may have been cut off\n`);
}
