/**
 * The "report" step: the mix and diversity report of its input (`<NN>-<id>.report.json`), against
 * a source dataset (the pipeline's input by default), and the judge report
 * (`<NN>-<id>.judge-report.json`) when rows carry verdicts. Its output is its input's rows as read,
 * written in the same streamed pass, so that steps may follow it.
 */
import * as path from 'node:path';
import { writeFileAtomic } from '../../../dataset/atomicWrite';
import { AtomicRowWriter } from '../../../curation/atomicRowWriter';
import { curationFormat } from '../../../curation/curationFormat';
import { fileHasBom } from '../../../curation/datasetRows';
import { summariseFile } from '../../../curation/mixFile';
import { mixReportOfSummaries, type MixThresholds } from '../../../curation/mixReport';
import { InputError } from '../../../errors/located';
import { judgeReport } from '../../../judging/report';
import type { JudgedRow } from '../../../judging/judgedRows';
import { rankingReport, type RankedRow } from '../../../judging/rankingReport';
import { readReportRow } from '../../../judging/reportRows';
import type { PipelineDefinition, ReportStep } from '../pipelineTypes';
import type { StepExecutor } from '../runnerTypes';
import { stepOutputFile } from '../stepFiles';
import { besideOutput, curationResult, PassProgress, requireInput, runCuration } from './stepSupport';

/** The file `against` names: a file, an earlier step's output, or by default the pipeline's input. */
function sourceOf(step: ReportStep, pipeline: PipelineDefinition, output: string, inputPath: string): string | undefined {
  const against = step.against;
  if (against === undefined) return pipeline.input !== undefined && pipeline.input !== inputPath ? pipeline.input : undefined;
  if ('file' in against) return against.file;
  const earlier = pipeline.steps.find((candidate) => candidate.id === against.step);
  if (earlier === undefined) throw new InputError(`"against": no step "${against.step}"`, step.location);
  return stepOutputFile(path.dirname(output), earlier);
}

/** Judged rows keep only what the judge report reads; judges' names are shared, not copied per row. */
function compactJudged(row: JudgedRow, names: Map<string, string>): JudgedRow {
  const intern = (name: string): string => {
    const known = names.get(name);
    if (known !== undefined) return known;
    names.set(name, name);
    return name;
  };
  const { winner, positionConsistent, agreement, lengthDifference, samples } = row.judgement;
  return {
    judgement: { winner, positionConsistent, agreement, lengthDifference, samples: samples.map((s) => ({ judge: intern(s.judge), order: s.order, verdict: s.verdict })) },
    ...(row.human ? { human: { winner: row.human.winner } } : {}),
  };
}

export const reportStep: StepExecutor<ReportStep> = (step, context) =>
  runCuration(context, async () => {
    const input = requireInput(step, context);
    const thresholds: MixThresholds = {
      ...(step.maxTeacherShare !== undefined ? { maxTeacherShare: step.maxTeacherShare } : {}),
      ...(step.maxSyntheticShare !== undefined ? { maxSyntheticShare: step.maxSyntheticShare } : {}),
    };
    const source = sourceOf(step, context.pipeline, context.output, input.path);
    const bom = (await curationFormat(input.path)) === 'jsonl' && (await fileHasBom(input.path));
    const progress = new PassProgress(context);
    const judged: JudgedRow[] = [];
    const ranked: RankedRow[] = [];
    const judgeNames = new Map<string, string>();
    const writer = await AtomicRowWriter.open(context.output, { bom, format: 'jsonl' });
    let summary;
    try {
      summary = await summariseFile(input.path, input.shown, {
        signal: context.signal,
        observer: progress,
        onRow: async (row) => {
          await writer.writeRow(row.value, row.raw, row.terminator);
          const reading = readReportRow(row.value);
          if (reading.kind === 'judged') judged.push(compactJudged(reading.row, judgeNames));
          else if (reading.kind === 'ranked') ranked.push(reading.row);
        },
      });
      await writer.commit();
    } catch (error) {
      await writer.abort();
      throw error;
    }
    const sourceSummary = source === undefined ? undefined : await summariseFile(source, path.relative(path.dirname(context.pipeline.file), source) || source, { signal: context.signal });
    const report = mixReportOfSummaries(summary, thresholds, sourceSummary);
    const reportFile = besideOutput(context.output, '.report.json');
    await writeFileAtomic(reportFile, `${JSON.stringify({ file: input.shown, ...(source !== undefined ? { against: source } : {}), ...report }, null, 2)}\n`);
    const files: Record<string, string> = { report: reportFile };
    if (judged.length > 0 || ranked.length > 0) {
      files.judgeReport = besideOutput(context.output, '.judge-report.json');
      const ranking = ranked.length > 0 ? { ranking: rankingReport(ranked) } : {};
      await writeFileAtomic(files.judgeReport, `${JSON.stringify({ ...judgeReport(judged), ...ranking }, null, 2)}\n`);
    }
    for (const warning of report.warnings) context.log(context.redact(`${step.id}: ${warning.message}`));
    progress.done(summary.rows);
    return curationResult(summary.rows, summary.rows, {
      details: {
        synthetic: Number(report.syntheticShare.toFixed(3)),
        distinct2: Number(report.diversity.distinct2.toFixed(3)),
        nearDuplicateRate: Number(report.diversity.nearDuplicateRate.toFixed(3)),
        warnings: report.warnings.length,
        ...(judged.length > 0 ? { judged: judged.length } : {}),
        ...(ranked.length > 0 ? { ranked: ranked.length } : {}),
      },
      files,
    });
  });
