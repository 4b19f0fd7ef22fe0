// What a generation in the editor tells the user when it ends. Pure (no `vscode` import).
import { formatCost } from '../../core/llm/accounting';
import type { GenerateRowResult, SampleRejection } from '../../core/tasks/types';

/** What happened to one source row, as the summary needs it. */
export interface RowGenerationReport {
  /** 1-based line the source row was read from. */
  readonly line: number;
  /** The core's result; absent when the row failed as a whole (`error`). */
  readonly result?: GenerateRowResult;
  /** The row failed as a whole (no prompt, a template field missing, a verifier that cannot start…). */
  readonly error?: string;
  /** Rows inserted into the document for it. */
  readonly inserted: number;
  /** Why its rows were not inserted although some were generated (the row was edited meanwhile…). */
  readonly refused?: string;
}

const REJECTION_WORDS: Readonly<Record<SampleRejection, [string, string]>> = {
  refusal: ['as a refusal', 'as refusals'],
  length: ['by the length bounds', 'by the length bounds'],
  duplicate: ['as a duplicate', 'as duplicates'],
  verifier: ['by the verifier', 'by the verifier'],
};

function plural(count: number, one: string, many = `${one}s`): string {
  return `${count.toLocaleString('en-US')} ${count === 1 ? one : many}`;
}

/**
 * One sentence per fact, joined with semicolons: "3 rows added from 2 teachers; 1 sample dropped
 * as a refusal; cost $0.0012". Errors are summarised by their first message and count.
 */
export function summariseGeneration(reports: readonly RowGenerationReport[], options: { cancelled?: boolean } = {}): { message: string; isError: boolean } {
  const parts: string[] = [];
  const inserted = reports.reduce((sum, report) => sum + report.inserted, 0);
  const teachers = new Set<string>();
  const rejected = new Map<SampleRejection, number>();
  const sampleErrors: string[] = [];
  let cached = 0;
  let knownCostUsd = 0;
  let unpricedCalls = 0;
  for (const { result } of reports) {
    for (const sample of result?.samples ?? []) {
      teachers.add(sample.teacher);
      if (!sample.kept && sample.rejectedBy) rejected.set(sample.rejectedBy, (rejected.get(sample.rejectedBy) ?? 0) + 1);
      if (sample.cached) cached++;
      else if (sample.costUsd === undefined) unpricedCalls++;
      else knownCostUsd += sample.costUsd;
    }
    for (const error of result?.errors ?? []) {
      teachers.add(error.teacher);
      // The model layer's messages mostly name their profile already.
      sampleErrors.push(error.message.includes(`"${error.teacher}"`) ? error.message : `${error.teacher}: ${error.message}`);
    }
  }

  const rowsWord = plural(inserted, 'row');
  parts.push(teachers.size > 0 ? `${rowsWord} added from ${plural(teachers.size, 'teacher')}` : `${rowsWord} added`);
  if (reports.length > 1) parts[0] = `${parts[0]} for ${plural(reports.length, 'selected row')}`;
  for (const [rejection, count] of rejected) {
    const [one, many] = REJECTION_WORDS[rejection];
    parts.push(`${plural(count, 'sample')} dropped ${count === 1 ? one : many}`);
  }
  if (cached > 0) parts.push(`${plural(cached, 'answer')} from the cache`);
  if (sampleErrors.length > 0) parts.push(`${plural(sampleErrors.length, 'sample')} failed (${sampleErrors[0]})`);
  const rowErrors = reports.filter((report) => report.error !== undefined);
  for (const report of rowErrors.slice(0, 3)) parts.push(`line ${report.line}: ${report.error}`);
  if (rowErrors.length > 3) parts.push(`${rowErrors.length - 3} more rows failed`);
  for (const report of reports.filter((r) => r.refused !== undefined)) parts.push(report.refused as string);
  if (teachers.size > 0) parts.push(`cost ${formatCost({ costUsd: unpricedCalls === 0 ? knownCostUsd : undefined, knownCostUsd, unpricedCalls })}`);
  if (options.cancelled) parts.unshift('Cancelled');

  const isError = inserted === 0 && (sampleErrors.length > 0 || rowErrors.length > 0 || reports.some((r) => r.refused !== undefined));
  return { message: parts.join('; '), isError };
}
