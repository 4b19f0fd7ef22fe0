import * as assert from 'node:assert/strict';
import OpenAI from 'openai';
import { runTournament, type Compare } from '../../../src/core/judging/tournament';
import type { Verdict } from '../../../src/core/tasks/judgeTypes';
import { pairwiseJudgePrompt, startTestServer, type JudgeOptions, type TestServer } from '../../support/openaiServer';

/** Spearman's rank correlation of two orderings of the same items (no ties). */
function spearman(a: readonly number[], b: readonly number[]): number {
  const n = a.length;
  const rankIn = (order: readonly number[]) => (item: number) => order.indexOf(item);
  const ra = rankIn(a);
  const rb = rankIn(b);
  const d2 = a.reduce((sum, item) => sum + (ra(item) - rb(item)) ** 2, 0);
  return 1 - (6 * d2) / (n * (n * n - 1));
}

describe('judging: a tournament judged by the simulated judge (known truth)', function () {
  this.timeout(30_000);
  let server: TestServer;
  let client: OpenAI;
  before(async () => {
    server = await startTestServer({ seed: 11 });
    client = new OpenAI({ baseURL: server.baseURL, apiKey: 'test-key', maxRetries: 0 });
  });
  after(() => server.close());

  /** Both orders, as judgePair asks: when they disagree, a tie. */
  const compareWith = (qualities: readonly number[], options: JudgeOptions): Compare => {
    server.setJudge(options);
    const ask = async (first: number, second: number): Promise<Verdict> => {
      const completion = await client.chat.completions.create({
        model: 'sim-judge',
        messages: [{ role: 'user', content: pairwiseJudgePrompt('Explain tides.', { text: `Answer ${first}.`, quality: qualities[first] as number }, { text: `Answer ${second}.`, quality: qualities[second] as number }) }],
      });
      const letter = /\[\[([ABC])\]\]\s*$/.exec(completion.choices[0]?.message.content ?? '')?.[1];
      if (letter === undefined) throw new Error('no verdict');
      return letter === 'A' ? 'A' : letter === 'B' ? 'B' : 'tie';
    };
    return async (i, j) => {
      const [ab, ba] = await Promise.all([ask(i, j), ask(j, i)]);
      const flipped: Verdict = ba === 'A' ? 'B' : ba === 'B' ? 'A' : 'tie';
      return ab === flipped ? ab : 'tie';
    };
  };

  it('Swiss over 12 answers with a noisy, position-biased judge: the best answer wins, the ratings follow the truth', async () => {
    const qualities = [0.35, 0.8, 0.15, 0.6, 0.95, 0.45, 0.05, 0.7, 0.25, 0.55, 0.9, 0.4];
    const result = await runTournament(qualities.length, compareWith(qualities, { noise: 0.03, positionBias: 0.04 }));
    assert.equal(result.format, 'swiss');
    const truth = qualities.map((_, i) => i).sort((a, b) => (qualities[b] as number) - (qualities[a] as number));
    assert.equal(result.best, truth[0], `ranking ${result.ratings.ranking.join(',')}`);
    const rho = spearman(truth, result.ratings.ranking);
    assert.ok(rho > 0.8, `Spearman ρ = ${rho.toFixed(2)}`);
    assert.ok(result.matches.length < 66, 'fewer matches than a round-robin');
  });

  it('round-robin over 6 answers: the exact order of quality', async () => {
    const qualities = [0.5, 0.1, 0.9, 0.3, 0.7, 0.2];
    const result = await runTournament(qualities.length, compareWith(qualities, { noise: 0.01 }));
    assert.equal(result.format, 'round-robin');
    assert.deepEqual(result.ratings.ranking, [2, 4, 0, 3, 5, 1]);
  });
});
