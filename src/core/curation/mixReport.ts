/**
 * The mix and diversity report: what share of a dataset is human or synthetic, which teacher
 * models made it, and how varied its answers are (distinct-n, length spread, near-duplicates).
 * Warnings say when the mix passes thresholds the user set, or, against a source dataset, when
 * the answers became less diverse: the early sign of a model collapsing onto its own outputs.
 */
import type { Provenance } from '../statistics/report';
import { sampleIndexes } from './balance';
import { distinctN, lengthSpread, type LengthSpread } from './diversity';
import { seededRandom } from '../random';
import { DEFAULT_NEAR_DUPLICATE_THRESHOLD, nearDuplicateRate } from './nearDuplicates';
import type { RowFacts } from './rowFacts';

export interface DiversityReport {
  /** Rows with an answer (the chosen one for preference pairs); diversity is measured over these. */
  readonly answers: number;
  readonly distinct1: number;
  readonly distinct2: number;
  readonly distinct3: number;
  /** Answer length in characters. */
  readonly answerLength: LengthSpread;
  /** Share of answers that are near-duplicates of an earlier one (MinHash, at `nearDuplicateThreshold`). */
  readonly nearDuplicateRate: number;
}

/**
 * Distinct-n falls as a set grows (common words repeat), so the file and its source are compared
 * on the same number of answers: the larger set is down-sampled (seeded) to the smaller's size.
 */
export interface DiversityComparison {
  /** Answers on each side. */
  readonly answers: number;
  readonly distinct: readonly { readonly n: 1 | 2 | 3; readonly file: number; readonly source: number }[];
}

export interface TeacherShare {
  readonly teacher: string;
  readonly rows: number;
  /** Of all rows. */
  readonly share: number;
}

export type MixWarningCode = 'teacher-share' | 'synthetic-share' | 'distinct-drop' | 'near-duplicate-rise';

export interface MixWarning {
  readonly code: MixWarningCode;
  readonly message: string;
}

export interface MixThresholds {
  /** Warn when one teacher made more than this share of all rows (0–1). */
  readonly maxTeacherShare?: number;
  /** Warn when synthetic rows are more than this share of all rows (0–1). */
  readonly maxSyntheticShare?: number;
  /** Against a source: warn when distinct-1, -2 or -3 falls by more than this (absolute, 0–1). Default 0.05. */
  readonly maxDistinctDrop?: number;
  /** Against a source: warn when the near-duplicate rate rises by more than this (absolute, 0–1). Default 0.05. */
  readonly maxNearDuplicateRise?: number;
  /** Jaccard similarity at which two answers are near-duplicates. Default 0.8. */
  readonly nearDuplicateThreshold?: number;
}

export const DEFAULT_MAX_DISTINCT_DROP = 0.05;
export const DEFAULT_MAX_NEAR_DUPLICATE_RISE = 0.05;
export { DEFAULT_NEAR_DUPLICATE_THRESHOLD };

export interface MixReport {
  readonly rows: number;
  readonly provenance: Readonly<Record<Provenance, number>>;
  readonly humanShare: number;
  readonly syntheticShare: number;
  /** Most rows first. */
  readonly teachers: readonly TeacherShare[];
  readonly diversity: DiversityReport;
  /** The source dataset's diversity, when the report was made against one. */
  readonly source?: DiversityReport;
  /** Distinct-n of the file and the source on equal numbers of answers: what the distinct-drop warnings compare. */
  readonly comparison?: DiversityComparison;
  readonly warnings: readonly MixWarning[];
}

const share = (part: number, whole: number): number => (whole === 0 ? 0 : part / whole);
const percent = (value: number): string => `${(value * 100).toFixed(1)}%`;

const answersOf = (facts: readonly RowFacts[]): string[] => facts.flatMap((row) => (row.answer === undefined ? [] : [row.answer]));

/**
 * What the report needs of a dataset, without its rows: counts, every answer's length, the answers
 * (or, for a large file, a seeded sample of them: see mixFile.ts) and the near-duplicate rate.
 */
export interface MixSummary {
  readonly rows: number;
  readonly provenance: Readonly<Record<Provenance, number>>;
  readonly teacherRows: ReadonlyMap<string, number>;
  /** Rows with an answer. */
  readonly answers: number;
  /** Each answer's length in characters. */
  readonly answerLengths: ArrayLike<number>;
  /** The answers distinct-n is measured over: all of them, or a seeded sample when there are very many. */
  readonly answerSample: readonly string[];
  readonly nearDuplicateRate: number;
}

