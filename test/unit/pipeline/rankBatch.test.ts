import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { ModelEngine } from '../../../src/core/llm/engine';
import { runJudgeBatch, type JudgeBatchOptions } from '../../../src/core/pipeline/judgeBatch';
import { JudgeSettingsError } from '../../../src/core/tasks/judgePair';
import type { JudgeSettings, PairVerdict } from '../../../src/core/tasks/judgeTypes';
import type { CandidateRanking } from '../../../src/core/tasks/rankCandidates';
import { startTestServer, type TestServer } from '../../support/openaiServer';
import { readFailures, readJsonl, sourceOf, testEngine, writeJsonl } from './support';

const SETTINGS: JudgeSettings = { samples: 1, bothOrders: true, logprobs: true, seed: 1 };

const candidates = (id: string, qualities: readonly number[]) => ({
  messages: [{ role: 'user', content: `Name a good habit. <<${id}>>` }],
  distillery: { candidates: qualities.map((q, k) => ({ teacher: { profile: 't', model: 'sim-small' }, content: `Habit ${k} for ${id}. [[quality:${q}]]` })) },
});

const qualities5 = [0.3, 0.9, 0.1, 0.6, 0.45];
const qualities10 = [0.5, 0.15, 0.95, 0.4, 0.7, 0.05, 0.85, 0.25, 0.6, 0.33];
const rows = [
  { prompt: 'Why is the sky blue? <<pair>>', chosen: 'Paint. [[quality:0.1]]', rejected: 'Rayleigh scattering. [[quality:0.9]]' },
  candidates('two', [0.8, 0.2]),
  candidates('five', qualities5),
  candidates('ten', qualities10),
  { messages: [{ role: 'user', content: 'Only one answer <<none>>' }, { role: 'assistant', content: 'Nothing to compare.' }] },
];

const metaOf = (row: Record<string, unknown>) => row.distillery as { judgement?: PairVerdict; ranking?: CandidateRanking; best?: { index: number }; margin?: number; preference?: { chosen: number; rejected: number } };
const qualityOf = (text: unknown) => Number(/\[\[quality:([\d.]+)\]\]/.exec(JSON.stringify(text))?.[1]);

