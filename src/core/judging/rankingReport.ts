/**
 * The n-way side of the judge report: rows ranked by a tournament (`distillery.ranking`, written
 * by rankCandidates) carry no single pair verdict, but every match of their tournament is one, and
 * the judge's biases show in those matches the same way: ties, position flips, disagreement
 * between samples. Also how decided the rankings are (the rating gap between the best answer and
 * the next) and how many rows risked self-preference.
 */
import type { JsonPath } from './judgedRows';

/** What the report reads of one ranked row. */
export interface RankedRow {
  readonly format: 'round-robin' | 'swiss';
  readonly answers: number;
  readonly ratings: readonly number[];
  readonly matches: readonly { readonly winner: 'A' | 'B' | 'tie'; readonly positionConsistent: boolean; readonly agreement: number }[];
  /** Judges whose model wrote one of the answers. */
  readonly selfPreference: number;
}

export type RankedRowReading =
  | { readonly kind: 'ranked'; readonly row: RankedRow }
  | { readonly kind: 'unranked' }
  | { readonly kind: 'invalid'; readonly path: JsonPath; readonly message: string };

export interface RankingReport {
  readonly rows: number;
  readonly formats: Readonly<Record<RankedRow['format'], number>>;
  /** Answers per row. */
  readonly answers: { readonly min: number; readonly mean: number; readonly max: number };
  readonly matches: number;
  /** Shares of the matches. */
  readonly tieRate: number | undefined;
  readonly positionFlipRate: number | undefined;
  readonly sampleAgreement: number | undefined;
  /** Mean rating gap (Elo points) between each row's best answer and its second. */
  readonly meanTopGap: number | undefined;
  /** Rows where a judge's model wrote one of the answers. */
  readonly selfPreferenceRows: number;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

export function readRankedRow(value: Record<string, unknown>): RankedRowReading {
  const meta = value.distillery;
  if (!isObject(meta) || meta.ranking === undefined) return { kind: 'unranked' };
  const at = ['distillery', 'ranking'];
  const ranking = meta.ranking;
  if (!isObject(ranking)) return { kind: 'invalid', path: at, message: 'must be an object (a tournament ranking)' };
  const { format, answers, ratings, matches, selfPreference } = ranking;
  if (format !== 'round-robin' && format !== 'swiss') return { kind: 'invalid', path: [...at, 'format'], message: `must be "round-robin" or "swiss", not ${JSON.stringify(format)}` };
  if (!(typeof answers === 'number' && Number.isInteger(answers) && answers >= 2)) return { kind: 'invalid', path: [...at, 'answers'], message: `must be a whole number of at least 2, not ${JSON.stringify(answers)}` };
  if (!Array.isArray(ratings) || ratings.length !== answers || !ratings.every((r) => typeof r === 'number' && Number.isFinite(r))) {
    return { kind: 'invalid', path: [...at, 'ratings'], message: `must be a list of ${answers} numbers (one rating per answer)` };
  }
  if (!Array.isArray(matches)) return { kind: 'invalid', path: [...at, 'matches'], message: 'must be a list (the tournament\'s matches)' };
  const read: RankedRow['matches'][number][] = [];
  for (let index = 0; index < matches.length; index++) {
    const match: unknown = matches[index];
    const here = [...at, 'matches', index];
    if (!isObject(match)) return { kind: 'invalid', path: here, message: 'must be an object (one match)' };
    const { winner, positionConsistent, agreement } = match;
    if (winner !== 'A' && winner !== 'B' && winner !== 'tie') return { kind: 'invalid', path: [...here, 'winner'], message: `must be "A", "B" or "tie", not ${JSON.stringify(winner)}` };
    if (typeof positionConsistent !== 'boolean') return { kind: 'invalid', path: [...here, 'positionConsistent'], message: 'must be true or false' };
    if (!(typeof agreement === 'number' && agreement >= 0 && agreement <= 1)) return { kind: 'invalid', path: [...here, 'agreement'], message: 'must be a number from 0 to 1' };
    read.push({ winner, positionConsistent, agreement });
  }
  return {
    kind: 'ranked',
    row: { format, answers, ratings: ratings as number[], matches: read, selfPreference: Array.isArray(selfPreference) ? selfPreference.length : 0 },
  };
}

export function rankingReport(rows: readonly RankedRow[]): RankingReport {
  const matches = rows.flatMap((row) => row.matches);
  const share = (count: number): number | undefined => (matches.length > 0 ? count / matches.length : undefined);
  const gaps = rows.map((row) => {
    const sorted = [...row.ratings].sort((a, b) => b - a);
    return (sorted[0] as number) - (sorted[1] as number);
  });
  const answerCounts = rows.map((row) => row.answers);
  return {
    rows: rows.length,
    formats: { 'round-robin': rows.filter((row) => row.format === 'round-robin').length, swiss: rows.filter((row) => row.format === 'swiss').length },
    answers: {
      min: answerCounts.length > 0 ? Math.min(...answerCounts) : 0,
      mean: answerCounts.length > 0 ? answerCounts.reduce((a, b) => a + b, 0) / answerCounts.length : 0,
      max: answerCounts.length > 0 ? Math.max(...answerCounts) : 0,
    },
    matches: matches.length,
    tieRate: share(matches.filter((m) => m.winner === 'tie').length),
    positionFlipRate: share(matches.filter((m) => !m.positionConsistent).length),
    sampleAgreement: matches.length > 0 ? matches.reduce((sum, m) => sum + m.agreement, 0) / matches.length : undefined,
    meanTopGap: gaps.length > 0 ? gaps.reduce((a, b) => a + b, 0) / gaps.length : undefined,
    selfPreferenceRows: rows.filter((row) => row.selfPreference > 0).length,
  };
}
