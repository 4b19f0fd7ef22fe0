import * as assert from 'node:assert/strict';
import OpenAI from 'openai';
import type { JsonSchema, TestServer } from '../../support/openaiServer';
import { startTestServer, validateAgainstSchema } from '../../support/openaiServer';
import { within } from '../../support/within';

const params = (content = 'hello'): OpenAI.ChatCompletionCreateParamsNonStreaming => ({
  model: 'sim-small',
  messages: [{ role: 'user', content }],
});

/** Resolves when `condition` holds, polling; fails after `ms` (generous: this is a bound, not a timing). */
async function eventually(condition: () => boolean, what: string, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}


describe('test server: faults on demand, through the real openai client', () => {
  let server: TestServer;
  let client: OpenAI;

  before(async () => {
    server = await startTestServer({ seed: 5 });
    client = new OpenAI({ baseURL: server.baseURL, apiKey: 'test-key', maxRetries: 0 });
  });
  afterEach(() => server.reset());
  after(() => server.close());

  it('a 503 burst: the client retries through it (honouring retry-after-ms) and succeeds', async () => {
    server.fault({ kind: 'status', status: 503, count: 2, retryAfterMs: 5 });
    const retrying = client.withOptions({ maxRetries: 2 });
    const completion = await retrying.chat.completions.create(params());
    assert.equal(completion.choices.length, 1);
    const chats = server.chatRequests();
    assert.deepEqual(chats.map((r) => r.status), [503, 503, 200]);
    assert.deepEqual(chats.map((r) => r.fault), ['status', 'status', undefined]);
    assert.deepEqual(chats.map((r) => r.headers['x-stainless-retry-count']), ['0', '1', '2']);
  });

  it('a 500 burst longer than the retries surfaces as InternalServerError', async () => {
    server.fault({ kind: 'status', status: 500, count: 3, retryAfterMs: 5 });
    await assert.rejects(client.withOptions({ maxRetries: 2 }).chat.completions.create(params()), (error: unknown) => {
      assert.ok(error instanceof OpenAI.InternalServerError);
      assert.equal(error.status, 500);
      assert.equal(error.type, 'server_error');
      return true;
    });
    assert.equal(server.chatRequests().length, 3);
    assert.deepEqual(server.pendingFaults(), []);
  });

  it('faults hit only the requests they match, in the order queued', async () => {
    server.fault({ kind: 'status', status: 502, match: { marker: 'fragile' } });
    server.fault({ kind: 'unauthorized', match: { model: 'locked' } });
    assert.equal((await client.chat.completions.create(params('sturdy'))).choices.length, 1);
    await assert.rejects(client.chat.completions.create(params('fragile')), (e: unknown) => e instanceof OpenAI.APIError && e.status === 502);
    await assert.rejects(client.chat.completions.create({ ...params(), model: 'locked' }), OpenAI.AuthenticationError);
    assert.equal((await client.chat.completions.create(params('fragile'))).choices.length, 1);
  });

  it('401: AuthenticationError, not retried', async () => {
    server.fault({ kind: 'unauthorized', count: Infinity });
    await assert.rejects(client.withOptions({ maxRetries: 2 }).chat.completions.create(params()), (error: unknown) => {
      assert.ok(error instanceof OpenAI.AuthenticationError);
      assert.equal(error.code, 'invalid_api_key');
      return true;
    });
    assert.equal(server.chatRequests().length, 1);
  });

  it('429 insufficient_quota: a RateLimitError whose code says so (and the client retries it anyway)', async () => {
    server.fault({ kind: 'insufficientQuota', count: Infinity });
    await assert.rejects(client.chat.completions.create(params()), (error: unknown) => {
      assert.ok(error instanceof OpenAI.RateLimitError);
      assert.equal(error.code, 'insufficient_quota');
      assert.equal(error.type, 'insufficient_quota');
      return true;
    });
    // openai@6 retries every 429, quota or not: one retry (after its default 0.5 s backoff) shows it.
    await assert.rejects(client.withOptions({ maxRetries: 1 }).chat.completions.create(params()), OpenAI.RateLimitError);
    assert.equal(server.chatRequests().length, 3);
  });

  it('a forced 429 rate_limit_exceeded carries retry headers', async () => {
    server.fault({ kind: 'rateLimited', retryAfterMs: 30 });
    await assert.rejects(client.chat.completions.create(params()), (error: unknown) => {
      assert.ok(error instanceof OpenAI.RateLimitError);
      assert.equal(error.code, 'rate_limit_exceeded');
      assert.equal(error.headers?.get('retry-after-ms'), '30');
      assert.equal(error.headers?.get('retry-after'), '1');
      return true;
    });
  });

  it('connection reset: APIConnectionError', async () => {
    server.fault({ kind: 'reset' });
    await assert.rejects(client.chat.completions.create(params()), (error: unknown) => {
      assert.ok(error instanceof OpenAI.APIConnectionError);
      assert.ok(!(error instanceof OpenAI.APIConnectionTimeoutError));
      return true;
    });
    assert.equal(server.requests[0]?.fault, 'reset');
    assert.equal(server.requests[0]?.status, undefined);
    // The server itself is fine afterwards.
    assert.equal((await client.chat.completions.create(params())).choices.length, 1);
  });

  it('a stream dropped mid-way: the client iteration throws after the chunks sent', async () => {
    server.fault({ kind: 'dropStream', afterChunks: 3 });
    const stream = await client.chat.completions.create({ ...params(), stream: true });
    let received = 0;
    await assert.rejects(
      (async () => {
        for await (const _chunk of stream) received++;
      })(),
      (error: unknown) => error instanceof Error,
    );
    assert.equal(received, 3);
    await eventually(() => server.inFlight() === 0, 'the dropped response is closed');
    assert.equal(server.requests[0]?.closedEarly, true);
  });

  it('a non-streaming body dropped half-way rejects the call', async () => {
    server.fault({ kind: 'dropStream' });
    await assert.rejects(client.chat.completions.create(params()));
  });

  it('a stalled stream: an abort ends it, the server frees the response, and close() does not hang', async () => {
    const own = await startTestServer({ streamChunkIntervalMs: 1 });
    try {
      const ownClient = new OpenAI({ baseURL: own.baseURL, apiKey: 'test-key', maxRetries: 0 });
      own.fault({ kind: 'stall', afterChunks: 2 });
      const controller = new AbortController();
      const stream = await ownClient.chat.completions.create({ ...params(), stream: true }, { signal: controller.signal });
      let received = 0;
      // openai@6 ends the iteration quietly on an abort (it swallows the AbortError).
      await within(
        (async () => {
          for await (const _chunk of stream) {
            received++;
            if (received === 2) setTimeout(() => controller.abort(), 20);
          }
        })().catch((error: unknown) => {
          if (!(error instanceof OpenAI.APIUserAbortError)) throw error;
        }),
        3000,
        'the aborted iteration',
      );
      assert.equal(received, 2);
      await eventually(() => own.inFlight() === 0, 'the stalled response is released');
      assert.equal(own.requests[0]?.closedEarly, true);
    } finally {
      await within(own.close(), 2000, 'close()');
    }
  });

  it('a stream still stalled when the server closes: close() ends it instead of hanging', async () => {
    const own = await startTestServer();
    after(() => own.close());
    const ownClient = new OpenAI({ baseURL: own.baseURL, apiKey: 'test-key', maxRetries: 0 });
    own.fault({ kind: 'stall', afterChunks: 0 });
    const stream = await ownClient.chat.completions.create({ ...params(), stream: true });
    const iteration = (async () => {
      for await (const _chunk of stream) {
        // nothing arrives
      }
    })();
    await eventually(() => own.inFlight() === 1, 'the stall is in place');
    await within(own.close(), 2000, 'close()');
    await assert.rejects(within(iteration, 2000, 'the client iteration'));
    assert.equal(own.inFlight(), 0);
  });

  it('a stalled non-streaming body: the abort signal ends the wait', async () => {
    server.fault({ kind: 'stall' });
    const controller = new AbortController();
    const call = client.chat.completions.create(params(), { signal: controller.signal });
    await eventually(() => server.inFlight() === 1 && server.requests.length === 1, 'the stall is in place');
    controller.abort();
    await assert.rejects(call);
    await eventually(() => server.inFlight() === 0, 'the stalled response is released');
  });

  it('a malformed JSON body: the client surfaces a SyntaxError', async () => {
    server.fault({ kind: 'malformedJson' });
    await assert.rejects(client.chat.completions.create(params()), SyntaxError);
    assert.equal(server.requests[0]?.status, 200);
  });

  it('a malformed SSE event: the stream iteration throws', async () => {
    server.fault({ kind: 'malformedJson' });
    // The client logs the unparsable event through its logger before throwing: record it instead of printing it.
    const logged: unknown[][] = [];
    const record = (...args: unknown[]): void => void logged.push(args);
    const quiet = new OpenAI({
      baseURL: server.baseURL,
      apiKey: 'test-key',
      maxRetries: 0,
      logger: { error: record, warn: record, info: record, debug: record },
    });
    const stream = await quiet.chat.completions.create({ ...params(), stream: true });
    await assert.rejects(
      (async () => {
        for await (const _chunk of stream) {
          // the second event is broken
        }
      })(),
      SyntaxError,
    );
    assert.match(String(logged[0]?.[0]), /Could not parse message into JSON/);
  });

  it('a 200 whose content breaks the requested schema', async () => {
    const schema: JsonSchema = {
      type: 'object',
      properties: { verdict: { type: 'string', enum: ['A', 'B'] }, reason: { type: 'string' } },
      required: ['verdict', 'reason'],
      additionalProperties: false,
    };
    const request = (): OpenAI.ChatCompletionCreateParamsNonStreaming => ({
      ...params('judge this'),
      response_format: { type: 'json_schema', json_schema: { name: 'verdict', strict: true, schema } },
    });
    server.fault({ kind: 'schemaViolation' });
    const missing = await client.chat.completions.create(request());
    const missingValue: unknown = JSON.parse(missing.choices[0]?.message.content ?? '');
    assert.deepEqual(validateAgainstSchema(missingValue, schema), ["/: missing required property 'verdict'"]);

    server.fault({ kind: 'schemaViolation', mode: 'wrongType' });
    const wrong = await client.chat.completions.create(request());
    assert.notDeepEqual(validateAgainstSchema(JSON.parse(wrong.choices[0]?.message.content ?? ''), schema), []);

    server.fault({ kind: 'schemaViolation', mode: 'notJson' });
    const prose = await client.chat.completions.create(request());
    assert.throws(() => JSON.parse(prose.choices[0]?.message.content ?? ''), SyntaxError);

    // Without the fault the same request conforms.
    const fine = await client.chat.completions.create(request());
    assert.deepEqual(validateAgainstSchema(JSON.parse(fine.choices[0]?.message.content ?? ''), schema), []);
  });

  it('a rule can carry a fault, for as many requests as its times allow', async () => {
    server.addRule({ match: { marker: 'flaky' }, fault: { kind: 'status', status: 503, retryAfterMs: 1 }, times: 1 });
    const completion = await client.withOptions({ maxRetries: 1 }).chat.completions.create(params('flaky'));
    assert.equal(completion.choices.length, 1);
    assert.deepEqual(server.chatRequests().map((r) => r.status), [503, 200]);
  });

  it('faults can target GET /v1/models by path', async () => {
    server.fault({ kind: 'status', status: 500, match: { path: '/v1/models' } });
    await assert.rejects(client.models.list(), OpenAI.InternalServerError);
    // A chat request is not hit by it.
    assert.equal((await client.chat.completions.create(params())).choices.length, 1);
  });
});
