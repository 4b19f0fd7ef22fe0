/**
 * What the judge report reads of a row: a pair verdict (`distillery.judgement`), else an n-way
 * ranking (`distillery.ranking`), else nothing; a malformed one named by its JSON path. One
 * reading for the CLI, the panel and a pipeline's report step.
 */
import { readJudgedRow, type JsonPath, type JudgedRow } from './judgedRows';
import { readRankedRow, type RankedRow } from './rankingReport';

export type ReportRowReading =
  | { readonly kind: 'judged'; readonly row: JudgedRow }
  | { readonly kind: 'ranked'; readonly row: RankedRow }
  | { readonly kind: 'neither' }
  | { readonly kind: 'invalid'; readonly path: JsonPath; readonly message: string };

export function readReportRow(value: Record<string, unknown>): ReportRowReading {
  const judged = readJudgedRow(value);
  if (judged.kind !== 'unjudged') return judged;
  const ranked = readRankedRow(value);
  return ranked.kind === 'unranked' ? { kind: 'neither' } : ranked;
}
