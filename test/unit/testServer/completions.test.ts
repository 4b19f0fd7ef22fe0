import * as assert from 'node:assert/strict';
import OpenAI from 'openai';
import type { TestServer } from '../../support/openaiServer';
import {
  countPromptTokens,
  countTokens,
  DEFAULT_MODELS,
  SIMULATED_PREFIX,
  startTestServer,
  SYSTEM_FINGERPRINT,
  validateAgainstSchema,
} from '../../support/openaiServer';
import type { JsonSchema } from '../../support/openaiServer';

describe('test server: chat completions with the real openai client', () => {
  let server: TestServer;
  let client: OpenAI;

  before(async () => {
    server = await startTestServer({ seed: 1 });
    client = new OpenAI({ baseURL: server.baseURL, apiKey: 'test-key', maxRetries: 0 });
  });
  afterEach(() => server.reset());
  after(() => server.close());

  it('listens on 127.0.0.1 with a /v1 base URL', () => {
    assert.match(server.baseURL, /^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    assert.ok(server.port > 0);
  });

  it('answers a plain completion, labelled as simulated', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'sim-small', messages: [{ role: 'user', content: 'What is photosynthesis?' }] })
      .withResponse();
    assert.equal(response.headers.get('x-distillery-simulated'), 'true');
    assert.equal(data.object, 'chat.completion');
    assert.equal(data.model, 'sim-small');
    assert.equal(data.system_fingerprint, SYSTEM_FINGERPRINT);
    assert.equal(data.choices.length, 1);
    const choice = data.choices[0];
    assert.ok(choice);
    assert.equal(choice.message.role, 'assistant');
    assert.equal(choice.finish_reason, 'stop');
    assert.ok(choice.message.content?.startsWith(SIMULATED_PREFIX));
    assert.match(choice.message.content ?? '', /photosynthesis/);
    assert.equal(choice.logprobs, null);
  });

  it('counts usage with the documented estimate', async () => {
    const messages = [
      { role: 'system' as const, content: 'You are terse.' },
      { role: 'user' as const, content: 'Name three prime numbers, please.' },
    ];
    const completion = await client.chat.completions.create({ model: 'sim-small', messages });
    const usage = completion.usage;
    assert.ok(usage);
    assert.equal(usage.prompt_tokens, countPromptTokens(messages));
    assert.equal(usage.completion_tokens, countTokens(completion.choices[0]?.message.content ?? ''));
    assert.equal(usage.total_tokens, usage.prompt_tokens + usage.completion_tokens);
    assert.deepEqual(server.requests[0]?.usage, usage);
  });

  it('cuts the answer at max_tokens with finish_reason length, and at a stop sequence', async () => {
    const cut = await client.chat.completions.create({
      model: 'sim-small',
      messages: [{ role: 'user', content: 'Tell me about rivers.' }],
      max_completion_tokens: 4,
    });
    assert.equal(cut.choices[0]?.finish_reason, 'length');
    assert.equal(cut.usage?.completion_tokens, 4);

    server.addRule({ reply: 'first part. STOP second part' });
    const stopped = await client.chat.completions.create({
      model: 'sim-small',
      messages: [{ role: 'user', content: 'x' }],
      stop: ['STOP'],
    });
    assert.equal(stopped.choices[0]?.message.content, 'first part. ');
    assert.equal(stopped.choices[0]?.finish_reason, 'stop');
  });

  it('streams the same answer as SSE chunks, with usage when asked', async () => {
    const params = { model: 'sim-small', messages: [{ role: 'user' as const, content: 'Explain tides.' }], temperature: 0 };
    const whole = await client.chat.completions.create(params);
    const stream = await client.chat.completions.create({ ...params, stream: true, stream_options: { include_usage: true } });
    let text = '';
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | null | undefined;
    let chunks = 0;
    for await (const chunk of stream) {
      chunks++;
      assert.equal(chunk.object, 'chat.completion.chunk');
      assert.equal(chunk.system_fingerprint, SYSTEM_FINGERPRINT);
      for (const choice of chunk.choices) {
        text += choice.delta.content ?? '';
        finish = choice.finish_reason ?? finish;
      }
      if (chunk.usage) usage = chunk.usage;
    }
    assert.ok(chunks > 3);
    assert.equal(text, whole.choices[0]?.message.content);
    assert.equal(finish, 'stop');
    assert.deepEqual(usage, whole.usage);
  });

  it('streams without a usage chunk unless include_usage is set', async () => {
    const stream = await client.chat.completions.create({ model: 'sim-small', messages: [{ role: 'user', content: 'Hi' }], stream: true });
    for await (const chunk of stream) {
      assert.equal(chunk.usage, undefined);
      assert.equal(chunk.choices.length, 1);
    }
  });

  it('answers n > 1 with distinct samples, also when streaming', async () => {
    const completion = await client.chat.completions.create({
      model: 'sim-small',
      messages: [{ role: 'user', content: 'Suggest a name for a cat.' }],
      n: 4,
    });
    assert.deepEqual(completion.choices.map((c) => c.index), [0, 1, 2, 3]);
    const contents = new Set(completion.choices.map((c) => c.message.content));
    assert.ok(contents.size >= 2, 'samples should differ');
    assert.equal(completion.usage?.completion_tokens, completion.choices.reduce((sum, c) => sum + countTokens(c.message.content ?? ''), 0));

    const stream = await client.chat.completions.create({
      model: 'sim-small',
      messages: [{ role: 'user', content: 'Suggest a name for a dog.' }],
      n: 3,
      stream: true,
    });
    const texts = ['', '', ''];
    const finished = new Set<number>();
    for await (const chunk of stream) {
      for (const choice of chunk.choices) {
        texts[choice.index] += choice.delta.content ?? '';
        if (choice.finish_reason) finished.add(choice.index);
      }
    }
    assert.deepEqual([...finished].sort(), [0, 1, 2]);
    assert.ok(texts.every((t) => t.startsWith(SIMULATED_PREFIX)));
  });

  it('answers json_schema requests with conforming JSON by default', async () => {
    const schema: JsonSchema = {
      type: 'object',
      properties: {
        title: { type: 'string', maxLength: 30 },
        kind: { type: 'string', enum: ['fact', 'opinion'] },
        rating: { type: 'integer', minimum: 1, maximum: 5 },
        weight: { type: 'number', exclusiveMinimum: 0, maximum: 1 },
        draft: { type: 'boolean' },
        tags: { type: 'array', items: { type: 'string' }, minItems: 2, maxItems: 3 },
        author: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'], additionalProperties: false },
        note: { anyOf: [{ type: 'string' }, { type: 'null' }] },
        ref: { $ref: '#/$defs/reference' },
      },
      required: ['title', 'kind', 'rating', 'weight', 'draft', 'tags', 'author', 'note', 'ref'],
      additionalProperties: false,
      $defs: { reference: { type: 'object', properties: { id: { type: 'integer', minimum: 10, maximum: 20 } }, required: ['id'] } },
    };
    const completion = await client.chat.completions.create({
      model: 'sim-small',
      messages: [{ role: 'user', content: 'Describe a fact.' }],
      response_format: { type: 'json_schema', json_schema: { name: 'fact', strict: true, schema } },
      n: 5,
    });
    for (const choice of completion.choices) {
      const value: unknown = JSON.parse(choice.message.content ?? '');
      assert.deepEqual(validateAgainstSchema(value, schema), []);
    }
  });

  it('answers json_object requests with a JSON object', async () => {
    const completion = await client.chat.completions.create({
      model: 'sim-small',
      messages: [{ role: 'user', content: 'Reply in JSON.' }],
      response_format: { type: 'json_object' },
    });
    const value: unknown = JSON.parse(completion.choices[0]?.message.content ?? '');
    assert.equal(typeof value, 'object');
  });

  it('returns logprobs and top_logprobs that line up with the content', async () => {
    const completion = await client.chat.completions.create({
      model: 'sim-small',
      messages: [{ role: 'user', content: 'Say something about bees.' }],
      logprobs: true,
      top_logprobs: 3,
    });
    const choice = completion.choices[0];
    const tokens = choice?.logprobs?.content;
    assert.ok(tokens && tokens.length > 0);
    assert.equal(tokens.map((t) => t.token).join(''), choice?.message.content);
    for (const token of tokens) {
      assert.ok(token.logprob <= 0);
      assert.deepEqual(token.bytes, [...Buffer.from(token.token, 'utf8')]);
      assert.equal(token.top_logprobs.length, 3);
      assert.equal(token.top_logprobs[0]?.token, token.token);
      const mass = token.top_logprobs.reduce((sum, t) => sum + Math.exp(t.logprob), 0);
      assert.ok(mass <= 1 + 1e-9, `probabilities at one position sum to ${mass}`);
    }

    const stream = await client.chat.completions.create({
      model: 'sim-small',
      messages: [{ role: 'user', content: 'Say something about bees.' }],
      logprobs: true,
      top_logprobs: 1,
      stream: true,
    });
    let streamed = 0;
    for await (const chunk of stream) streamed += chunk.choices[0]?.logprobs?.content?.length ?? 0;
    assert.ok(streamed > 0);
  });

  it('rejects an invalid request with 400 as the real service would', async () => {
    await assert.rejects(
      client.chat.completions.create({ model: 'sim-small', messages: [] }),
      (error: unknown) => error instanceof OpenAI.BadRequestError && error.status === 400,
    );
    await assert.rejects(
      client.chat.completions.create({ model: 'sim-small', messages: [{ role: 'user', content: 'x' }], top_logprobs: 2 }),
      OpenAI.BadRequestError,
    );
  });

  it('lists and retrieves models', async () => {
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    assert.deepEqual(ids, DEFAULT_MODELS);
    const model = await client.models.retrieve('sim-large');
    assert.equal(model.id, 'sim-large');
    await assert.rejects(client.models.retrieve('no-such-model'), OpenAI.NotFoundError);
  });

  it('answers unknown routes with 404', async () => {
    const response = await fetch(`${server.baseURL}/embeddings`, { method: 'POST', body: '{}' });
    assert.equal(response.status, 404);
    assert.equal(response.headers.get('x-distillery-simulated'), 'true');
    const body = (await response.json()) as { error: { code: string } };
    assert.equal(body.error.code, 'unknown_url');
  });
});