/** The summary of rows held in memory (every answer is in the sample). */
export function summariseFacts(facts: readonly RowFacts[], nearDuplicateThreshold = DEFAULT_NEAR_DUPLICATE_THRESHOLD): MixSummary {
  const provenance: Record<Provenance, number> = { human: 0, synthetic: 0, unknown: 0 };
  const teacherRows = new Map<string, number>();
  for (const row of facts) {
    provenance[row.provenance]++;
    if (row.teacher !== undefined) teacherRows.set(row.teacher, (teacherRows.get(row.teacher) ?? 0) + 1);
  }
  const answers = answersOf(facts);
  return {
    rows: facts.length,
    provenance,
    teacherRows,
    answers: answers.length,
    answerLengths: answers.map((answer) => [...answer].length),
    answerSample: answers,
    nearDuplicateRate: answers.length === 0 ? 0 : nearDuplicateRate(answers, { threshold: nearDuplicateThreshold }),
  };
}

/** Distinct-n by the array it was measured over: the comparison often pools the same answers again. */
const distinctMemo = new WeakMap<readonly string[], Map<number, number>>();

function distinctOf(texts: readonly string[], n: number): number {
  let known = distinctMemo.get(texts);
  if (known === undefined) {
    known = new Map();
    distinctMemo.set(texts, known);
  }
  let value = known.get(n);
  if (value === undefined) {
    value = distinctN(texts, n);
    known.set(n, value);
  }
  return value;
}

function diversityOfSummary(summary: MixSummary): DiversityReport {
  const sample = summary.answerSample;
  return {
    answers: summary.answers,
    distinct1: distinctOf(sample, 1),
    distinct2: distinctOf(sample, 2),
    distinct3: distinctOf(sample, 3),
    answerLength: lengthSpread(Array.from(summary.answerLengths)),
    nearDuplicateRate: summary.nearDuplicateRate,
  };
}

export function diversityOf(facts: readonly RowFacts[], nearDuplicateThreshold = DEFAULT_NEAR_DUPLICATE_THRESHOLD): DiversityReport {
  return diversityOfSummary(summariseFacts(facts, nearDuplicateThreshold));
}

/** The report over a dataset's rows (their facts), and optionally against the rows of the source it came from. */
export function mixReport(facts: readonly RowFacts[], thresholds: MixThresholds = {}, sourceFacts?: readonly RowFacts[]): MixReport {
  const nearThreshold = thresholds.nearDuplicateThreshold ?? DEFAULT_NEAR_DUPLICATE_THRESHOLD;
  return mixReportOfSummaries(summariseFacts(facts, nearThreshold), thresholds, sourceFacts === undefined ? undefined : summariseFacts(sourceFacts, nearThreshold));
}

/** The report from summaries (mixFile.ts makes them by streaming files). */
export function mixReportOfSummaries(summary: MixSummary, thresholds: MixThresholds = {}, sourceSummary?: MixSummary): MixReport {
  const { provenance, rows } = summary;
  const teachers = [...summary.teacherRows]
    .map(([teacher, count]) => ({ teacher, rows: count, share: share(count, rows) }))
    .sort((a, b) => b.rows - a.rows || a.teacher.localeCompare(b.teacher));
  const diversity = diversityOfSummary(summary);
  const source = sourceSummary === undefined ? undefined : diversityOfSummary(sourceSummary);
  const syntheticShare = share(provenance.synthetic, rows);
  const warnings: MixWarning[] = [];
  const { maxTeacherShare, maxSyntheticShare } = thresholds;
  if (maxTeacherShare !== undefined) {
    for (const teacher of teachers) {
      if (teacher.share > maxTeacherShare) {
        warnings.push({ code: 'teacher-share', message: `teacher ${teacher.teacher} made ${percent(teacher.share)} of the rows (more than ${percent(maxTeacherShare)})` });
      }
    }
  }
  if (maxSyntheticShare !== undefined && syntheticShare > maxSyntheticShare) {
    warnings.push({ code: 'synthetic-share', message: `synthetic rows are ${percent(syntheticShare)} of the rows (more than ${percent(maxSyntheticShare)})` });
  }
  const comparison = sourceSummary === undefined ? undefined : compareDistinct(summary.answerSample, sourceSummary.answerSample);
  if (source !== undefined && comparison !== undefined) warnings.push(...diversityDrops(diversity, source, comparison, thresholds));
  return { rows, provenance: { ...provenance }, humanShare: share(provenance.human, rows), syntheticShare, teachers, diversity, ...(source && comparison ? { source, comparison } : {}), warnings };
}

