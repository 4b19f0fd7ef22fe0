/**
 * What the batch commands (generate, self-instruct, critique, judge) share: the progress line,
 * the end-of-run report, exit codes, and the parsing of their common options.
 */
import { readFailedRows } from '../core/pipeline/errorsFile';
import type { BatchProgress, BatchSummary } from '../core/pipeline/types';
import { formatUsageTable } from '../core/llm/accounting';
import { InputError } from '../core/errors/located';
import type { CommandInput } from './command';
import type { CliEngine } from './engineOptions';
import { ExitCode } from './exitCodes';
import type { CliIo } from './io';
import { createProgress, type Progress, type ProgressOptions } from './progress';

type Values = CommandInput['values'];

/**
 * The progress line of a batch run on stderr: redrawn on a terminal, plain lines elsewhere (see
 * progress.ts), with failed, cached and cost in its label. The options object is kept and its
 * label and total updated as the run reports, since progress.ts reads them on every draw.
 */
export class BatchProgressDisplay {
  private readonly options: { label: string; total: number | undefined; unit: 'items'; now: () => number };
  private readonly progress: Progress;

  constructor(
    io: CliIo,
    private readonly name: string,
  ) {
    this.options = { label: name, total: undefined, unit: 'items', now: io.now };
    this.progress = createProgress(io.stderr, this.options satisfies ProgressOptions);
  }

  update(progress: BatchProgress): void {
    this.options.total = progress.total;
    const parts = [this.name];
    if (progress.failed > 0) parts.push(`${progress.failed} failed`);
    if (progress.cached > 0) parts.push(`${progress.cached} cached`);
    if (progress.costUsd > 0) parts.push(`$${progress.costUsd.toFixed(4)}`);
    this.options.label = parts.join(' · ');
    // Failed rows are finished too: the bar reaches its end when every row is settled.
    this.progress.update(progress.done + progress.failed);
  }

  finish(): void {
    this.progress.finish();
  }
}

/** How many failed rows are listed on stderr; the errors file has them all. */
const LISTED_FAILURES = 10;

/** The end of a batch run: counts and usage on stdout; failures, a fatal stop or an interruption on stderr. */
export async function reportBatch(io: CliIo, summary: BatchSummary, cli: CliEngine, shownOutput: string, shownInput?: string): Promise<void> {
  const parts = [`${summary.written} rows written`, `${summary.done}${summary.total !== undefined ? ` of ${summary.total}` : ''} done`];
  if (summary.resumed > 0) parts.push(`${summary.resumed} resumed`);
  if (summary.failed > 0) parts.push(`${summary.failed} failed`);
  parts.push(`${summary.cached} cached answers`);
  io.stdout.write(`${shownOutput}: ${parts.join(', ')}\n`);
  for (const line of formatUsageTable(cli.engine.ledger.summary())) io.stdout.write(`${line}\n`);

  if (summary.errorsFile !== undefined) {
    const failures = [...(await readFailedRows(summary.errorsFile)).values()].sort((a, b) => a.line - b.line);
    for (const failure of failures.slice(0, LISTED_FAILURES)) {
      // A malformed line's message already names its place.
      const place = failure.column !== undefined || shownInput === undefined ? '' : `${shownInput}:${failure.line}: `;
      io.stderr.write(`${place}error: ${failure.error}\n`);
    }
    if (failures.length > LISTED_FAILURES) io.stderr.write(`… and ${failures.length - LISTED_FAILURES} more\n`);
    io.stderr.write(`distillery: ${failures.length} failed row${failures.length === 1 ? '' : 's'} listed in ${shownOutput}.errors.jsonl; run the same command again to retry them\n`);
  }
  if (summary.stoppedBy === 'fatal') io.stderr.write(`distillery: the run stopped: ${summary.fatal ?? 'a fatal error'}\n`);
  if (summary.stoppedBy === 'cancelled') io.stderr.write('distillery: interrupted; run the same command again to resume\n');
}

export function exitCodeOf(summary: BatchSummary): ExitCode {
  if (summary.stoppedBy === 'fatal') return ExitCode.Failure;
  if (summary.stoppedBy === 'cancelled') return ExitCode.Interrupted;
  return summary.failed > 0 ? ExitCode.PartialFailure : ExitCode.Success;
}

// ---- option values -------------------------------------------------------------------------------

export function requiredString(value: Values[string], option: string, missing: string): string {
  if (value === undefined) throw new InputError(missing);
  if (typeof value !== 'string' || value.trim() === '') throw new InputError(`${option} needs a value`);
  return value;
}

export function optionalInteger(value: Values[string], option: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  const text = typeof value === 'string' ? value.trim() : '';
  const number = /^[+-]?\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(number) || number < min) {
    throw new InputError(`${option} must be a whole number${min > Number.MIN_SAFE_INTEGER ? ` ≥ ${min}` : ''}, not "${String(value)}"`);
  }
  return number;
}

export function optionalNumber(value: Values[string], option: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const text = typeof value === 'string' ? value.trim() : '';
  const number = text === '' ? NaN : Number(text);
  if (!Number.isFinite(number) || number < min || number > max) throw new InputError(`${option} must be a number from ${min} to ${max}, not "${String(value)}"`);
  return number;
}

/** `3,5-9` → a test of 1-based line numbers. */
export function parseLineSelection(text: string): (line: number) => boolean {
  const ranges: Array<[number, number]> = [];
  for (const [index, part] of text.split(',').entries()) {
    const match = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    const from = match ? Number(match[1]) : NaN;
    const to = match?.[2] !== undefined ? Number(match[2]) : from;
    if (!match || from < 1 || to < from) {
      throw new InputError(`--lines: "${part.trim()}" (item ${index + 1}) is not a line or a range like 5-9`);
    }
    ranges.push([from, to]);
  }
  return (line) => ranges.some(([from, to]) => line >= from && line <= to);
}

/** Splits `CMD ARGS` into words, as a shell would for plain words and '…' or "…" quotes; no shell runs it. */
export function parseCommandLine(text: string, option: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const char = text[i] as string;
    if (quote) {
      if (char === quote) quote = undefined;
      else if (char === '\\' && quote === '"' && (text[i + 1] === '"' || text[i + 1] === '\\')) word = (word ?? '') + text[++i];
      else word = (word ?? '') + char;
    } else if (char === '"' || char === "'") {
      quote = char;
      word ??= '';
    } else if (/\s/.test(char)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (char === '\\' && i + 1 < text.length) {
      word = (word ?? '') + text[++i];
    } else {
      word = (word ?? '') + char;
    }
  }
  if (quote) throw new InputError(`${option}: unclosed ${quote} quote in "${text}"`);
  if (word !== undefined) words.push(word);
  if (words.length === 0) throw new InputError(`${option} needs a command`);
  return words;
}
