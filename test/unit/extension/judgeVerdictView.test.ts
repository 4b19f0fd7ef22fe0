import { strict as assert } from 'node:assert';
import { judgedRow } from '../../../src/core/tasks/judgeRows';
import type { PairVerdict } from '../../../src/core/tasks/judgeTypes';
import { labelledRowText, rowVerdictView } from '../../../src/extension/judging/verdictViewModel';

const VERDICT: PairVerdict = {
  winner: 'tie',
  positionConsistent: false,
  agreement: 0.5,
  pA: 0.62,
  selfPreference: [{ judge: 'gpt', model: 'gpt-x', answer: 'A' }],
  lengthDifference: 12,
  judges: [{ profile: 'gpt', model: 'gpt-x' }],
  criteria: { kind: 'principles', ids: ['honesty'], questions: ['Which is more honest?'] },
  samples: [
    { judge: 'gpt', model: 'gpt-x', order: 'AB', sample: 0, verdict: 'A', confidence: 0.8, reasoning: 'A is <b>right</b>.', pA: 0.7, cached: false, costUsd: undefined },
    { judge: 'gpt', model: 'gpt-x', order: 'BA', sample: 0, verdict: 'B', confidence: 0.6, reasoning: 'B reads better.', pA: 0.54, cached: false, costUsd: undefined },
  ],
  time: '2026-11-24T16:00:00.000Z',
};

describe('verdict panel view of a row', () => {
  const pair = { prompt: 'Largest planet?', chosen: 'Jupiter is the largest planet in the solar system.', rejected: 'Saturn.' };

  it("shows a judged row's answers, its final label with consistency, both orders' samples, the warnings and P(A)", () => {
    const text = JSON.stringify(judgedRow(pair, VERDICT));
    const view = rowVerdictView('pairs.jsonl', 3, text);
    assert.equal(view.title, 'pairs.jsonl, line 3');
    assert.equal(view.a, pair.chosen);
    assert.equal(view.b, pair.rejected);
    const judgement = view.judgement;
    assert.ok(judgement);
    assert.equal(judgement.winner, 'tie');
    assert.equal(judgement.positionConsistent, false);
    assert.equal(judgement.pA, 0.62);
    assert.equal(judgement.lengthDifference, 12);
    assert.deepEqual(judgement.judges, ['gpt (gpt-x)']);
    assert.deepEqual(judgement.selfPreference, ['gpt (gpt-x) also wrote answer A']);
    assert.equal(judgement.criteria, 'principles honesty');
    assert.deepEqual(judgement.samples.map((s) => [s.order, s.sample, s.verdict]), [['AB', 1, 'A'], ['BA', 1, 'B']]);
    assert.equal(judgement.samples[0]?.reasoning, 'A is <b>right</b>.', 'reasoning is passed as text, unchanged');
  });

  it('shows an unjudged pair with its answers and no judgement', () => {
    const view = rowVerdictView('pairs.jsonl', 1, JSON.stringify(pair));
    assert.equal(view.judgement, undefined);
    assert.equal(view.problem, undefined);
    assert.equal(view.a, pair.chosen);
  });

  it('says why a row has no pair, naming the line', () => {
    assert.match(rowVerdictView('d.jsonl', 4, '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}').problem ?? '', /^Line 4: .*no pair to judge/);
    assert.match(rowVerdictView('d.jsonl', 5, '{"prompt": ').problem ?? '', /^Line 5 is not valid JSON/);
  });

  it('writes the human label beside the judgement, keeping the rest of the row', () => {
    const judged = JSON.stringify(judgedRow({ ...pair, id: 7 }, VERDICT));
    const labelled = JSON.parse(labelledRowText(judged, { winner: 'B', by: 'user', time: '2026-11-24T16:30:00.000Z' })) as Record<string, unknown>;
    assert.equal(labelled.id, 7);
    assert.equal(labelled.chosen, pair.chosen);
    const metadata = labelled.distillery as Record<string, unknown>;
    assert.deepEqual(metadata.human, { winner: 'B', by: 'user', time: '2026-11-24T16:30:00.000Z' });
    assert.equal((metadata.judgement as PairVerdict).winner, 'tie');
    const view = rowVerdictView('d.jsonl', 1, JSON.stringify(labelled));
    assert.deepEqual(view.human, { winner: 'B', by: 'user', time: '2026-11-24T16:30:00.000Z' });
  });
});