describe('judge batch: n-way rows ranked, preference rows', function () {
  this.timeout(60_000);
  let server: TestServer;
  let dir: string;
  let engine: ModelEngine;
  const at = (name: string) => path.join(dir, name);
  const options = (extra: Partial<JudgeBatchOptions> = {}): JudgeBatchOptions => ({
    input: at('in.jsonl'), inputName: 'in.jsonl', output: at('out.jsonl'), judges: [engine.model('judge')], criteria: { kind: 'default' }, settings: SETTINGS, ...extra,
  });

  before(async () => {
    server = await startTestServer({ seed: 9 });
  });
  after(() => server.close());
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'distillery-rank-batch-'));
    writeJsonl(at('in.jsonl'), rows);
    engine = testEngine(server, dir, { profiles: [{ name: 'judge', model: 'sim-judge' }] });
    server.setJudge({ noise: 0.02 });
  });
  afterEach(() => {
    engine.dispose();
    server.reset();
    rmSync(dir, { recursive: true, force: true });
  });

  it('pairs are judged, rows with more than two candidates ranked with their best answer written; a re-run resumes', async () => {
    const summary = await runJudgeBatch(options());
    assert.deepEqual([summary.done, summary.failed, summary.written], [4, 1, 4]);
    assert.equal(summary.ranked, 2);
    assert.deepEqual(summary.verdicts, { A: 1, B: 1, tie: 0 }, 'the two pairs, judged pairwise');
    assert.match(readFailures(at('out.jsonl'))[0]?.error ?? '', /a chat \(messages\) row has no pair to judge/);
    assert.ok(summary.costUsd > 0);

    const out = readJsonl(at('out.jsonl'));
    const byMarker = (marker: string) => out.find((row) => JSON.stringify(row).includes(marker)) as Record<string, unknown>;
    assert.equal(metaOf(byMarker('<<pair>>')).judgement?.winner, 'B');
    assert.equal(metaOf(byMarker('<<two>>')).judgement?.winner, 'A');
    const five = byMarker('<<five>>');
    const ranking5 = metaOf(five).ranking as CandidateRanking;
    assert.equal(ranking5.format, 'round-robin');
    assert.deepEqual(ranking5.ranking, [1, 3, 4, 0, 2], 'the order of planted quality');
    assert.equal(metaOf(five).best?.index, 1);
    assert.equal(metaOf(five).judgement, undefined);
    assert.equal(qualityOf((five.messages as Array<{ content: string }>).at(-1)?.content), 0.9, 'best of n written as the answer');
    const ten = metaOf(byMarker('<<ten>>')).ranking as CandidateRanking;
    assert.equal(ten.format, 'swiss');
    assert.ok(ten.matches.length < 45, `${ten.matches.length} matches`);
    assert.equal(ten.best, 2);
    assert.equal(summary.matches, ranking5.matches.length + ten.matches.length);
    const asked = server.chatRequests().length;
    assert.equal(asked, 2 * (2 + summary.matches), 'both orders of every pair and match');

    const again = await runJudgeBatch(options());
    assert.deepEqual([again.resumed, again.written, again.failed, again.ranked], [4, 0, 1, 0]);
    assert.equal(server.chatRequests().length, asked, 'nothing asked again');
  });

  it('an interrupted run resumes without losing or repeating a row', async () => {
    const many = Array.from({ length: 12 }, (_, r) => candidates(`r${r}`, [0.2, 0.5 + r / 100, 0.8, 0.1]));
    writeJsonl(at('in.jsonl'), many);
    const controller = new AbortController();
    // The stop comes with the 40th judge call: some rows are done by then, not all 12 (6 matches × 2 orders each).
    let calls = 0;
    server.addRule({
      reply: (_request, context) => {
        if (++calls === 40) controller.abort();
        return context.judge();
      },
    });
    const first = await runJudgeBatch(options({ signal: controller.signal, concurrency: 2 }));
    assert.equal(first.stoppedBy, 'cancelled');
    assert.ok(first.done < 12, `${first.done} done before the stop`);
    assert.ok(first.done >= 1, 'rows done before the stop are kept');
    server.reset();
    server.setJudge({ noise: 0.02 });
    const second = await runJudgeBatch(options());
    assert.equal(second.stoppedBy, undefined);
    assert.equal(second.resumed, first.done);
    const out = readJsonl(at('out.jsonl'));
    assert.equal(out.length, 12);
    assert.equal(new Set(out.map((row) => sourceOf(row).input)).size, 12);
    assert.ok(out.every((row) => metaOf(row).ranking?.best === 2));
  });

  it('preferences: every row ranked (a pair too) and written as preference rows, chosen the better, with its margin', async () => {
    const summary = await runJudgeBatch(options({ preferences: 'best-vs-rest' }));
    assert.deepEqual([summary.done, summary.failed], [4, 1]);
    assert.equal(summary.ranked, 4);
    const out = readJsonl(at('out.jsonl'));
    assert.equal(summary.preferenceRows, out.length);
    assert.equal(out.length, 1 + 1 + 4 + 9, 'best against each other answer');
    for (const row of out) {
      const meta = metaOf(row);
      assert.ok((meta.margin ?? 0) > 0);
      assert.ok(qualityOf(row.chosen) > qualityOf(row.rejected), JSON.stringify(row).slice(0, 200));
      assert.equal(sourceOf(row).outputs, out.filter((other) => sourceOf(other).input === sourceOf(row).input).length);
    }
    const pair = out.find((row) => JSON.stringify(row).includes('<<pair>>')) as Record<string, unknown>;
    assert.deepEqual([pair.prompt, pair.chosen, pair.rejected], ['Why is the sky blue? <<pair>>', 'Rayleigh scattering. [[quality:0.9]]', 'Paint. [[quality:0.1]]'], 'plain-text rows stay plain text, the better answer chosen');
    const five = out.filter((row) => JSON.stringify(row).includes('<<five>>'));
    assert.deepEqual(five[0]?.prompt, [{ role: 'user', content: 'Name a good habit. <<five>>' }]);
    const again = await runJudgeBatch(options({ preferences: 'best-vs-rest' }));
    assert.deepEqual([again.resumed, again.written], [4, 0]);

    const worst = await runJudgeBatch(options({ output: at('worst.jsonl'), preferences: 'best-vs-worst', minMargin: 0.5 }));
    const written = readJsonl(at('worst.jsonl'));
    assert.equal(written.length, 4);
    assert.ok(written.every((row) => (metaOf(row).margin ?? 0) > 0.5));
    assert.equal(again.cached, 0);
    assert.equal(worst.cached, server.chatRequests().length, 'every judge call answered from the cache, none asked again');
  });

  it('refuses n-way options that cannot work before sending anything', async () => {
    const cases: Array<[Partial<JudgeBatchOptions>, RegExp]> = [
      [{ preferences: 'best' as never }, /preferences must be "best-vs-rest", "best-vs-worst", "all-pairs", not "best"/],
      [{ minMargin: 1 }, /minMargin applies to preference rows: give preferences too/],
      [{ preferences: 'all-pairs', minMargin: -1 }, /minMargin must be a number ≥ 0, not -1/],
      [{ roundRobinUpTo: 1 }, /roundRobinUpTo must be a whole number ≥ 2, not 1/],
    ];
    for (const [extra, message] of cases) {
      await assert.rejects(runJudgeBatch(options(extra)), (error: unknown) => error instanceof JudgeSettingsError && message.test(error.message));
    }
    assert.equal(server.chatRequests().length, 0);
  });
});
