import * as assert from 'node:assert/strict';
import { bradleyTerry, winProbability, type PairResult } from '../../../src/core/judging/bradleyTerry';
import { seededRandom } from '../../../src/core/random';

describe('judging: Bradley–Terry ratings', () => {
  it('recovers the order of known strengths from simulated games, and their ratios roughly', () => {
    const truth = [1, 8, 2, 16, 4, 0.5];
    const random = seededRandom('bradley-terry');
    const results: PairResult[] = [];
    for (let game = 0; game < 60; game++) {
      for (let i = 0; i < truth.length; i++) {
        for (let j = i + 1; j < truth.length; j++) {
          const iWins = random() < (truth[i] as number) / ((truth[i] as number) + (truth[j] as number));
          results.push(iWins ? { winner: i, loser: j } : { winner: j, loser: i });
        }
      }
    }
    const fitted = bradleyTerry(truth.length, results);
    assert.ok(fitted.converged);
    assert.deepEqual(fitted.ranking, [3, 1, 4, 2, 0, 5]);
    // P(strongest beats weakest) is 16 / 16.5 ≈ 0.97: the fit is within 3 points.
    assert.ok(Math.abs(winProbability(fitted, 3, 5) - 16 / 16.5) < 0.03, String(winProbability(fitted, 3, 5)));
    assert.ok(winProbability(fitted, 3, 1) > 0.5 && winProbability(fitted, 3, 1) < winProbability(fitted, 3, 0), "closer strengths, closer odds");
    const logMean = fitted.strengths.reduce((s, p) => s + Math.log(p), 0) / truth.length;
    assert.ok(Math.abs(logMean) < 1e-9, 'strengths have geometric mean 1');
    assert.ok((fitted.ratings[3] as number) > 1000 && (fitted.ratings[5] as number) < 1000, 'Elo scale around 1000');
  });

  it('an answer that never won keeps a finite rating; ties split evenly', () => {
    const fitted = bradleyTerry(3, [{ winner: 0, loser: 1 }, { winner: 0, loser: 2 }, { winner: 1, loser: 2, tie: true }]);
    assert.ok(fitted.strengths.every((p) => Number.isFinite(p) && p > 0));
    assert.equal(fitted.ranking[0], 0);
    assert.ok(Math.abs((fitted.strengths[1] as number) - (fitted.strengths[2] as number)) < 1e-9, 'the tied pair lost the same games');
    assert.ok(Math.abs(winProbability(fitted, 1, 2) - 0.5) < 1e-9);
  });

  it('no games: everyone equal; bad players are refused', () => {
    assert.deepEqual(bradleyTerry(3, []).strengths, [1, 1, 1]);
    assert.throws(() => bradleyTerry(2, [{ winner: 0, loser: 2 }]), /results\[0\]: player 2 is not in 0\.\.1/);
    assert.throws(() => bradleyTerry(2, [{ winner: 1, loser: 1 }]), /cannot play itself/);
  });
});
