import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseConstitution } from '../../../src/core/constitution/parse';
import type { ModelEngine } from '../../../src/core/llm/engine';
import { runScoreBatch, type ScoreBatchOptions } from '../../../src/core/pipeline/scoreBatch';
import type { BatchProgress } from '../../../src/core/pipeline/types';
import type { ScoreResult } from '../../../src/core/tasks/judgeTypes';
import { RubricSettingsError } from '../../../src/core/tasks/rubricScore';
import { startTestServer, type TestServer } from '../../support/openaiServer';
import { readFailures, readJsonl, sourceOf, testEngine, writeJsonl } from './support';

const CONSTITUTION = parseConstitution([
  '# Grading',
  '',
  '## Rubric: accuracy',
  'Criterion: Is every statement in the answer correct?',
  'Score 1: Mostly wrong.',
  'Score 5: Entirely correct.',
  '',
  '## Rubric: clarity',
  'Criterion: Is the answer easy to follow?',
  'Score 1: Confusing.',
  'Score 5: Clear.',
  '',
].join('\n'));

/** An SFT chat row whose answer has a planted quality (the simulated judge grades 1 + 4·quality, rounded) and, for clarity, a planted grade. */
const sft = (id: string, quality: number, clarity = 3) => ({
  messages: [{ role: 'user', content: `Explain photosynthesis. <<${id}>>` }, { role: 'assistant', content: `Plants make sugar from light. [[quality:${quality}]] <<clarity:${clarity}>>` }],
});

const metaOf = (row: Record<string, unknown>) => row.distillery as {
  score: ScoreResult; rejectedScore?: ScoreResult; rewardMargin?: number; best?: { index: number; reward: number }; candidates?: Array<{ content: string; score: ScoreResult }>;
};

