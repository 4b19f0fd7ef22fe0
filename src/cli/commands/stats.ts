import { stat } from 'node:fs/promises';
import * as path from 'node:path';
import { InputError } from '../../core/errors/located';
import { JsonArrayError, statisticsOfFile, type FileStatistics } from '../../core/statistics/sources';
import { TEXT_FIELD_LABELS, TEXT_FIELDS, type DatasetStatisticsReport, type DistributionReport } from '../../core/statistics/report';
import { chooseEncoding, isTokenEncoding, type TokenCounterLoader, type TokenEncodingChoice } from '../../core/statistics/tokens';
import { bundledTokenCounterLoader } from '../../tokenizers/bundleLoader';
import type { CliCommand } from '../command';
import { ExitCode } from '../exitCodes';
import type { CliIo } from '../io';
import { createProgress } from '../progress';

/**
 * `distillery stats FILE`: what a dataset holds. Malformed rows are counted and listed but are
 * not an error here (exit 0): `distillery check` is the gate for CI. Exit 2 when the file cannot
 * be read at all (missing, a directory, a JSON array with a syntax error).
 */
export function createStatsCommand(loadTokenCounter: TokenCounterLoader): CliCommand {
  return {
    name: 'stats',
    summary: 'Describe a dataset: kinds, duplicates, turns, tokens, lengths, provenance',
    usage: 'FILE [--json] [--encoding auto|o200k_base|cl100k_base] [--model NAME]',
    optionHelp: [
      '--json              print the report as JSON on stdout',
      '--encoding NAME     tokenizer: auto (from --model, the default), o200k_base or cl100k_base',
      '--model NAME        the model the tokens are for (default: $OPENAI_MODEL, as the endpoint uses; else none:',
      '                    o200k_base as an approximation)',
      '--no-tokens         skip token counting',
      '',
      'JSONL is streamed (any size); .json files and files starting with "[" are read as one',
      'JSON array. Malformed rows are reported but do not fail the command: use `distillery check`.',
    ],
    options: {
      json: { type: 'boolean' },
      encoding: { type: 'string' },
      model: { type: 'string' },
      'no-tokens': { type: 'boolean' },
    },
    positionals: { min: 1, max: 1 },
    async run({ values, positionals, io }) {
      const shown = positionals[0] as string;
      const encodingOption = (values.encoding as string | undefined) ?? 'auto';
      if (encodingOption !== 'auto' && !isTokenEncoding(encodingOption)) {
        throw new InputError(`--encoding must be auto, o200k_base or cl100k_base, not "${encodingOption}"`);
      }
      const model = (values.model as string | undefined) ?? io.env.OPENAI_MODEL;
      const absolute = path.resolve(io.cwd, shown);
      const size = await fileSize(absolute, shown);
      const tokens = values['no-tokens'] === true ? undefined : chooseEncoding(encodingOption as TokenEncodingChoice, model);
      const countTokens = tokens ? await loadTokenCounter(tokens.encoding) : undefined;
      const progress = createProgress(io.stderr, { label: shown, total: size, unit: 'bytes', now: io.now });
      let result: FileStatistics;
      try {
        result = await statisticsOfFile(absolute, {
          signal: io.signal,
          onProgress: (done) => progress.update(done),
          ...(tokens && countTokens ? { encoding: tokens, countTokens } : {}),
        });
      } catch (error) {
        if (error instanceof JsonArrayError) throw new InputError(`${shown}:${error.line}:${error.column}: ${error.message}`);
        throw error;
      } finally {
        progress.finish();
      }
      if (values.json) io.stdout.write(`${JSON.stringify({ file: shown, format: result.format, bytes: result.bytes, ...result.report }, null, 2)}\n`);
      else printReport(shown, result, io);
      return ExitCode.Success;
    },
  };
}

/** The `stats` command, counting tokens with the bundles beside dist/cli.js. */
export const statsCommand: CliCommand = createStatsCommand((encoding) => bundledTokenCounterLoader(path.join(__dirname, 'tokenizers'))(encoding));

