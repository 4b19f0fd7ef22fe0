import * as assert from 'node:assert/strict';
import { InputError } from '../../../src/core/errors/located';
import { ModelCancelledError } from '../../../src/core/llm/errors';
import { seededRandom } from '../../../src/core/random';
import { JudgeCallError } from '../../../src/core/tasks/judgePair';
import type { JudgeSettings } from '../../../src/core/tasks/judgeTypes';
import { rankCandidates, rankInputOf, rankedPreferenceRows, rankedRow, type RankResult } from '../../../src/core/tasks/rankCandidates';
import { startTestServer, type TestServer } from '../../support/openaiServer';
import { testChatModel, type TestChatModel } from './support';

const SETTINGS: JudgeSettings = { samples: 1, bothOrders: true, logprobs: false, seed: 1 };

/** A candidates row as `generate --candidates` writes it, each answer with its planted quality. */
function candidatesRow(id: string, qualities: readonly number[]): Record<string, unknown> {
  return {
    messages: [{ role: 'user', content: `Explain how tides work. <<${id}>>` }],
    distillery: {
      provenance: 'synthetic',
      candidates: qualities.map((quality, k) => ({
        teacher: { profile: `t${k % 2}`, model: k % 2 === 0 ? 'sim-small' : 'sim-large' },
        sample: k,
        content: `Answer ${k} of ${id}: the moon pulls the sea. [[quality:${quality}]]`,
      })),
    },
  };
}

/** Indices best first by planted quality. */
const truthOrder = (qualities: readonly number[]): number[] => qualities.map((_, i) => i).sort((a, b) => (qualities[b] as number) - (qualities[a] as number));

/** Spearman's rank correlation of two orderings of the same items (no ties). */
function spearman(a: readonly number[], b: readonly number[]): number {
  const n = a.length;
  const d2 = a.reduce((sum, item) => sum + (a.indexOf(item) - b.indexOf(item)) ** 2, 0);
  return 1 - (6 * d2) / (n * (n * n - 1));
}

