import * as assert from 'node:assert/strict';
import { preferenceRows, roundRobinPairs, runTournament, swissPairing, type Compare, type Match } from '../../../src/core/judging/tournament';
import { seededRandom } from '../../../src/core/random';
import type { Verdict } from '../../../src/core/tasks/judgeTypes';

const key = (i: number, j: number): string => (i < j ? `${i}-${j}` : `${j}-${i}`);

/** A judge that always prefers the answer of higher quality, counting its calls. */
function qualityJudge(quality: readonly number[]): { compare: Compare; calls: Array<[number, number]> } {
  const calls: Array<[number, number]> = [];
  return {
    calls,
    compare: async (i, j) => {
      calls.push([i, j]);
      const qi = quality[i] as number;
      const qj = quality[j] as number;
      return qi === qj ? 'tie' : qi > qj ? 'A' : 'B';
    },
  };
}

/** A noisy judge: the better answer wins with probability q_i / (q_i + q_j) (Bradley–Terry truth). */
function noisyJudge(quality: readonly number[], seed: string): Compare {
  const random = seededRandom(seed);
  return async (i, j) => (random() < (quality[i] as number) / ((quality[i] as number) + (quality[j] as number)) ? 'A' : 'B');
}

describe('judging: tournaments', () => {
  it('round-robin for n ≤ 8: every pair once, each answer shown first about half the time; best of n is the truly best', async () => {
    const quality = [0.2, 0.9, 0.5, 0.7, 0.1, 0.3];
    const { compare, calls } = qualityJudge(quality);
    const result = await runTournament(quality.length, compare);
    assert.equal(result.format, 'round-robin');
    assert.equal(calls.length, 15);
    assert.equal(new Set(calls.map(([i, j]) => key(i, j))).size, 15);
    const firsts = quality.map((_, p) => calls.filter(([i]) => i === p).length);
    assert.ok(firsts.every((f) => f >= 1 && f <= 4), `times shown first: ${firsts.join(', ')}`);
    assert.equal(result.best, 1);
    assert.deepEqual(result.ratings.ranking, [1, 3, 2, 5, 0, 4]);
  });

  it('Swiss for n > 8: every answer plays once per round, no pair meets twice, and the best rises to the top', async () => {
    const quality = Array.from({ length: 16 }, (_, i) => ((i * 7) % 16) + 1);
    const { compare, calls } = qualityJudge(quality);
    const result = await runTournament(quality.length, compare);
    assert.equal(result.format, 'swiss');
    const rounds = Math.ceil(Math.log2(16)) + 1;
    assert.equal(calls.length, rounds * 8, '8 matches in each of 5 rounds, far fewer than 120 for round-robin');
    for (let round = 1; round <= rounds; round++) {
      const players = result.matches.filter((m) => m.round === round).flatMap((m) => [m.i, m.j]);
      assert.equal(new Set(players).size, 16, `round ${round}: everyone plays once`);
    }
    assert.equal(new Set(result.matches.map((m) => key(m.i, m.j))).size, result.matches.length, 'no repeat pairs');
    const best = quality.indexOf(Math.max(...quality));
    assert.equal(result.best, best);
  });

  it('Swiss avoids repeats whenever a pairing without one exists, with a noisy judge over many rounds', async () => {
    for (const [n, rounds] of [[12, 7], [10, 6], [9, 6], [4, 3]] as const) {
      const quality = Array.from({ length: n }, (_, i) => i + 1);
      const result = await runTournament(n, noisyJudge(quality, `swiss-${n}`), { roundRobinUpTo: 2, swissRounds: rounds });
      assert.equal(new Set(result.matches.map((m) => key(m.i, m.j))).size, result.matches.length, `n=${n}, ${rounds} rounds: no repeat pairs`);
    }
  });

  it('Swiss with an odd count gives each answer at most one bye while others have had none', async () => {
    const n = 9;
    const quality = Array.from({ length: n }, (_, i) => i + 1);
    const result = await runTournament(n, noisyJudge(quality, 'byes'), { swissRounds: 5 });
    const byes = Array.from({ length: 5 }, (_, r) => {
      const playing = new Set(result.matches.filter((m) => m.round === r + 1).flatMap((m) => [m.i, m.j]));
      assert.equal(playing.size, 8);
      return [...Array(n).keys()].find((p) => !playing.has(p));
    });
    assert.equal(new Set(byes).size, 5, `byes: ${byes.join(', ')}`);
  });

  it('Swiss pairs a repeat only when none can be avoided (4 answers, 4th round)', () => {
    const all: Match[] = [[0, 1], [2, 3], [0, 2], [1, 3], [0, 3], [1, 2]].map(([i, j], k) => ({ i: i as number, j: j as number, verdict: 'A' as Verdict, round: Math.floor(k / 2) + 1 }));
    const next = swissPairing(4, all);
    assert.equal(next.pairs.length, 2, 'still a full round');
    assert.equal(new Set(next.pairs.flat()).size, 4);
  });

  it('best-of-n preference rows: the best answer chosen against each other, margins the BT log-odds, largest against the worst', async () => {
    const answers = ['weak', 'best', 'middle', 'worst'];
    const quality = [0.4, 0.9, 0.6, 0.1];
    const result = await runTournament(4, qualityJudge(quality).compare);
    const rows = preferenceRows('Which is best?', answers, result);
    assert.deepEqual(rows.map((r) => [r.chosen, r.rejected]), [['best', 'middle'], ['best', 'weak'], ['best', 'worst']]);
    assert.ok(rows.every((r) => r.prompt === 'Which is best?' && r.margin > 0));
    assert.ok((rows[0] as { margin: number }).margin < (rows[2] as { margin: number }).margin);
    const p = result.ratings.strengths;
    assert.ok(Math.abs((rows[2] as { margin: number }).margin - Math.log((p[1] as number) / (p[3] as number))) < 1e-12);
    assert.deepEqual(preferenceRows('q', answers, result, { pairs: 'best-vs-worst' }).map((r) => [r.chosen, r.rejected]), [['best', 'worst']]);
    assert.equal(preferenceRows('q', answers, result, { pairs: 'all' }).length, 6);
  });

  it('equal answers give no preference rows; round-robin pairs cover every pair', async () => {
    const result = await runTournament(3, qualityJudge([0.5, 0.5, 0.5]).compare);
    assert.deepEqual(preferenceRows('q', ['a', 'b', 'c'], result), []);
    assert.deepEqual(roundRobinPairs(4).map(([i, j]) => key(i, j)).sort(), ['0-1', '0-2', '0-3', '1-2', '1-3', '2-3']);
  });

  it('stops between rounds when cancelled', async () => {
    const controller = new AbortController();
    let calls = 0;
    const compare: Compare = async () => {
      calls++;
      controller.abort();
      return 'A';
    };
    await assert.rejects(runTournament(12, compare, { signal: controller.signal }), { name: 'AbortError' });
    assert.equal(calls, 6, 'only the first round was played');
  });
});
