import * as assert from 'node:assert/strict';
import { agreementRate, cohenKappa, majorityVerdict } from '../../../src/core/judging/agreement';
import type { Verdict } from '../../../src/core/tasks/judgeTypes';

const repeat = <T>(value: T, times: number): T[] => Array.from({ length: times }, () => value);

describe("judging: agreement and Cohen's kappa", () => {
  it('two categories: 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no → p_o 0.7, p_e 0.5, κ 0.4', () => {
    const a = [...repeat('yes', 25), ...repeat('no', 25)];
    const b = [...repeat('yes', 20), ...repeat('no', 5), ...repeat('yes', 10), ...repeat('no', 15)];
    assert.ok(Math.abs((agreementRate(a, b) ?? NaN) - 0.7) < 1e-12);
    assert.ok(Math.abs((cohenKappa(a, b) ?? NaN) - 0.4) < 1e-12);
  });

  it('three labels A/B/tie: p_o 7/10, p_e 0.38, κ = 0.32 / 0.62', () => {
    const judge: Verdict[] = ['A', 'A', 'A', 'A', 'B', 'B', 'B', 'tie', 'tie', 'A'];
    const human: Verdict[] = ['A', 'A', 'B', 'A', 'B', 'B', 'tie', 'tie', 'A', 'A'];
    assert.ok(Math.abs((agreementRate(judge, human) ?? NaN) - 0.7) < 1e-12);
    assert.ok(Math.abs((cohenKappa(judge, human) ?? NaN) - 0.32 / 0.62) < 1e-12);
  });

  it('perfect agreement is 1, agreement at chance level 0, systematic disagreement negative', () => {
    const labels: Verdict[] = ['A', 'B', 'tie', 'A'];
    assert.equal(cohenKappa(labels, labels), 1);
    assert.equal(cohenKappa(['A', 'A', 'B', 'B'], ['A', 'B', 'A', 'B']), 0);
    assert.equal(cohenKappa(['A', 'B'], ['B', 'A']), -1);
  });

  it('is undefined with no items or when both raters only ever used one label; unpaired labels are refused', () => {
    assert.equal(cohenKappa([], []), undefined);
    assert.equal(agreementRate([], []), undefined);
    assert.equal(cohenKappa(['A', 'A'], ['A', 'A']), undefined);
    assert.throws(() => cohenKappa(['A'], []), /paired: 1 against 0/);
  });

  it('the majority label; a split vote is a tie', () => {
    assert.equal(majorityVerdict(['A', 'B', 'A']), 'A');
    assert.equal(majorityVerdict(['A', 'B']), 'tie');
    assert.equal(majorityVerdict(['tie', 'tie', 'B']), 'tie');
    assert.equal(majorityVerdict([]), undefined);
  });
});