function pearson(x: readonly number[], y: readonly number[]): number {
  const mean = (v: readonly number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const mx = mean(x);
  const my = mean(y);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  x.forEach((xi, i) => {
    const dx = xi - mx;
    const dy = (y[i] as number) - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  });
  return sxy / Math.sqrt(sxx * syy);
}

describe('tasks: n-way ranking of candidates against the simulated judge (known truth)', function () {
  this.timeout(120_000);
  let server: TestServer;
  let judge: TestChatModel;

  before(async () => {
    server = await startTestServer({ seed: 21 });
  });
  beforeEach(() => {
    judge = testChatModel(server, 'judge', 'sim-judge');
  });
  afterEach(() => server.reset());
  after(() => server.close());

  describe('a seeded set of 16 rows of 5–12 candidates, noisy and position-biased judge', () => {
    const random = seededRandom('rank-set');
    // Qualities spread over [0.05, 0.95] (evenly spaced levels, jittered by up to a quarter step,
    // shuffled), so that answers differ by more than the judge's noise, as real candidates mostly do.
    const set = Array.from({ length: 16 }, (_, r) => {
      const n = 5 + (r % 8);
      const step = 0.9 / (n - 1);
      const levels = Array.from({ length: n }, (_, k) => 0.05 + k * step + (random() - 0.5) * step * 0.5);
      for (let k = n - 1; k > 0; k--) {
        const swap = Math.floor(random() * (k + 1));
        [levels[k], levels[swap]] = [levels[swap] as number, levels[k] as number];
      }
      const qualities = levels.map((q) => Math.round(q * 1000) / 1000);
      return { id: `row${r}`, qualities, row: candidatesRow(`row${r}`, qualities) };
    });
    const results: RankResult[] = [];

    before(async function () {
      server.setJudge({ noise: 0.03, positionBias: 0.05 });
      // Both orders cancel the position bias; the noise flips close matches.
      const model = testChatModel(server, 'judge', 'sim-judge');
      for (const item of set) results.push(await rankCandidates(rankInputOf(item.row), [model], { kind: 'default' }, SETTINGS));
    });

    it('recovers the best answer in ≥ 90% of rows, and the ranking correlates with the truth', () => {
      const hits = set.filter((item, r) => results[r]?.ranking.best === truthOrder(item.qualities)[0]).length;
      assert.ok(hits / set.length >= 0.9, `best recovered in ${hits} of ${set.length}`);
      const rhos = set.map((item, r) => spearman(truthOrder(item.qualities), results[r]?.ranking.ranking ?? []));
      const meanRho = rhos.reduce((a, b) => a + b, 0) / rhos.length;
      assert.ok(meanRho > 0.85, `mean Spearman ρ ${meanRho.toFixed(3)}`);
      assert.ok(Math.min(...rhos) > 0.5, `worst ρ ${Math.min(...rhos).toFixed(3)}`);
    });

    it('round-robin up to 8 answers, Swiss above with fewer matches than a round-robin; every match judged in both orders', () => {
      set.forEach((item, r) => {
        const ranking = results[r]?.ranking;
        const n = item.qualities.length;
        assert.equal(ranking?.answers, n);
        if (n <= 8) {
          assert.equal(ranking?.format, 'round-robin');
          assert.equal(ranking?.matches.length, (n * (n - 1)) / 2);
        } else {
          assert.equal(ranking?.format, 'swiss');
          assert.ok((ranking?.matches.length ?? Infinity) < (n * (n - 1)) / 2, `${ranking?.matches.length} matches for ${n} answers`);
        }
        assert.equal(results[r]?.verdicts.length, ranking?.matches.length);
        assert.ok(results[r]?.verdicts.every((v) => v.samples.length === 2 && new Set(v.samples.map((s) => s.order)).size === 2));
      });
    });

    it('preference rows: chosen really better in ≥ 90%, margins positive and larger for bigger quality gaps', () => {
      const gaps: number[] = [];
      const margins: number[] = [];
      let right = 0;
      let total = 0;
      set.forEach((item, r) => {
        const input = rankInputOf(item.row);
        const result = results[r] as RankResult;
        const rows = rankedPreferenceRows(input, result, { pairs: 'all-pairs' });
        for (const row of rows) {
          const meta = row.distillery as { margin: number; preference: { chosen: number; rejected: number } };
          const gap = (item.qualities[meta.preference.chosen] as number) - (item.qualities[meta.preference.rejected] as number);
          assert.ok(meta.margin > 0);
          gaps.push(gap);
          margins.push(meta.margin);
          total++;
          if (gap > 0) right++;
          // The row says what it is: the answers' texts in TRL's conversational form.
          assert.equal((row.chosen as Array<{ content: string }>)[0]?.content, input.answers[meta.preference.chosen]);
        }
        // Best-vs-worst is one row, with the widest margin of the best-vs-rest rows.
        const rest = rankedPreferenceRows(input, result, { pairs: 'best-vs-rest' });
        const worst = rankedPreferenceRows(input, result, { pairs: 'best-vs-worst' });
        assert.equal(worst.length, 1);
        const marginOf = (row: Record<string, unknown>) => (row.distillery as { margin: number }).margin;
        assert.equal(marginOf(worst[0] as Record<string, unknown>), Math.max(...rest.map(marginOf)));
        assert.ok(rest.every((row) => (row.distillery as { preference: { chosen: number } }).preference.chosen === result.ranking.best));
      });
      assert.ok(right / total >= 0.9, `chosen better in ${right} of ${total}`);
      const r = pearson(gaps, margins);
      assert.ok(r > 0.6, `margin vs quality gap: Pearson r ${r.toFixed(3)}`);
    });

    it('a minimum margin leaves out the close pairs', () => {
      const input = rankInputOf(set[0]?.row);
      const all = rankedPreferenceRows(input, results[0] as RankResult, { pairs: 'all-pairs' });
      const margins = all.map((row) => (row.distillery as { margin: number }).margin).sort((a, b) => a - b);
      const cut = margins[Math.floor(margins.length / 2)] as number;
      const kept = rankedPreferenceRows(input, results[0] as RankResult, { pairs: 'all-pairs', minMargin: cut });
      assert.equal(kept.length, margins.filter((m) => m > cut).length);
      assert.ok(kept.length > 0 && kept.length < all.length);
    });
  });

  it('the ranked row: distillery.ranking, the best answer written as its answer (best of n), self-preference named', async () => {
    const qualities = [0.2, 0.9, 0.5, 0.1];
    const row = candidatesRow('best', qualities);
    const input = rankInputOf(row);
    const result = await rankCandidates(input, [judge], { kind: 'default' }, SETTINGS, { now: () => new Date('2026-02-03T04:05:06Z') });
    const written = rankedRow(row, input, result.ranking);
    const messages = written.messages as Array<{ role: string; content: string }>;
    assert.deepEqual(messages.map((m) => m.role), ['user', 'assistant']);
    assert.equal(messages[1]?.content, input.answers[1]);
    const meta = written.distillery as Record<string, unknown> & { ranking: { best: number; ranking: number[]; ratings: number[]; time: string; selfPreference: unknown }; best: { index: number; teacher: unknown } };
    assert.deepEqual(meta.ranking.ranking, [1, 2, 0, 3]);
    assert.equal(meta.ranking.best, 1);
    assert.ok((meta.ranking.ratings[1] as number) > (meta.ranking.ratings[3] as number));
    assert.equal(meta.ranking.time, '2026-02-03T04:05:06.000Z');
    assert.deepEqual(meta.best.teacher, { profile: 't1', model: 'sim-large' });
    assert.ok(Array.isArray(meta.candidates), 'the candidates stay');
    // The judge is sim-judge; no candidate was written by it.
    assert.deepEqual(meta.ranking.selfPreference, []);
    const mine = await rankCandidates(input, [testChatModel(server, 'self', 'sim-large')], { kind: 'default' }, SETTINGS);
    assert.deepEqual(mine.ranking.selfPreference, [{ judge: 'self', model: 'sim-large', answers: [1, 3] }]);
  });

  it('one failed match fails the whole row; cancelling stops it', async () => {
    const row = candidatesRow('fails', [0.3, 0.6, 0.9]);
    server.addRule({ match: { marker: 'Answer 2 of fails' }, reply: { json: { reasoning: 'x', winner: 'neither', confidence: 1 } } });
    await assert.rejects(rankCandidates(rankInputOf(row), [judge], { kind: 'default' }, SETTINGS), JudgeCallError);
    server.reset();
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(rankCandidates(rankInputOf(row), [judge], { kind: 'default' }, SETTINGS, { signal: controller.signal }), ModelCancelledError);
    assert.equal(server.chatRequests().length, 0);
  });

  it('rows without answers to rank are refused, naming the field', () => {
    assert.throws(() => rankInputOf(candidatesRow('one', [0.5])), (e: unknown) => e instanceof InputError && /distillery\.candidates: ranking takes at least 2 candidates, this row has 1/.test(e.message));
    assert.throws(() => rankInputOf({ messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: 'a' }] }), /a chat \(messages\) row has no answers to rank/);
    const broken = candidatesRow('broken', [0.5, 0.4]);
    ((broken.distillery as { candidates: Array<Record<string, unknown>> }).candidates[1] as Record<string, unknown>).content = 7;
    assert.throws(() => rankInputOf(broken), /distillery\.candidates\[1\]\.content: not a string/);
    const pair = rankInputOf({ prompt: 'Why?', chosen: 'Because. [[quality:0.7]]', rejected: 'No. [[quality:0.2]]' });
    assert.deepEqual([pair.source, pair.answers.length, pair.conversational], ['preference', 2, false]);
  });
});
