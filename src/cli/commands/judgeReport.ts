import { readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { findNodeAtLocation, parseTree } from 'jsonc-parser';
import { JsonlBuffer } from '../../core/dataset/jsonlBuffer';
import { InputError } from '../../core/errors/located';
import { readJudgedRow, type JsonPath, type JudgedRow } from '../../core/judging/judgedRows';
import { judgeReport, type JudgeReport } from '../../core/judging/report';
import type { CliCommand } from '../command';
import { ExitCode } from '../exitCodes';

/**
 * `distillery judge-report FILE [--json]`: how the judge decided over a judged file (rows with
 * `distillery.judgement`) and how far to trust it. Exit 2 when the file cannot be read, a line is
 * not JSON, a judgement is malformed (named at FILE:LINE:COLUMN), or no row is judged.
 */
export const judgeReportCommand: CliCommand = {
  name: 'judge-report',
  summary: 'Report on a judged file: win rates, position flips, agreement, length bias, human agreement',
  usage: 'FILE [--json]',
  optionHelp: [
    '--json   print the report as JSON on stdout',
    '',
    'Reads the rows that carry "distillery.judgement" (written by `distillery judge`); other rows are',
    'counted and skipped. Where rows carry "distillery.human" labels, the judge\'s accuracy and Cohen\'s',
    'kappa against them are shown. The length-controlled win rate fits P(A wins) = σ(θ + β·tanh(Δlen/s))',
    'on the decisive verdicts and reports σ(θ): the win rate with the length term at 0.',
  ],
  options: { json: { type: 'boolean' } },
  positionals: { min: 1, max: 1 },
  async run({ values, positionals, io }) {
    const shown = positionals[0] as string;
    const { rows, unjudged } = await readJudgedFile(path.resolve(io.cwd, shown), shown);
    if (rows.length === 0) throw new InputError(`${shown}: no row has a "distillery.judgement" (judge it first: distillery judge)`);
    const report = judgeReport(rows);
    if (values.json === true) io.stdout.write(`${JSON.stringify({ file: shown, unjudged, ...report }, null, 2)}\n`);
    else io.stdout.write(formatJudgeReport(shown, report, unjudged));
    return ExitCode.Success;
  },
};

/** The judged rows of a JSONL file; InputError at FILE:LINE:COLUMN for a line that is not JSON or a malformed judgement. */
export async function readJudgedFile(absolute: string, shown: string): Promise<{ rows: JudgedRow[]; unjudged: number }> {
  let bytes: Buffer;
  try {
    if (!(await stat(absolute)).isFile()) throw new InputError(`${shown}: not a file`);
    bytes = await readFile(absolute);
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(`${shown}: cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  const buffer = new JsonlBuffer(bytes);
  const rows: JudgedRow[] = [];
  let unjudged = 0;
  for (const row of buffer.rows()) {
    if (row.kind === 'blank') continue;
    if (row.kind === 'invalid') throw new InputError(row.problem.message, { file: shown, line: row.line, column: row.problem.column });
    const reading = readJudgedRow(row.value);
    if (reading.kind === 'unjudged') unjudged++;
    else if (reading.kind === 'judged') rows.push(reading.row);
    else {
      const column = columnOf(buffer.rowText(row), reading.path);
      throw new InputError(`${reading.path.join('.')}: ${reading.message}`, { file: shown, line: row.line, column });
    }
  }
  return { rows, unjudged };
}

/** 1-based column of the value at `at` in a row's text (of its nearest enclosing value that exists). */
function columnOf(text: string, at: JsonPath): number {
  const tree = parseTree(text);
  if (!tree) return 1;
  for (let depth = at.length; depth >= 0; depth--) {
    const node = findNodeAtLocation(tree, [...at.slice(0, depth)]);
    if (node) return node.offset + 1;
  }
  return 1;
}

const pct = (value: number | undefined): string => (value === undefined ? '–' : `${(value * 100).toFixed(1)}%`);
const num = (value: number | undefined, digits = 2): string => (value === undefined ? '–' : value.toFixed(digits));

export function formatJudgeReport(file: string, r: JudgeReport, unjudged: number): string {
  const lines: Array<[string, string]> = [
    ['judged rows', r.rows.toLocaleString('en-US')],
    ...(unjudged > 0 ? [['rows without a judgement (skipped)', unjudged.toLocaleString('en-US')] as [string, string]] : []),
    ['A wins', `${pct(r.winRateA)} (${r.counts.A})`],
    ['B wins', `${pct(r.winRateB)} (${r.counts.B})`],
    ['ties', `${pct(r.tieRate)} (${r.counts.tie})`],
    ['A wins among decisive', pct(r.decisiveWinRateA)],
    ['length-controlled A win rate', r.lengthControlled ? `${pct(r.lengthControlled.winRate)} (β = ${num(r.lengthControlled.beta)} on tanh(Δlen/${Math.round(r.lengthControlled.scale)}))` : '–'],
    ['correlation of A wins with Δlen', num(r.lengthCorrelation)],
    ['position flips (both orders)', r.bothOrders > 0 ? `${pct(r.positionFlipRate)} of ${r.bothOrders}` : '– (one order only)'],
    ['agreement across samples', pct(r.sampleAgreement)],
    ['agreement across judges', r.judges.length > 1 ? pct(r.judgeAgreement.mean) : `– (one judge: ${r.judges.join(', ') || 'none'})`],
  ];
  for (const pair of r.judgeAgreement.pairs) {
    lines.push([`  ${pair.judges[0]} vs ${pair.judges[1]}`, `${pct(pair.agreement)} of ${pair.rows}, κ = ${num(pair.kappa)}`]);
  }
  if (r.human.rows > 0) {
    lines.push(['human-labelled rows', String(r.human.rows)], ['judge accuracy vs humans', pct(r.human.accuracy)], ["Cohen's κ vs humans", num(r.human.kappa)]);
  } else {
    lines.push(['human labels', 'none']);
  }
  const width = Math.max(...lines.map(([label]) => label.length));
  return `${file}: judge report\n${lines.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join('\n')}\n`;
}
