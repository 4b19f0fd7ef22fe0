import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { formatMixReport, mixReport } from '../../../src/core/curation/mixReport';
import { rowFacts } from '../../../src/core/curation/rowFacts';
import { sharedDataFile } from '../../support/sharedData';
import { chat, pair, type Row } from './rows';

const facts = (rows: readonly Row[]) => rows.map(rowFacts);

/** 10 rows: 2 human, 6 synthetic (4 by gpt-4o, 2 by llama-3), 2 without provenance. */
const constructedMix: Row[] = [
  chat('q0', 'The mitochondria is the powerhouse of the cell.', { provenance: 'human' }),
  pair('q1', 'Rivers flow downhill because of gravity.', 'no', { provenance: 'human' }),
  ...[0, 1, 2, 3].map((i) => chat(`g${i}`, `Answer number ${i} from the first teacher about topic ${i * 7}.`, { teacher: 'gpt-4o' })),
  ...[0, 1].map((i) => chat(`l${i}`, `Llama says ${i}: short reply.`, { provenance: 'synthetic', teacher: { model: 'llama-3' } })),
  chat('u0', 'Plain row with no metadata at all.'),
  { instruction: 'u1', output: 'Another plain answer, Alpaca style.' },
];

/** The Alpaca demo's first 150 answers: varied, written for many different instructions. */
function alpacaSource(): Row[] {
  return (JSON.parse(readFileSync(sharedDataFile('llamafactory-alpaca_en_demo.json'), 'utf8')) as Row[]).slice(0, 150);
}

/** A synthetic set collapsed onto one refusal template, differing in a word or two. */
const collapsedSet: Row[] = Array.from({ length: 150 }, (_, i) =>
  chat(`question ${i}`, `I'm sorry, but as an AI language model I cannot provide a complete answer to this question. Please consult a reliable source for more information about topic ${i % 5}.`, {
    teacher: 'tiny-model',
  }),
);

describe('curation mix report', () => {
  it('counts the human/synthetic mix and teacher shares of a constructed mix', () => {
    const report = mixReport(facts(constructedMix));
    assert.equal(report.rows, 10);
    assert.deepEqual(report.provenance, { human: 2, synthetic: 6, unknown: 2 });
    assert.equal(report.humanShare, 0.2);
    assert.equal(report.syntheticShare, 0.6);
    assert.deepEqual(report.teachers, [
      { teacher: 'gpt-4o', rows: 4, share: 0.4 },
      { teacher: 'llama-3', rows: 2, share: 0.2 },
    ]);
    assert.equal(report.diversity.answers, 10);
    assert.equal(report.source, undefined);
    assert.deepEqual(report.warnings, [], 'no thresholds, no warnings');
  });

  it('warns when one teacher or the synthetic share passes the thresholds set', () => {
    const report = mixReport(facts(constructedMix), { maxTeacherShare: 0.3, maxSyntheticShare: 0.5 });
    assert.deepEqual(report.warnings.map((w) => w.code), ['teacher-share', 'synthetic-share']);
    assert.match(report.warnings[0]!.message, /gpt-4o made 40\.0% of the rows \(more than 30\.0%\)/);
    assert.match(report.warnings[1]!.message, /synthetic rows are 60\.0%/);
    assert.deepEqual(mixReport(facts(constructedMix), { maxTeacherShare: 0.4, maxSyntheticShare: 0.6 }).warnings, [], 'at the threshold is not past it');
  });

  it('detects a diversity drop against the source: varied Alpaca answers vs a collapsed synthetic set', () => {
    const report = mixReport(facts(collapsedSet), {}, facts(alpacaSource()));
    assert.ok(report.source, 'the source is measured');
    assert.ok(report.source.distinct2 > 0.5, `source distinct-2 ${report.source.distinct2}`);
    assert.ok(report.diversity.distinct2 < 0.1, `collapsed distinct-2 ${report.diversity.distinct2}`);
    assert.ok(report.diversity.nearDuplicateRate > 0.9, `collapsed near-duplicate rate ${report.diversity.nearDuplicateRate}`);
    const codes = report.warnings.map((w) => w.code);
    assert.deepEqual(codes, ['distinct-drop', 'distinct-drop', 'distinct-drop', 'near-duplicate-rise']);
    assert.match(report.warnings[1]!.message, /^distinct-2 fell from 0\.\d{3} in the source to 0\.\d{3} on 150 answers each/);
    assert.equal(report.comparison?.answers, 150);
  });

  it('compares distinct-n on equal numbers of answers, so a bigger set of the same data is no drop', () => {
    const all = (JSON.parse(readFileSync(sharedDataFile('llamafactory-alpaca_en_demo.json'), 'utf8')) as Row[]).slice(0, 900);
    const report = mixReport(facts(all), {}, facts(all.slice(0, 150)));
    // Pooled over 6× the answers, distinct-1 is much lower: common words repeat more.
    assert.ok(report.diversity.distinct1 < report.source!.distinct1 - 0.1, `${report.diversity.distinct1} vs ${report.source!.distinct1}`);
    assert.equal(report.comparison?.answers, 150);
    assert.deepEqual(report.warnings, []);
  });

  it('gives no diversity warning for a dataset against itself', () => {
    const source = facts(alpacaSource());
    assert.deepEqual(mixReport(source, {}, source).warnings, []);
  });

  it('renders the report as text', () => {
    const text = formatMixReport('mix.jsonl', mixReport(facts(constructedMix), { maxSyntheticShare: 0.5 }));
    assert.match(text, /^mix\.jsonl: 10 rows$/m);
    assert.match(text, /^Mix: human 2 \(20\.0%\), synthetic 6 \(60\.0%\), unknown 2 \(20\.0%\)$/m);
    assert.match(text, /^ {2}teacher gpt-4o: 4 \(40\.0%\)$/m);
    assert.match(text, /^ {2}distinct-1 \d\.\d{3} {2}distinct-2/m);
    assert.match(text, /^warning: synthetic rows are 60\.0%/m);
  });
});