/** A seeded sample of `count` texts, in their order (`texts` itself when there are no more). */
function sampleTexts(texts: readonly string[], count: number): string[] {
  if (texts.length <= count) return texts as string[];
  return sampleIndexes(texts.length, count, seededRandom('distillery-mix')).map((i) => texts[i] as string);
}

function compareDistinct(fileAnswers: readonly string[], sourceAnswers: readonly string[]): DiversityComparison {
  const answers = Math.min(fileAnswers.length, sourceAnswers.length);
  const file = sampleTexts(fileAnswers, answers);
  const source = sampleTexts(sourceAnswers, answers);
  return { answers, distinct: ([1, 2, 3] as const).map((n) => ({ n, file: distinctOf(file, n), source: distinctOf(source, n) })) };
}

function diversityDrops(diversity: DiversityReport, source: DiversityReport, comparison: DiversityComparison, thresholds: MixThresholds): MixWarning[] {
  const warnings: MixWarning[] = [];
  const maxDrop = thresholds.maxDistinctDrop ?? DEFAULT_MAX_DISTINCT_DROP;
  for (const { n, file, source: before } of comparison.distinct) {
    if (before - file > maxDrop) {
      warnings.push({
        code: 'distinct-drop',
        message: `distinct-${n} fell from ${before.toFixed(3)} in the source to ${file.toFixed(3)} on ${comparison.answers} answers each (more than ${maxDrop} lower)`,
      });
    }
  }
  const maxRise = thresholds.maxNearDuplicateRise ?? DEFAULT_MAX_NEAR_DUPLICATE_RISE;
  const rise = diversity.nearDuplicateRate - source.nearDuplicateRate;
  if (rise > maxRise) {
    warnings.push({
      code: 'near-duplicate-rise',
      message: `near-duplicate rate rose from ${percent(source.nearDuplicateRate)} in the source to ${percent(diversity.nearDuplicateRate)} (more than ${percent(maxRise)} higher)`,
    });
  }
  return warnings;
}

const fixed = (value: number, digits = 3): string => value.toFixed(digits);
const round = (value: number): string => (Number.isInteger(value) ? String(value) : value.toFixed(1));

function diversityLines(label: string, d: DiversityReport): string[] {
  const l = d.answerLength;
  return [
    `${label} (${d.answers} answers)`,
    `  distinct-1 ${fixed(d.distinct1)}  distinct-2 ${fixed(d.distinct2)}  distinct-3 ${fixed(d.distinct3)}`,
    `  answer length (chars): median ${round(l.median)}, p10 ${round(l.p10)}, p90 ${round(l.p90)}, sd ${round(l.sd)}`,
    `  near-duplicate rate ${percent(d.nearDuplicateRate)}`,
  ];
}

/** The report as text for a terminal. */
export function formatMixReport(file: string, report: MixReport, sourceFile?: string): string {
  const p = report.provenance;
  const lines = [
    `${file}: ${report.rows} rows`,
    `Mix: human ${p.human} (${percent(report.humanShare)}), synthetic ${p.synthetic} (${percent(report.syntheticShare)}), unknown ${p.unknown} (${percent(share(p.unknown, report.rows))})`,
    ...report.teachers.map((t) => `  teacher ${t.teacher}: ${t.rows} (${percent(t.share)})`),
    ...diversityLines('Diversity', report.diversity),
    ...(report.source ? diversityLines(`Source${sourceFile ? ` ${sourceFile}` : ''}`, report.source) : []),
    ...(report.comparison
      ? [`Compared on ${report.comparison.answers} answers each: ${report.comparison.distinct.map((d) => `distinct-${d.n} ${fixed(d.file)} vs ${fixed(d.source)}`).join(', ')}`]
      : []),
    ...(report.warnings.length === 0 ? ['No warnings.'] : report.warnings.map((w) => `warning: ${w.message}`)),
  ];
  return `${lines.join('\n')}\n`;
}
