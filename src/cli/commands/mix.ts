import * as path from 'node:path';
import { mixReportFile } from '../../core/curation/mixFile';
import { formatMixReport, type MixThresholds } from '../../core/curation/mixReport';
import { InputError } from '../../core/errors/located';
import type { CliCommand } from '../command';
import { ExitCode } from '../exitCodes';
import { curateInput, numberOption } from './filter';

/**
 * `distillery mix FILE [--against SOURCE]`: the human/synthetic mix, teachers' shares and the
 * diversity of the answers, with warnings. Warnings exit 0 unless --fail-on-warning (then 1), so
 * that CI can gate on them.
 */
export const mixCommand: CliCommand = {
  name: 'mix',
  summary: 'Report the human/synthetic mix, teacher shares and answer diversity, with warnings',
  usage: 'FILE [--against SOURCE] [--json] [--max-teacher-share X] [--max-synthetic-share X] [--fail-on-warning]',
  optionHelp: [
    '--against SOURCE            compare diversity with the dataset FILE was made from',
    '--json                      print the report as JSON on stdout',
    '--max-teacher-share X       warn when one teacher made more than X (0–1) of the rows',
    '--max-synthetic-share X     warn when synthetic rows are more than X (0–1) of the rows',
    '--max-distinct-drop X       with --against: warn when distinct-1/2/3 falls by more than X (default 0.05)',
    '--max-near-dup-rise X       with --against: warn when the near-duplicate rate rises by more than X (default 0.05)',
    '--near-dup-threshold X      Jaccard similarity at which answers are near-duplicates (default 0.8)',
    '--fail-on-warning           exit 1 when there are warnings',
    '',
    'Provenance and teachers come from "distillery".provenance / .teacher; diversity is measured over',
    'the answers (the chosen one of a preference pair): distinct-n is unique word n-grams / all n-grams.',
    'Files are streamed: counts, lengths and the near-duplicate rate are exact; over 4096 answers,',
    'distinct-n is measured on a seeded sample of 4096 of them.',
  ],
  options: {
    against: { type: 'string' },
    json: { type: 'boolean' },
    'max-teacher-share': { type: 'string' },
    'max-synthetic-share': { type: 'string' },
    'max-distinct-drop': { type: 'string' },
    'max-near-dup-rise': { type: 'string' },
    'near-dup-threshold': { type: 'string' },
    'fail-on-warning': { type: 'boolean' },
  },
  positionals: { min: 1, max: 1 },
  async run({ values, positionals, io }) {
    const file = positionals[0] as string;
    const against = typeof values.against === 'string' ? values.against : undefined;
    const share = { min: 0, max: 1 };
    const settings: Record<string, number | undefined> = {
      maxTeacherShare: numberOption(values, 'max-teacher-share', share),
      maxSyntheticShare: numberOption(values, 'max-synthetic-share', share),
      maxDistinctDrop: numberOption(values, 'max-distinct-drop', share),
      maxNearDuplicateRise: numberOption(values, 'max-near-dup-rise', share),
      nearDuplicateThreshold: numberOption(values, 'near-dup-threshold', { min: 0.01, max: 1 }),
    };
    if (against === undefined && (settings.maxDistinctDrop !== undefined || settings.maxNearDuplicateRise !== undefined)) {
      throw new InputError('--max-distinct-drop and --max-near-dup-rise need --against SOURCE');
    }
    const thresholds = Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined)) as MixThresholds;
    const source = against === undefined ? undefined : { path: path.resolve(io.cwd, against), shown: against };
    const report = await curateInput(file, io, (filePath) => mixReportFile(filePath, file, { thresholds, signal: io.signal, ...(source ? { against: source } : {}) }), against === undefined ? [] : [against]);
    if (report === undefined) return ExitCode.BadInput;
    if (values.json === true) io.stdout.write(`${JSON.stringify({ file, ...(against !== undefined ? { against } : {}), ...report }, null, 2)}\n`);
    else io.stdout.write(formatMixReport(file, report, against));
    return values['fail-on-warning'] === true && report.warnings.length > 0 ? ExitCode.PartialFailure : ExitCode.Success;
  },
};