describe('score batch: rubric scores over a file', function () {
  this.timeout(60_000);
  let server: TestServer;
  let dir: string;
  let engine: ModelEngine;
  const at = (name: string) => path.join(dir, name);
  const options = (extra: Partial<ScoreBatchOptions> = {}): ScoreBatchOptions => ({
    input: at('in.jsonl'), inputName: 'in.jsonl', output: at('out.jsonl'), judge: engine.model('grader'), constitution: CONSTITUTION, rubrics: ['accuracy'], ...extra,
  });

  before(async () => {
    server = await startTestServer({ seed: 12 });
  });
  after(() => server.close());
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'distillery-score-batch-'));
    engine = testEngine(server, dir, { profiles: [{ name: 'grader', model: 'sim-judge' }] });
    // Clarity grades come from the planted <<clarity:N>> tag; accuracy from the simulated judge's quality marker.
    server.addRule({
      match: { marker: '("clarity")' },
      reply: (_request, context) => ({ json: { rationale: 'Planted clarity.', score: Number(/<<clarity:(\d)>>/.exec(context.lastUserText)?.[1] ?? 3) } }),
    });
  });
  afterEach(() => {
    engine.dispose();
    server.reset();
    rmSync(dir, { recursive: true, force: true });
  });

  it('rewards follow the planted qualities: SFT answers, both answers of a preference row, each candidate and the best of n', async () => {
    const qualities = [0.05, 0.3, 0.5, 0.8, 1];
    writeJsonl(at('in.jsonl'), [
      ...qualities.map((q, i) => sft(`sft${i}`, q)),
      { instruction: 'Name a colour. <<alpaca>>', input: '', output: 'Blue. [[quality:0.75]]' },
      { prompt: 'Why is the sky blue? <<pref>>', chosen: 'Scattering. [[quality:0.9]]', rejected: 'Paint. [[quality:0.2]]' },
      {
        messages: [{ role: 'user', content: 'Name a tree. <<cands>>' }],
        distillery: { candidates: [0.4, 0.95, 0.6].map((q, k) => ({ teacher: { profile: 't', model: 'sim-small' }, content: `Tree ${k}. [[quality:${q}]]` })) },
      },
      { messages: [{ role: 'user', content: 'No answer here <<none>>' }] },
    ]);
    const progress: BatchProgress[] = [];
    const summary = await runScoreBatch(options({ onProgress: (p) => progress.push(p) }));
    assert.deepEqual([summary.done, summary.failed, summary.written, summary.filtered], [8, 1, 8, 0]);
    assert.equal(summary.answers, 5 + 1 + 2 + 3);
    assert.ok(summary.costUsd > 0);
    assert.equal(progress.at(-1)?.done, 8);
    assert.match(readFailures(at('out.jsonl'))[0]?.error ?? '', /^a prompt only row has no answer to score: give SFT rows, preference rows or rows with distillery\.candidates$/);

    const out = readJsonl(at('out.jsonl'));
    const byMarker = (marker: string) => out.find((row) => JSON.stringify(row).includes(marker)) as Record<string, unknown>;
    assert.deepEqual(qualities.map((_, i) => metaOf(byMarker(`<<sft${i}>>`)).score.reward), [1, 2, 3, 4, 5]);
    const one = metaOf(byMarker('<<sft3>>')).score.scores[0];
    assert.deepEqual([one?.rubric, one?.judge, one?.model, one?.weight], ['accuracy', 'grader', 'sim-judge', 1]);
    assert.ok((one?.rationale ?? '').length > 0);
    assert.equal(metaOf(byMarker('<<alpaca>>')).score.reward, 4);
    const pref = metaOf(byMarker('<<pref>>'));
    assert.deepEqual([pref.score.reward, pref.rejectedScore?.reward, pref.rewardMargin], [5, 2, 3]);
    const cands = byMarker('<<cands>>');
    const meta = metaOf(cands);
    assert.deepEqual(meta.candidates?.map((c) => c.score.reward), [3, 5, 3]);
    assert.equal(meta.best?.index, 1);
    assert.equal(meta.score.reward, 5);
    assert.equal((cands.messages as Array<{ role: string; content: string }>).at(-1)?.content, 'Tree 1. [[quality:0.95]]', 'best of n by reward written as the answer');
  });

  it('weights change the reward as computed: the weighted mean of the rubric grades', async () => {
    writeJsonl(at('in.jsonl'), [sft('a', 1, 1), sft('b', 0.25, 5), sft('c', 0.5, 3)]);
    const plain = await runScoreBatch(options({ rubrics: ['accuracy', 'clarity'] }));
    const weighted = await runScoreBatch(options({ rubrics: ['accuracy', 'clarity'], weights: { accuracy: 3 }, output: at('weighted.jsonl') }));
    assert.equal(plain.failed + weighted.failed, 0);
    const rewards = (file: string): Record<string, ScoreResult | undefined> => Object.fromEntries(readJsonl(file).map((row) => [/<<(\w)>>/.exec(JSON.stringify(row))?.[1], metaOf(row).score]));
    const even = rewards(at('out.jsonl'));
    const heavy = rewards(at('weighted.jsonl'));
    // accuracy = 1 + 4·quality: a 5, b 2, c 3; clarity as planted: a 1, b 5, c 3.
    assert.deepEqual([even.a?.reward, even.b?.reward, even.c?.reward], [3, 3.5, 3]);
    assert.deepEqual([heavy.a?.reward, heavy.b?.reward, heavy.c?.reward], [(3 * 5 + 1) / 4, (3 * 2 + 5) / 4, 3]);
    assert.deepEqual(heavy.a?.scores.map((s) => [s.rubric, s.score, s.weight, s.rationale]), [['accuracy', 5, 3, heavy.a?.scores[0]?.rationale], ['clarity', 1, 1, 'Planted clarity.']]);
    assert.equal(weighted.cached, 6, 'the same grades, answered from the cache');
  });

  it('a threshold drops the rows below it: counted as filtered, not failed', async () => {
    writeJsonl(at('in.jsonl'), [0.1, 0.4, 0.7, 0.9, 0.55].map((q, i) => sft(`t${i}`, q)));
    const summary = await runScoreBatch(options({ threshold: 3.5 }));
    assert.deepEqual([summary.done, summary.failed, summary.filtered, summary.written], [5, 0, 3, 2]);
    assert.equal(summary.errorsFile, undefined);
    const out = readJsonl(at('out.jsonl'));
    assert.deepEqual(out.map((row) => metaOf(row).score.reward).sort(), [4, 5]);
    assert.ok(out.every((row) => metaOf(row).score.reward >= 3.5));
  });

  it('resumes after an interrupted run without losing or repeating a row', async () => {
    const qualities = Array.from({ length: 20 }, (_, i) => (i % 5) / 4);
    writeJsonl(at('in.jsonl'), qualities.map((q, i) => sft(`r${i}`, q)));
    const controller = new AbortController();
    let calls = 0;
    server.addRule({
      reply: (_request, context) => {
        if (++calls === 8) controller.abort();
        return context.judge();
      },
    });
    const first = await runScoreBatch(options({ signal: controller.signal, concurrency: 2 }));
    assert.equal(first.stoppedBy, 'cancelled');
    assert.ok(first.done >= 1 && first.done < 20, `${first.done} done before the stop`);
    server.reset();
    const second = await runScoreBatch(options());
    assert.deepEqual([second.resumed, second.done, second.failed], [first.done, 20, 0]);
    // A row abandoned at the stop may have had its grade stored: it comes from the cache now.
    assert.equal(server.chatRequests().length + second.cached, 20 - first.done, 'only the rows not done are graded again');
    const out = readJsonl(at('out.jsonl'));
    assert.equal(out.length, 20);
    assert.equal(new Set(out.map((row) => sourceOf(row).input)).size, 20);
    for (const row of out) {
      const index = Number(/<<r(\d+)>>/.exec(JSON.stringify(row))?.[1]);
      assert.equal(metaOf(row).score.reward, Math.round(1 + 4 * (qualities[index] as number)));
    }
  });

  it('refuses rubrics, weights or a threshold that cannot work, before sending anything', async () => {
    writeJsonl(at('in.jsonl'), [sft('x', 0.5)]);
    const cases: Array<[Partial<ScoreBatchOptions>, RegExp]> = [
      [{ rubrics: ['accuracy', 'style'] }, /rubrics\[1\]: the constitution has no rubric "style" \(known: accuracy, clarity\)/],
      [{ rubrics: ['accuracy', 'accuracy'] }, /rubrics\[1\]: "accuracy" is listed twice/],
      [{ weights: { clarity: 2 } }, /weights\.clarity: no rubric "clarity" is scored/],
      [{ weights: { accuracy: -1 } }, /weights\.accuracy: must be a number > 0, not -1/],
      [{ threshold: 6 }, /threshold: must be a number from 1 to 5, not 6/],
      [{ rubrics: undefined, constitution: { rubrics: [] } }, /rubrics: give at least one/],
    ];
    for (const [extra, message] of cases) {
      await assert.rejects(runScoreBatch(options(extra)), (error: unknown) => error instanceof RubricSettingsError && message.test(error.message), String(message));
    }
    assert.equal(server.chatRequests().length, 0);
  });
});
