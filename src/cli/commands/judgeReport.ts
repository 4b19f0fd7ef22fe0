import { readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { findNodeAtLocation, parseTree } from 'jsonc-parser';
import { JsonlBuffer } from '../../core/dataset/jsonlBuffer';
import { InputError } from '../../core/errors/located';
import type { JsonPath, JudgedRow } from '../../core/judging/judgedRows';
import { rankingReport, type RankedRow, type RankingReport } from '../../core/judging/rankingReport';
import { readReportRow } from '../../core/judging/reportRows';
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
    'Reads the rows that carry "distillery.judgement" (written by `distillery judge`) and, for n-way',
    'judging, "distillery.ranking" (their tournaments\' matches: ties, position flips, agreement, the',
    'rating gap between the best two answers); other rows are counted and skipped. Where rows carry "distillery.human" labels, the judge\'s accuracy and Cohen\'s',
    'kappa against them are shown. The length-controlled win rate fits P(A wins) = σ(θ + β·tanh(Δlen/s))',
    'on the decisive verdicts and reports σ(θ): the win rate with the length term at 0.',
  ],
  options: { json: { type: 'boolean' } },
  positionals: { min: 1, max: 1 },
  async run({ values, positionals, io }) {
    const shown = positionals[0] as string;
    const { rows, ranked, unjudged } = await readJudgedFile(path.resolve(io.cwd, shown), shown);
    if (rows.length === 0 && ranked.length === 0) {
      throw new InputError(`${shown}: no row has a "distillery.judgement" or a "distillery.ranking" (judge it first: distillery judge)`);
    }
    const report = judgeReport(rows);
    const ranking = ranked.length > 0 ? rankingReport(ranked) : undefined;
    if (values.json === true) io.stdout.write(`${JSON.stringify({ file: shown, unjudged, ...report, ...(ranking ? { ranking } : {}) }, null, 2)}\n`);
    else io.stdout.write(formatJudgeReport(shown, report, unjudged, ranking));
    return ExitCode.Success;
  },
};

/**
 * The judged rows of a JSONL file (pair verdicts) and its ranked rows (n-way tournaments);
 * InputError at FILE:LINE:COLUMN for a line that is not JSON or a malformed judgement or ranking.
 */
export async function readJudgedFile(absolute: string, shown: string): Promise<{ rows: JudgedRow[]; ranked: RankedRow[]; unjudged: number }> {
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
  const ranked: RankedRow[] = [];
  let unjudged = 0;
  for (const row of buffer.rows()) {
    if (row.kind === 'blank') continue;
    if (row.kind === 'invalid') throw new InputError(row.problem.message, { file: shown, line: row.line, column: row.problem.column });
    const reading = readReportRow(row.value);
    if (reading.kind === 'invalid') {
      const column = columnOf(buffer.rowText(row), reading.path);
      throw new InputError(`${reading.path.join('.')}: ${reading.message}`, { file: shown, line: row.line, column });
    }
    if (reading.kind === 'judged') rows.push(reading.row);
    else if (reading.kind === 'ranked') ranked.push(reading.row);
    else unjudged++;
  }
  return { rows, ranked, unjudged };
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

export function formatJudgeReport(file: string, r: JudgeReport, unjudged: number, ranking?: RankingReport): string {
  const width = (lines: Array<[string, string]>): number => Math.max(...lines.map(([label]) => label.length));
  const table = (lines: Array<[string, string]>): string => lines.map(([label, value]) => `${label.padEnd(width(lines))}  ${value}`).join('\n');
  const rankingPart = ranking ? `${file}: n-way rankings\n${table(formatRanking(ranking))}\n` : '';
  if (r.rows === 0) return `${rankingPart}${unjudged > 0 ? `rows neither judged nor ranked (skipped): ${unjudged.toLocaleString('en-US')}\n` : ''}`;
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
  return `${file}: judge report\n${table(lines)}\n${rankingPart ? `\n${rankingPart}` : ''}`;
}

function formatRanking(r: RankingReport): Array<[string, string]> {
  return [
    ['ranked rows', `${r.rows.toLocaleString('en-US')} (${r.formats['round-robin']} round-robin, ${r.formats.swiss} Swiss)`],
    ['answers per row', r.answers.min === r.answers.max ? String(r.answers.min) : `${r.answers.min}–${r.answers.max} (mean ${num(r.answers.mean, 1)})`],
    ['matches judged', r.matches.toLocaleString('en-US')],
    ['ties among matches', pct(r.tieRate)],
    ['position flips among matches', pct(r.positionFlipRate)],
    ['agreement across samples', pct(r.sampleAgreement)],
    ['rating gap, best to second', r.meanTopGap === undefined ? '–' : `${num(r.meanTopGap, 1)} Elo points (mean)`],
    ['rows a judge may self-prefer', r.selfPreferenceRows > 0 ? `${r.selfPreferenceRows} (a judge's model wrote one of the answers)` : 'none'],
  ];
}
