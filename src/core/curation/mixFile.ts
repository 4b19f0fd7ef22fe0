/**
 * The mix report over files, streamed: counts and answer lengths are exact (4 bytes a row for the
 * lengths); the near-duplicate rate is exact too (dedupeFile's two passes over the answers: band
 * keys, then signatures of the candidates only). Distinct-n is measured over the answers when
 * there are at most MIX_SAMPLE_ANSWERS of them (then every number equals mixReport's over the same
 * rows), else over a seeded uniform sample of that many (reservoir sampling). A sample, not a
 * streaming estimate: distinct-n needs the set of distinct n-grams, which grows with the text, and
 * it depends on how many answers it pools (it falls as a set grows), so a fixed-size sample also
 * keeps files of different sizes comparable — the comparison with a source samples both sides to
 * equal counts anyway.
 */
import { seededRandom } from '../random';
import type { Provenance } from '../statistics/report';
import { datasetRows, type DatasetRow } from './datasetRows';
import { dedupeFile } from './dedupe';
import { IntColumn } from './digestTable';
import { DEFAULT_NEAR_DUPLICATE_THRESHOLD } from './nearDuplicates';
import { mixReportOfSummaries, type MixReport, type MixSummary, type MixThresholds } from './mixReport';
import type { PassObserver } from './passObserver';
import { rowFacts, type RowFacts } from './rowFacts';

/** Answers distinct-n pools at most: ~1M words, whose n-gram sets stay within tens of megabytes. */
export const MIX_SAMPLE_ANSWERS = 4096;

export interface SummariseFileOptions {
  readonly nearDuplicateThreshold?: number;
  readonly signal?: AbortSignal;
  readonly observer?: PassObserver;
  /** Called for every row in the first pass (the report step writes its output and reads verdicts there). */
  readonly onRow?: (row: DatasetRow, facts: RowFacts) => Promise<void> | void;
  readonly sampleAnswers?: number;
}

/** The mix summary of a file, streamed (three passes: facts, then the answers' near-duplicates). */
export async function summariseFile(path: string, shown: string, options: SummariseFileOptions = {}): Promise<MixSummary> {
  const sampleSize = options.sampleAnswers ?? MIX_SAMPLE_ANSWERS;
  const { observer, signal } = options;
  const provenance: Record<Provenance, number> = { human: 0, synthetic: 0, unknown: 0 };
  const teacherRows = new Map<string, number>();
  const lengths = new IntColumn();
  const sample: string[] = [];
  const random = seededRandom('distillery-mix-sample');
  let rows = 0;
  let answers = 0;
  observer?.passStarted(1, 3, undefined);
  for await (const row of datasetRows(path, shown, { signal })) {
    const facts = rowFacts(row.value);
    rows++;
    provenance[facts.provenance]++;
    if (facts.teacher !== undefined) teacherRows.set(facts.teacher, (teacherRows.get(facts.teacher) ?? 0) + 1);
    const answer = facts.answer;
    if (answer !== undefined) {
      lengths.push([...answer].length);
      // Reservoir sampling (Algorithm R): every answer is in the sample with the same chance.
      if (answers < sampleSize) sample.push(answer);
      else {
        const slot = Math.floor(random() * (answers + 1));
        if (slot < sampleSize) sample[slot] = answer;
      }
      answers++;
    }
    await options.onRow?.(row, facts);
    observer?.rowsDone(rows);
  }
  let nearDuplicateRate = 0;
  if (answers > 0) {
    const near = await dedupeFile(path, undefined, {
      field: 'answer',
      nearOnly: true,
      threshold: options.nearDuplicateThreshold ?? DEFAULT_NEAR_DUPLICATE_THRESHOLD,
      shownInput: shown,
      ...(signal ? { signal } : {}),
      ...(observer ? { observer: laterPasses(observer, rows) } : {}),
    });
    nearDuplicateRate = near.nearDuplicates / answers;
  }
  return { rows, provenance, teacherRows, answers, answerLengths: lengths.view(), answerSample: sample, nearDuplicateRate };
}

/** Passes 1–2 of the near-duplicate search are passes 2–3 of the summary. */
function laterPasses(observer: PassObserver, rows: number): PassObserver {
  return {
    passStarted: (pass) => observer.passStarted(pass + 1, 3, rows),
    rowsDone: (done) => observer.rowsDone(done),
  };
}

export interface MixFileOptions extends SummariseFileOptions {
  readonly thresholds?: MixThresholds;
  /** The source dataset to compare diversity with. */
  readonly against?: { readonly path: string; readonly shown: string };
}

/** The mix report of a file (and against a source file), streamed. */
export async function mixReportFile(path: string, shown: string, options: MixFileOptions = {}): Promise<MixReport> {
  const thresholds = options.thresholds ?? {};
  const summaryOptions = { ...options, nearDuplicateThreshold: thresholds.nearDuplicateThreshold ?? DEFAULT_NEAR_DUPLICATE_THRESHOLD };
  const summary = await summariseFile(path, shown, summaryOptions);
  const { onRow: _onRow, observer: _observer, ...sourceOptions } = summaryOptions;
  const source = options.against === undefined ? undefined : await summariseFile(options.against.path, options.against.shown, sourceOptions);
  return mixReportOfSummaries(summary, thresholds, source);
}
