import * as assert from 'node:assert/strict';
import { fence } from '../../../src/core/tasks/prompts';
import OpenAI from 'openai';
import type { JsonSchema, JudgeOptions, MarkedAnswer, TestServer } from '../../support/openaiServer';
import {
  findAnswers,
  judgeReply,
  pairwiseJudgePrompt,
  rankingJudgePrompt,
  Rng,
  startTestServer,
  validateAgainstSchema,
} from '../../support/openaiServer';

/** The letter in the MT-bench style verdict at the end of the judge's text. */
function verdictOf(content: string | null | undefined): string {
  const match = /\[\[([A-Za-z]+|\d+)\]\]\s*$/.exec(content ?? '');
  assert.ok(match, `no verdict in: ${content}`);
  return match[1] as string;
}

/** Maps `items` through `task`, `concurrency` at a time, keeping the order. */
async function mapConcurrently<T, R>(items: readonly T[], concurrency: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return results;
}

interface Trial {
  a: MarkedAnswer;
  b: MarkedAnswer;
}

describe('test server: the simulated judge', () => {
  let server: TestServer;
  let client: OpenAI;

  before(async () => {
    server = await startTestServer({ seed: 21 });
    client = new OpenAI({ baseURL: server.baseURL, apiKey: 'test-key', maxRetries: 0 });
  });
  afterEach(() => server.reset());
  after(() => server.close());

  const judgeAll = async (trials: readonly Trial[], options: JudgeOptions, model = 'sim-judge'): Promise<string[]> => {
    server.setJudge(options);
    return mapConcurrently(trials, 16, async (trial, i) => {
      const completion = await client.chat.completions.create({
        model,
        messages: [{ role: 'user', content: pairwiseJudgePrompt(`Question ${i}?`, trial.a, trial.b) }],
      });
      return verdictOf(completion.choices[0]?.message.content);
    });
  };

  /** Pairs with qualities drawn uniformly from [0, 1], both answers of the same length. */
  const uniformTrials = (count: number, seed: number): Trial[] => {
    const rng = new Rng(seed);
    return Array.from({ length: count }, () => ({
      a: { text: 'An answer of middling length.', quality: Math.round(rng.next() * 1000) / 1000 },
      b: { text: 'Another answer, same length.', quality: Math.round(rng.next() * 1000) / 1000 },
    }));
  };

  it('finds the answers, their truth and their lengths in a fenced prompt', () => {
    const answers = findAnswers(
      pairwiseJudgePrompt('Why?', { text: 'Short.', quality: 0.2 }, { text: 'A much longer answer\nover two lines.', quality: 0.9, author: 'gpt-x' }),
    );
    assert.deepEqual(
      answers.map(({ label, quality, author, text }) => ({ label, quality, author, text })),
      [
        { label: 'A', quality: 0.2, author: undefined, text: 'Short.' },
        { label: 'B', quality: 0.9, author: 'gpt-x', text: 'A much longer answer\nover two lines.' },
      ],
    );
  });

  it("finds exact answer texts inside Distillery's own fences", () => {
    const prompt = ['Which answer is better?', fence('ANSWER-A', 'Short. [[quality:0.2]]'), fence('ANSWER-B', 'Longer answer\nover two lines. [[quality:0.9]]')].join('\n\n');
    assert.deepEqual(findAnswers(prompt).map(({ label, text }) => ({ label, text })), [
      { label: 'A', text: 'Short.' },
      { label: 'B', text: 'Longer answer\nover two lines.' },
    ]);
  });

  it('without bias it picks the truly better answer, and records the truth', async () => {
    const trials = uniformTrials(60, 1).filter((t) => t.a.quality !== t.b.quality);
    const verdicts = await judgeAll(trials, {});
    verdicts.forEach((verdict, i) => {
      const trial = trials[i] as Trial;
      assert.equal(verdict, trial.a.quality > trial.b.quality ? 'A' : 'B');
    });
    const judgement = server.requests[0]?.judgements[0];
    assert.ok(judgement);
    assert.equal(judgement.kind, 'pairwise');
    assert.equal(judgement.answers.length, 2);
  });

  it('with position bias b it over-picks A by about b − b²/2 over many seeded trials', async () => {
    const bias = 0.2;
    const trials = uniformTrials(400, 2);
    const verdicts = await judgeAll(trials, { positionBias: bias });
    const aRate = verdicts.filter((v) => v === 'A').length / trials.length;
    const truthRate = trials.filter((t) => t.a.quality > t.b.quality).length / trials.length;
    const overPick = aRate - truthRate;
    const expected = bias - (bias * bias) / 2;
    assert.ok(Math.abs(overPick - expected) < 0.06, `A over-picked by ${overPick.toFixed(3)}, expected about ${expected}`);
    // Without noise each verdict follows the formula exactly.
    verdicts.forEach((verdict, i) => {
      const trial = trials[i] as Trial;
      assert.equal(verdict, trial.a.quality + bias > trial.b.quality ? 'A' : 'B');
    });
  });

  it('with length bias it favours the longer answer, in either position', async () => {
    const short = 'Paris.';
    const long = 'The capital of France is Paris, which has been the seat of government for centuries and is its largest city.';
    const trials: Trial[] = Array.from({ length: 20 }, (_, i) =>
      i % 2 === 0
        ? { a: { text: short, quality: 0.55 }, b: { text: long, quality: 0.5 } }
        : { a: { text: long, quality: 0.5 }, b: { text: short, quality: 0.55 } },
    );
    const unbiased = await judgeAll(trials, { noise: 0.01 });
    const biased = await judgeAll(trials, { lengthBias: 0.3, noise: 0.01 });
    const longIs = (i: number): string => (i % 2 === 0 ? 'B' : 'A');
    assert.ok(unbiased.every((v, i) => v !== longIs(i)), 'without bias the (slightly better) short answer wins');
    assert.ok(biased.every((v, i) => v === longIs(i)), 'with length bias the long answer wins');
  });

  it('with self-preference it favours the answer written by the judge model', async () => {
    const trials: Trial[] = Array.from({ length: 20 }, (_, i) =>
      i % 2 === 0
        ? { a: { text: 'Answer one.', quality: 0.5, author: 'judge-model' }, b: { text: 'Answer two.', quality: 0.6, author: 'other-model' } }
        : { a: { text: 'Answer two.', quality: 0.6, author: 'other-model' }, b: { text: 'Answer one.', quality: 0.5, author: 'judge-model' } },
    );
    const ownIs = (i: number): string => (i % 2 === 0 ? 'A' : 'B');
    const asJudge = await judgeAll(trials, { selfPreference: 0.2 }, 'judge-model');
    assert.ok(asJudge.every((v, i) => v === ownIs(i)), 'the judge prefers its own answer');
    const asOther = await judgeAll(trials, { selfPreference: 0.2 }, 'neutral-model');
    assert.ok(asOther.every((v, i) => v !== ownIs(i)), 'another judge picks the better answer');
    assert.equal(server.requests.at(-1)?.judgements[0]?.answers.some((a) => a.selfAuthored), false);
  });

  it('noise flips some verdicts, at the rate its standard deviation implies', async () => {
    const prompt = pairwiseJudgePrompt('Q?', { text: 'Better answer.', quality: 0.6 }, { text: 'Weaker answer.', quality: 0.4 });
    const sample = async (options: JudgeOptions): Promise<string[]> => {
      server.setJudge(options);
      const verdicts: string[] = [];
      for (let round = 0; round < 2; round++) {
        const completion = await client.chat.completions.create({ model: 'sim-judge', messages: [{ role: 'user', content: prompt }], n: 100 });
        verdicts.push(...completion.choices.map((c) => verdictOf(c.message.content)));
      }
      return verdicts;
    };
    assert.ok((await sample({})).every((v) => v === 'A'));
    const noisy = await sample({ noise: 0.2 });
    const flipRate = noisy.filter((v) => v !== 'A').length / noisy.length;
    // The margin 0.2 against noise of sd 0.2·√2 on the difference: P(flip) = P(Z > 0.707) ≈ 0.24.
    assert.ok(flipRate > 0.12 && flipRate < 0.36, `flip rate ${flipRate}`);
  });

  it('ties within the tie margin, as [[C]]', async () => {
    server.setJudge({ tieMargin: 0.05 });
    const completion = await client.chat.completions.create({
      model: 'sim-judge',
      messages: [{ role: 'user', content: pairwiseJudgePrompt('Q?', { text: 'One.', quality: 0.5 }, { text: 'Two.', quality: 0.52 }) }],
    });
    assert.equal(verdictOf(completion.choices[0]?.message.content), 'C');
    assert.equal(server.requests[0]?.judgements[0]?.winner, 'tie');
  });

  it('returns logprobs for the verdict token, with A/B alternatives that reflect the margin', async () => {
    const verdictLogprobs = async (qualityA: number, qualityB: number) => {
      const completion = await client.chat.completions.create({
        model: 'sim-judge',
        messages: [{ role: 'user', content: pairwiseJudgePrompt('Q?', { text: 'One.', quality: qualityA }, { text: 'Two.', quality: qualityB }) }],
        logprobs: true,
        top_logprobs: 3,
      });
      const tokens = completion.choices[0]?.logprobs?.content ?? [];
      // The verdict token is the one between the brackets of [[X]].
      const text = tokens.map((t) => t.token).join('');
      const at = text.lastIndexOf('[[') + 2;
      let offset = 0;
      const token = tokens.find((t) => {
        const hit = offset === at;
        offset += t.token.length;
        return hit;
      });
      assert.ok(token, 'a token starts right after [[');
      const probability = (letter: string): number => Math.exp(token.top_logprobs.find((t) => t.token === letter)?.logprob ?? -Infinity);
      return { token, pA: probability('A'), pB: probability('B') };
    };
    const clear = await verdictLogprobs(0.9, 0.2);
    assert.equal(clear.token.token, 'A');
    assert.ok(clear.pA > 0.9 && clear.pB < 0.1);
    assert.equal(Math.exp(clear.token.logprob), clear.pA);
    const close = await verdictLogprobs(0.52, 0.48);
    assert.equal(close.token.token, 'A');
    assert.ok(close.pA > close.pB && close.pA < clear.pA, 'a narrow margin is a closer call');
    const reversed = await verdictLogprobs(0.2, 0.9);
    assert.equal(reversed.token.token, 'B');
    assert.ok(reversed.pB > 0.9);
  });

  it('gives a structured verdict that conforms to a requested json_schema', async () => {
    const schema: JsonSchema = {
      type: 'object',
      properties: {
        reasoning: { type: 'string' },
        winner: { type: 'string', enum: ['A', 'B', 'tie'] },
        confidence: { type: 'number', minimum: 0, maximum: 1 },
        score_a: { type: 'integer', minimum: 1, maximum: 10 },
        score_b: { type: 'integer', minimum: 1, maximum: 10 },
      },
      required: ['reasoning', 'winner', 'confidence', 'score_a', 'score_b'],
      additionalProperties: false,
    };
    const completion = await client.chat.completions.create({
      model: 'sim-judge',
      messages: [{ role: 'user', content: pairwiseJudgePrompt('Q?', { text: 'Weak.', quality: 0.3 }, { text: 'Strong.', quality: 0.8 }) }],
      response_format: { type: 'json_schema', json_schema: { name: 'verdict', strict: true, schema } },
      logprobs: true,
      top_logprobs: 2,
    });
    const value = JSON.parse(completion.choices[0]?.message.content ?? '') as Record<string, unknown>;
    assert.deepEqual(validateAgainstSchema(value, schema), []);
    assert.equal(value.winner, 'B');
    assert.ok((value.confidence as number) > 0.5);
    assert.ok((value.score_b as number) > (value.score_a as number));
    assert.match(value.reasoning as string, /^\[simulated\]/);
    const verdictToken = completion.choices[0]?.logprobs?.content?.find((t) => t.token === 'B' && t.top_logprobs.some((alt) => alt.token === 'A'));
    assert.ok(verdictToken, 'the verdict token carries the A/B distribution');
  });

  it('maps verdicts onto other enum spellings (response_1/response_2)', async () => {
    const schema: JsonSchema = {
      type: 'object',
      properties: { preferred: { type: 'string', enum: ['response_1', 'response_2', 'equal'] } },
      required: ['preferred'],
      additionalProperties: false,
    };
    const completion = await client.chat.completions.create({
      model: 'sim-judge',
      messages: [{ role: 'user', content: pairwiseJudgePrompt('Q?', { text: 'Good.', quality: 0.9 }, { text: 'Bad.', quality: 0.1 }) }],
      response_format: { type: 'json_schema', json_schema: { name: 'pref', strict: true, schema } },
      logprobs: true,
      top_logprobs: 2,
    });
    assert.deepEqual(JSON.parse(completion.choices[0]?.message.content ?? ''), { preferred: 'response_1' });
    const pinned = completion.choices[0]?.logprobs?.content?.find((t) => t.token === '1');
    assert.ok(pinned && pinned.top_logprobs.some((alt) => alt.token === '2'), 'the distribution sits where the spellings differ');
  });

  it('ranks more than two answers', async () => {
    const completion = await client.chat.completions.create({
      model: 'sim-judge',
      messages: [
        {
          role: 'user',
          content: rankingJudgePrompt('Q?', [
            { text: 'Middle.', quality: 0.5 },
            { text: 'Best.', quality: 0.9 },
            { text: 'Worst.', quality: 0.1 },
          ]),
        },
      ],
      response_format: {
        type: 'json_schema',
        json_schema: {
          name: 'ranking',
          strict: true,
          schema: { type: 'object', properties: { ranking: { type: 'array', items: { type: 'string' } } }, required: ['ranking'], additionalProperties: false },
        },
      },
    });
    assert.deepEqual(JSON.parse(completion.choices[0]?.message.content ?? ''), { ranking: ['B', 'A', 'C'] });
  });

  it('grades a single answer on the schema range, or 1–5 as [[N]] in text', async () => {
    const schema: JsonSchema = {
      type: 'object',
      properties: { feedback: { type: 'string' }, score: { type: 'integer', minimum: 1, maximum: 10 } },
      required: ['feedback', 'score'],
      additionalProperties: false,
    };
    const graded = await client.chat.completions.create({
      model: 'sim-judge',
      messages: [{ role: 'user', content: 'Grade this answer.\n<answer>\nA fine answer. [[quality:0.8]]\n</answer>' }],
      response_format: { type: 'json_schema', json_schema: { name: 'grade', strict: true, schema } },
    });
    const value = JSON.parse(graded.choices[0]?.message.content ?? '') as { score: number };
    assert.deepEqual(validateAgainstSchema(value, schema), []);
    assert.equal(value.score, 8); // 1 + 9 × 0.8 = 8.2
    const text = await client.chat.completions.create({
      model: 'sim-judge',
      messages: [{ role: 'user', content: 'Rate this answer from 1 to 5.\n<answer>\nMeh. [[quality:0.25]]\n</answer>' }],
    });
    assert.equal(verdictOf(text.choices[0]?.message.content), '2'); // 1 + 4 × 0.25
  });

  it('different judge models can have different biases through rules', async () => {
    server.addRule({ match: { model: 'always-a' }, reply: judgeReply({ positionBias: 10 }) });
    const prompt = pairwiseJudgePrompt('Q?', { text: 'One.', quality: 0.1 }, { text: 'Two.', quality: 0.9 });
    const biased = await client.chat.completions.create({ model: 'always-a', messages: [{ role: 'user', content: prompt }] });
    const fair = await client.chat.completions.create({ model: 'sim-judge', messages: [{ role: 'user', content: prompt }] });
    assert.equal(verdictOf(biased.choices[0]?.message.content), 'A');
    assert.equal(verdictOf(fair.choices[0]?.message.content), 'B');
    assert.equal(server.requests[0]?.judgements[0]?.options.positionBias, 10);
  });

  it('leaves requests without quality markers to the generic answer', async () => {
    const completion = await client.chat.completions.create({ model: 'sim-judge', messages: [{ role: 'user', content: 'Which is better, A or B?' }] });
    assert.doesNotMatch(completion.choices[0]?.message.content ?? '', /\[\[[A-C]\]\]/);
    assert.deepEqual(server.requests[0]?.judgements, []);
  });
});