async function fileSize(absolute: string, shown: string): Promise<number> {
  try {
    const info = await stat(absolute);
    if (!info.isFile()) throw new InputError(`${shown}: not a file`);
    return info.size;
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(`${shown}: cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
}

const n = (value: number) => value.toLocaleString('en-US');
const pct = (part: number, whole: number) => (whole > 0 ? `${((part / whole) * 100).toFixed(1)}%` : '–');
const round = (value: number) => (Number.isInteger(value) ? n(value) : value.toLocaleString('en-US', { maximumFractionDigits: 1 }));

/** Left-aligned first column, right-aligned numbers. */
function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((row) => (row[i] ?? '').length)));
  return `${all
    .map((row) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ').trimEnd())
    .join('\n')}\n`;
}

function distributionRow(label: string, d: DistributionReport): string[] {
  return [label, n(d.count), n(d.min), n(d.p50), round(d.mean), n(d.p90), n(d.p99), n(d.max)];
}

const DISTRIBUTION_HEADER = ['', 'rows', 'min', 'p50', 'mean', 'p90', 'p99', 'max'];

export function formatReport(file: string, result: FileStatistics): string {
  const r: DatasetStatisticsReport = result.report;
  const out: string[] = [];
  out.push(`${file} (${result.format === 'json-array' ? 'JSON array' : 'JSONL'}, ${n(result.bytes)} bytes)\n`);
  out.push(
    table(
      ['', 'count'],
      [
        ['rows', n(r.rows)],
        ...(result.format === 'jsonl' ? [['blank lines', n(r.blank)]] : []),
        ['malformed', n(r.malformed)],
        ['exact duplicates', n(r.duplicates.rows)],
        ['distinct rows', n(r.duplicates.distinct)],
        ...(r.unreadable > 0 ? [['unreadable (known kind, bad fields)', n(r.unreadable)]] : []),
      ],
    ),
  );
  out.push(`\nKinds (dominant: ${r.dominantKindLabel}${r.mixedKinds ? '; mixed' : ''})\n`);
  out.push(table(['kind', 'rows', 'share'], r.kinds.map((k) => [`${k.label} [${k.kind}]`, n(k.rows), pct(k.rows, r.rows)])));
  if (r.turns.count > 0) {
    out.push('\nTurns per row\n');
    out.push(table(DISTRIBUTION_HEADER, [distributionRow('turns', r.turns)]));
  }
  const fields = TEXT_FIELDS.filter((field) => r.lengths[field] !== undefined);
  if (fields.length > 0) {
    out.push('\nLength in characters\n');
    out.push(table(DISTRIBUTION_HEADER, fields.map((field) => distributionRow(TEXT_FIELD_LABELS[field], (r.lengths[field] as { characters: DistributionReport }).characters))));
  }
  if (r.tokens) {
    const t = r.tokens;
    const how = t.exact ? 'exact' : 'approximate';
    const sample = t.sampled ? `, estimated from ${n(t.countedRows)} sampled rows` : '';
    out.push(`\nTokens (${t.encoding}, ${how}: ${t.reason}${sample})\n`);
    out.push(
      table(
        [...DISTRIBUTION_HEADER, 'total'],
        fields.flatMap((field) => {
          const tokens = r.lengths[field]?.tokens;
          return tokens ? [[...distributionRow(TEXT_FIELD_LABELS[field], tokens), n(t.totals[field] ?? 0)]] : [];
        }),
      ),
    );
    out.push(`total tokens: ${n(t.totals.all)}\n`);
  }
  const p = r.provenance;
  out.push('\nProvenance (from "distillery".provenance / .teacher)\n');
  out.push(
    table(
      ['', 'rows', 'share'],
      [
        ['human', n(p.human), pct(p.human, r.rows)],
        ['synthetic', n(p.synthetic), pct(p.synthetic, r.rows)],
        ['unknown', n(p.unknown), pct(p.unknown, r.rows)],
        ...p.teachers.map((t) => [`  teacher ${t.teacher}`, n(t.rows), pct(t.rows, p.synthetic)]),
      ],
    ),
  );
  for (const problem of r.problems) out.push(`${file}:${problem.line}:${problem.column}: malformed: ${problem.message}\n`);
  if (r.malformed > r.problems.length) out.push(`${file}: … and ${n(r.malformed - r.problems.length)} more malformed rows\n`);
  const examples = r.duplicates.examples.slice(0, 10);
  for (const d of examples) out.push(`${file}:${d.line}: duplicate of line ${d.sameAs}\n`);
  if (r.duplicates.rows > examples.length) out.push(`${file}: … and ${n(r.duplicates.rows - examples.length)} more duplicates\n`);
  return out.join('');
}

function printReport(file: string, result: FileStatistics, io: CliIo): void {
  io.stdout.write(formatReport(file, result));
}
