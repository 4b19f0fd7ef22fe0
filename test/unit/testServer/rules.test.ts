import * as assert from 'node:assert/strict';
import OpenAI from 'openai';
import type { TestServer } from '../../support/openaiServer';
import { startTestServer } from '../../support/openaiServer';

const ask = (client: OpenAI, content: string, model = 'sim-small', extra: Partial<OpenAI.ChatCompletionCreateParamsNonStreaming> = {}) =>
  client.chat.completions.create({ model, messages: [{ role: 'user', content }], ...extra });

describe('test server: scripted rules, seeds and recording', () => {
  let server: TestServer;
  let client: OpenAI;

  before(async () => {
    server = await startTestServer({ seed: 3 });
    client = new OpenAI({ baseURL: server.baseURL, apiKey: 'test-key', maxRetries: 0 });
  });
  afterEach(() => server.reset());
  after(() => server.close());

  it('matches rules by model', async () => {
    server.addRule({ name: 'teacher', match: { model: 'teacher-model' }, reply: 'teacher says hi' });
    server.addRule({ match: { model: /^student-/ }, reply: 'student says hi' });
    assert.equal((await ask(client, 'hello', 'teacher-model')).choices[0]?.message.content, 'teacher says hi');
    assert.equal((await ask(client, 'hello', 'student-2')).choices[0]?.message.content, 'student says hi');
    assert.match((await ask(client, 'hello', 'other')).choices[0]?.message.content ?? '', /^\[simulated\]/);
    assert.deepEqual(server.requests.map((r) => r.rule), ['teacher', 'rule 2', undefined]);
  });

  it('matches rules by a marker in any message, and by a predicate', async () => {
    server.addRule({ match: { marker: '<<critic>>' }, reply: 'The answer is vague.' });
    server.addRule({ match: { predicate: (request) => request.n === 2 }, reply: 'two of them' });
    const critique = await client.chat.completions.create({
      model: 'sim-small',
      messages: [
        { role: 'system', content: 'You are a careful critic. <<critic>>' },
        { role: 'user', content: 'Critique this answer.' },
      ],
    });
    assert.equal(critique.choices[0]?.message.content, 'The answer is vague.');
    const two = await ask(client, 'x', 'sim-small', { n: 2 });
    assert.deepEqual(two.choices.map((c) => c.message.content), ['two of them', 'two of them']);
  });

  it('uses a rule at most `times` times, then falls through; handles count and remove', async () => {
    const once = server.addRule({ match: { marker: 'ping' }, reply: 'first pong', times: 1 });
    const always = server.addRule({ match: { marker: 'ping' }, reply: 'later pong' });
    assert.equal((await ask(client, 'ping')).choices[0]?.message.content, 'first pong');
    assert.equal((await ask(client, 'ping')).choices[0]?.message.content, 'later pong');
    assert.equal(once.uses, 1);
    assert.equal(always.uses, 1);
    always.remove();
    assert.match((await ask(client, 'ping')).choices[0]?.message.content ?? '', /^\[simulated\]/);
  });

  it('calls reply functions once per choice, with a seeded PRNG and the default answer at hand', async () => {
    server.addRule({
      match: { marker: 'sample' },
      reply: (request, context) => ({
        content: `${request.model}#${context.choiceIndex}:${context.rng.int(0, 1_000_000)}`,
        finishReason: context.choiceIndex === 0 ? 'stop' : 'length',
      }),
    });
    server.addRule({ match: { marker: 'wrap' }, reply: (_request, context) => `wrapped: ${context.defaultReply().content ?? ''}` });
    server.addRule({ match: { marker: 'refuse' }, reply: { refusal: 'I cannot help with that.' } });
    server.addRule({ match: { marker: 'json' }, reply: async () => ({ json: { ok: true } }) });

    const sampled = await ask(client, 'sample', 'm', { n: 2 });
    assert.match(sampled.choices[0]?.message.content ?? '', /^m#0:\d+$/);
    assert.match(sampled.choices[1]?.message.content ?? '', /^m#1:\d+$/);
    assert.deepEqual(sampled.choices.map((c) => c.finish_reason), ['stop', 'length']);
    assert.match((await ask(client, 'wrap')).choices[0]?.message.content ?? '', /^wrapped: \[simulated\]/);
    const refused = await ask(client, 'refuse');
    assert.equal(refused.choices[0]?.message.content, null);
    assert.equal(refused.choices[0]?.message.refusal, 'I cannot help with that.');
    assert.equal((await ask(client, 'json')).choices[0]?.message.content, '{"ok":true}');
  });

  it('answers 500 with x-should-retry false when a rule throws, and keeps the error', async () => {
    server.addRule({ match: { marker: 'boom' }, reply: () => { throw new Error('rule bug'); } });
    const retrying = new OpenAI({ baseURL: server.baseURL, apiKey: 'test-key', maxRetries: 2 });
    await assert.rejects(ask(retrying, 'boom'), OpenAI.InternalServerError);
    assert.equal(server.requests.length, 1, 'not retried');
    assert.equal(server.errors[0]?.message, 'rule bug');
  });

  it('replays the same answers for the same seed and requests, and others for another seed', async () => {
    const run = async (seed: number): Promise<string[]> => {
      const own = await startTestServer({ seed });
      try {
        const ownClient = new OpenAI({ baseURL: own.baseURL, apiKey: 'k', maxRetries: 0 });
        const answers: string[] = [];
        for (const prompt of ['alpha question', 'beta question', 'alpha question', 'gamma question']) {
          const completion = await ask(ownClient, prompt, 'sim-small', { n: 2 });
          answers.push(...completion.choices.map((c) => c.message.content ?? ''));
        }
        return answers;
      } finally {
        await own.close();
      }
    };
    const first = await run(11);
    assert.deepEqual(await run(11), first);
    assert.notDeepEqual(await run(12), first);
  });

  it('samples again on a repeated request unless temperature is 0', async () => {
    server.addRule({ reply: (_request, context) => String(context.rng.next()) });
    const warm = [await ask(client, 'q'), await ask(client, 'q')].map((c) => c.choices[0]?.message.content);
    assert.notEqual(warm[0], warm[1]);
    const cold = [await ask(client, 'q', 'sim-small', { temperature: 0 }), await ask(client, 'q', 'sim-small', { temperature: 0 })].map(
      (c) => c.choices[0]?.message.content,
    );
    assert.equal(cold[0], cold[1]);
  });

  it('records every request: method, path, headers (Authorization included), body, time', async () => {
    const before = Date.now();
    await client.chat.completions.create({ model: 'sim-small', messages: [{ role: 'user', content: 'record me' }], temperature: 0.5 });
    await client.models.list();
    assert.equal(server.requests.length, 2);
    const [chat, models] = server.requests;
    assert.ok(chat && models);
    assert.equal(chat.index, 0);
    assert.equal(chat.method, 'POST');
    assert.equal(chat.path, '/v1/chat/completions');
    assert.equal(chat.headers.authorization, 'Bearer test-key');
    assert.match(chat.headers['content-type'] ?? '', /application\/json/);
    assert.equal(chat.headers['x-stainless-retry-count'], '0');
    assert.deepEqual(chat.body, { model: 'sim-small', messages: [{ role: 'user', content: 'record me' }], temperature: 0.5 });
    assert.deepEqual(JSON.parse(chat.rawBody), chat.body);
    assert.ok(chat.time >= before && chat.time <= Date.now());
    assert.equal(chat.status, 200);
    assert.equal(models.method, 'GET');
    assert.equal(models.path, '/v1/models');
    assert.deepEqual(server.chatRequests(), [chat]);
  });

  it('refuses other keys with 401 when given an apiKey', async () => {
    const guarded = await startTestServer({ apiKey: 'right-key' });
    try {
      const wrong = new OpenAI({ baseURL: guarded.baseURL, apiKey: 'wrong-key', maxRetries: 0 });
      const right = new OpenAI({ baseURL: guarded.baseURL, apiKey: 'right-key', maxRetries: 0 });
      await assert.rejects(ask(wrong, 'x'), OpenAI.AuthenticationError);
      assert.equal((await ask(right, 'x')).choices.length, 1);
      assert.equal(guarded.requests[0]?.headers.authorization, 'Bearer wrong-key');
    } finally {
      await guarded.close();
    }
  });

  it('reset() forgets requests, added rules and faults', async () => {
    server.addRule({ reply: 'scripted' });
    server.fault({ kind: 'status', status: 500, count: 5 });
    server.reset();
    assert.equal(server.requests.length, 0);
    assert.deepEqual(server.pendingFaults(), []);
    assert.match((await ask(client, 'x')).choices[0]?.message.content ?? '', /^\[simulated\]/);
    assert.equal(server.requests[0]?.index, 0);
  });
});
