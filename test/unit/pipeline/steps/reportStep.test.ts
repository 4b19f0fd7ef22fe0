import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { summariseFile } from '../../../../src/core/curation/mixFile';
import { mixReport, type MixReport } from '../../../../src/core/curation/mixReport';
import { rowFacts } from '../../../../src/core/curation/rowFacts';
import { judgeReport, type JudgeReport } from '../../../../src/core/judging/report';
import { readJudgedRow, type JudgedRow } from '../../../../src/core/judging/judgedRows';
import { reportStep } from '../../../../src/core/pipeline/run/steps/reportStep';
import type { ReportStep } from '../../../../src/core/pipeline/run/pipelineTypes';
import { sharedDataFile } from '../../../support/sharedData';
import { chat, judgement, pair, type Row } from '../../curation/rows';
import { location, stepHarness } from './stepContext';

const report = (options: Partial<ReportStep> = {}): ReportStep => ({ type: 'report', id: 'report', index: 4, location, ...options });

describe('pipeline step: report', function () {
  this.timeout(30_000);
  const harness = stepHarness('report');
  after(() => harness.remove());
  const out = (name: string) => path.join(harness.dir, name);
  const write = (name: string, rows: readonly Row[]) => {
    writeFileSync(out(name), rows.map((row) => JSON.stringify(row)).join('\n') + '\n');
    return out(name);
  };

  /** Synthetic rows collapsing onto a template (near-duplicates), some judged, and human rows. */
  const rows: Row[] = [
    ...Array.from({ length: 60 }, (_, i) => chat(`q${i}`, `Great question! It depends on many factors and it is important to weigh all of them carefully ${i % 4}.`, { teacher: i % 3 === 0 ? 'small' : 'large' })),
    ...Array.from({ length: 20 }, (_, i) => pair(`p${i}`, `A chosen answer number ${i} about the topic of rivers ${i * 7}.`, 'no', { provenance: 'synthetic', teacher: 'large', judgement: judgement(i % 3 === 0 ? 'B' : 'A', i % 5 !== 0) })),
    ...Array.from({ length: 10 }, (_, i) => chat(`h${i}`, `A person wrote answer ${i}, with words of their own about ${i * 13} things.`, { provenance: 'human' })),
  ];

  it('writes the mix report mixReport computes over the same rows, against the pipeline input, and the judge report', async () => {
    const input = write('03-dedup.jsonl', rows);
    const source = sharedDataFile('llamafactory-alpaca_en_demo.json');
    const output = out('04-report.jsonl');
    const result = await reportStep(report({ maxTeacherShare: 0.5 }), harness.context(input, output, { pipelineInput: source }));
    const written = JSON.parse(readFileSync(out('04-report.report.json'), 'utf8')) as MixReport & { file: string; against: string };
    const sourceRows = JSON.parse(readFileSync(source, 'utf8')) as Row[];
    const expected = mixReport(rows.map(rowFacts), { maxTeacherShare: 0.5 }, sourceRows.map(rowFacts));
    const { file: _file, against, ...mix } = written;
    assert.deepEqual(mix, JSON.parse(JSON.stringify(expected)));
    assert.equal(against, source);
    assert.ok(written.warnings.some((w) => w.code === 'teacher-share') && written.warnings.some((w) => w.code === 'distinct-drop'));
    assert.ok(harness.logs.some((line) => /teacher large made/.test(line)), 'warnings are logged');

    const judged = rows.map((row) => readJudgedRow(row)).flatMap((r) => (r.kind === 'judged' ? [r.row] : ([] as JudgedRow[])));
    assert.deepEqual(JSON.parse(readFileSync(result.files?.judgeReport ?? '', 'utf8')) as JudgeReport, JSON.parse(JSON.stringify(judgeReport(judged))));
    assert.equal(result.details?.judged, 20);
    assert.equal(readFileSync(output, 'utf8'), readFileSync(input, 'utf8'), 'the rows pass through');
    assert.equal(result.rowsOut, rows.length);
  });

  it('without verdicts there is no judge report; "against" may name an earlier step', async () => {
    const plain = rows.filter((row) => readJudgedRow(row).kind !== 'judged');
    const input = write('02-filter.jsonl', plain);
    const earlier = write('01-generate.jsonl', rows);
    const steps = [{ type: 'generate' as const, id: 'generate', index: 1, location }, { type: 'filter' as const, id: 'filter', index: 2, location }];
    const result = await reportStep(report({ against: { step: 'generate' } }), harness.context(input, out('04-report.jsonl'), { steps }));
    assert.equal(result.files?.judgeReport, undefined);
    const written = JSON.parse(readFileSync(result.files?.report ?? '', 'utf8')) as MixReport & { against: string };
    assert.equal(written.against, earlier);
    assert.deepEqual(written.source, JSON.parse(JSON.stringify(mixReport(rows.map(rowFacts)).diversity)));
  });

  it('ranked rows (n-way judging) add their tournaments to the judge report', async () => {
    const rankedRow = (ratings: number[], flips: number): Row => ({
      prompt: 'Which river is longest?',
      completions: ratings.map((_, i) => `The Nile, answer ${i}.`),
      distillery: {
        ranking: {
          format: 'round-robin', answers: ratings.length, ratings, ranking: ratings.map((_, i) => i), best: 0,
          matches: ratings.slice(1).map((_, k) => ({ i: 0, j: k + 1, round: k, winner: 'A', positionConsistent: k >= flips, agreement: 1, pA: null })),
          judges: [{ profile: 'j', model: 'm' }], criteria: { kind: 'default' }, selfPreference: [], time: '2026-01-01T00:00:00.000Z',
        },
      },
    });
    const input = write('02-judge.jsonl', [rankedRow([1200, 1000, 900], 1), rankedRow([1100, 1080, 1000], 0)]);
    const result = await reportStep(report(), harness.context(input, out('03-report.jsonl')));
    const written = JSON.parse(readFileSync(result.files?.judgeReport ?? '', 'utf8')) as JudgeReport & { ranking: { rows: number; matches: number; positionFlipRate: number; meanTopGap: number } };
    assert.equal(written.rows, 0, 'no pair verdicts');
    assert.deepEqual([written.ranking.rows, written.ranking.matches, written.ranking.positionFlipRate, written.ranking.meanTopGap], [2, 4, 0.25, 110]);
    assert.equal(result.details?.ranked, 2);
  });

  it('on many answers, distinct-n is measured over a seeded sample of a fixed size; counts, lengths and near-duplicates stay exact', async () => {
    const input = write('many.jsonl', rows);
    const sampled = await summariseFile(input, 'many.jsonl', { sampleAnswers: 25 });
    assert.equal(sampled.answerSample.length, 25);
    assert.equal(sampled.answers, 90);
    assert.equal(sampled.answerLengths.length, 90);
    const whole = mixReport(rows.map(rowFacts)).diversity;
    assert.equal(sampled.nearDuplicateRate, whole.nearDuplicateRate);
    assert.ok(sampled.nearDuplicateRate > 0.5, 'the template answers are near-duplicates');
    const again = await summariseFile(input, 'many.jsonl', { sampleAnswers: 25 });
    assert.deepEqual(again.answerSample, sampled.answerSample, 'the same sample every time');
  });
});
