import * as assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import OpenAI from 'openai';
import { formatResetDuration, startTestServer } from '../../support/openaiServer';

const params = (content = 'hello', extra: Partial<OpenAI.ChatCompletionCreateParamsNonStreaming> = {}): OpenAI.ChatCompletionCreateParamsNonStreaming => ({
  model: 'sim-small',
  messages: [{ role: 'user', content }],
  ...extra,
});

describe('test server: rate limits by requests and tokens per window', () => {
  it('RPM counted in a sliding window: never more than the limit in any window, and the wait says when the oldest leaves', async () => {
    const server = await startTestServer({ rateLimit: { rpm: 3, windowMs: 600, requestCounting: 'window' } });
    try {
      const client = new OpenAI({ baseURL: server.baseURL, apiKey: 'k', maxRetries: 0 });
      const started = performance.now();
      for (let i = 0; i < 3; i++) await client.chat.completions.create(params());
      await assert.rejects(client.chat.completions.create(params()), (error: unknown) => {
        assert.ok(error instanceof OpenAI.RateLimitError);
        const retryAfterMs = Number(error.headers?.get('retry-after-ms'));
        const elapsed = performance.now() - started;
        // The first request leaves the window 600 ms after it was admitted (a bucket would say ~200 ms).
        assert.ok(retryAfterMs >= 600 - elapsed - 5 && retryAfterMs <= 600, `retry-after-ms ${retryAfterMs} after ${elapsed} ms`);
        return true;
      });
      // A bucket would have refilled one request after 200 ms; the window keeps all three until the first leaves.
      await new Promise((resolve) => setTimeout(resolve, 250));
      if (performance.now() - started < 550) await assert.rejects(client.chat.completions.create(params()), OpenAI.RateLimitError);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, 650 - (performance.now() - started))));
      await client.chat.completions.create(params());
    } finally {
      await server.close();
    }
  });

  it('RPM: 429 with retry-after, retry-after-ms and x-ratelimit-* headers once the requests run out', async () => {
    // 2 requests per 400 ms: one comes back every 200 ms.
    const server = await startTestServer({ rateLimit: { rpm: 2, windowMs: 400 } });
    try {
      const client = new OpenAI({ baseURL: server.baseURL, apiKey: 'k', maxRetries: 0 });
      const first = await client.chat.completions.create(params()).withResponse();
      assert.equal(first.response.headers.get('x-ratelimit-limit-requests'), '2');
      assert.equal(first.response.headers.get('x-ratelimit-remaining-requests'), '1');
      assert.match(first.response.headers.get('x-ratelimit-reset-requests') ?? '', /^\d+ms$/);
      await client.chat.completions.create(params());
      await assert.rejects(client.chat.completions.create(params()), (error: unknown) => {
        assert.ok(error instanceof OpenAI.RateLimitError);
        assert.equal(error.code, 'rate_limit_exceeded');
        assert.equal(error.type, 'requests');
        const retryAfterMs = Number(error.headers?.get('retry-after-ms'));
        assert.ok(retryAfterMs > 0 && retryAfterMs <= 200, `retry-after-ms ${retryAfterMs}`);
        assert.equal(error.headers?.get('retry-after'), '1');
        assert.equal(error.headers?.get('x-ratelimit-limit-requests'), '2');
        assert.equal(error.headers?.get('x-ratelimit-remaining-requests'), '0');
        assert.equal(error.headers?.get('x-distillery-simulated'), 'true');
        return true;
      });
      assert.equal(server.requests[2]?.rateLimited, 'requests');
    } finally {
      await server.close();
    }
  });

  it('RPM: the openai client waits retry-after-ms and then gets through', async () => {
    const server = await startTestServer({ rateLimit: { rpm: 1, windowMs: 150 } });
    try {
      const client = new OpenAI({ baseURL: server.baseURL, apiKey: 'k', maxRetries: 3 });
      await client.chat.completions.create(params());
      const completion = await client.chat.completions.create(params());
      assert.equal(completion.choices.length, 1);
      const chats = server.chatRequests();
      const statuses = chats.map((r) => r.status);
      assert.equal(statuses.at(-1), 200);
      assert.ok(statuses.includes(429), `statuses ${statuses.join(',')}`);
      // The retry came no earlier than the server asked (a lower bound: safe on a slow machine).
      const refused = chats.find((r) => r.status === 429);
      assert.ok(refused);
      const next = chats[refused.index + 1];
      assert.ok(next);
      const asked = Number(refused.responseHeaders['retry-after-ms']);
      assert.ok(asked > 0);
      assert.ok(next.time - refused.time >= asked - 1, `retried after ${next.time - refused.time} ms, asked ${asked} ms`);
      assert.equal(next.headers['x-stainless-retry-count'], '1');
    } finally {
      await server.close();
    }
  });

  it('openai@6 sleeps out a retry wait before it notices an abort (the engine must not rely on it)', async () => {
    const server = await startTestServer();
    try {
      server.fault({ kind: 'rateLimited', retryAfterMs: 300 });
      const client = new OpenAI({ baseURL: server.baseURL, apiKey: 'k', maxRetries: 1 });
      const controller = new AbortController();
      const started = performance.now();
      const call = client.chat.completions.create(params(), { signal: controller.signal });
      setTimeout(() => controller.abort(), 20);
      await assert.rejects(call, OpenAI.APIUserAbortError);
      // A lower bound: the abort came at 20 ms, the rejection only after the 300 ms wait.
      assert.ok(performance.now() - started >= 295, `rejected after ${Math.round(performance.now() - started)} ms`);
      assert.equal(server.requests.length, 1, 'no retry was sent');
    } finally {
      await server.close();
    }
  });

  it('TPM: prompt plus max_tokens × n is charged; 429 type tokens when they run out', async () => {
    const server = await startTestServer({ rateLimit: { tpm: 80, windowMs: 5000 } });
    try {
      const client = new OpenAI({ baseURL: server.baseURL, apiKey: 'k', maxRetries: 0 });
      const first = await client.chat.completions.create(params('count my tokens', { max_tokens: 20, n: 2 })).withResponse();
      const promptTokens = first.data.usage?.prompt_tokens ?? 0;
      assert.equal(first.response.headers.get('x-ratelimit-limit-tokens'), '80');
      const remaining = Number(first.response.headers.get('x-ratelimit-remaining-tokens'));
      // The bucket refills 0.02 tokens a millisecond: allow for a slow machine.
      assert.ok(remaining >= 80 - promptTokens - 40 && remaining <= 80 - promptTokens - 40 + 2, `remaining ${remaining}`);
      await assert.rejects(client.chat.completions.create(params('count my tokens', { max_tokens: 20, n: 2 })), (error: unknown) => {
        assert.ok(error instanceof OpenAI.RateLimitError);
        assert.equal(error.type, 'tokens');
        assert.ok(Number(error.headers?.get('retry-after-ms')) > 0);
        assert.ok(error.headers?.get('x-ratelimit-reset-tokens'));
        return true;
      });
      assert.equal(server.requests[1]?.rateLimited, 'tokens');
    } finally {
      await server.close();
    }
  });

  it('TPM: without max_tokens the completion is charged afterwards', async () => {
    const server = await startTestServer({ rateLimit: { tpm: 1000, windowMs: 60_000 } });
    try {
      const client = new OpenAI({ baseURL: server.baseURL, apiKey: 'k', maxRetries: 0 });
      const first = await client.chat.completions.create(params('a question'));
      const second = await client.chat.completions.create(params('another')).withResponse();
      const spent = (first.usage?.total_tokens ?? 0) + (second.data.usage?.total_tokens ?? 0);
      const remaining = Number(second.response.headers.get('x-ratelimit-remaining-tokens'));
      // Both completions are charged before the header is written; the bucket refills 1/60 token a ms.
      assert.ok(remaining >= 1000 - spent && remaining <= 1000 - spent + 5, `remaining ${remaining}`);
    } finally {
      await server.close();
    }
  });

  it('a request larger than the whole token budget is refused for good (x-should-retry: false)', async () => {
    const server = await startTestServer({ rateLimit: { tpm: 10 } });
    try {
      const client = new OpenAI({ baseURL: server.baseURL, apiKey: 'k', maxRetries: 2 });
      await assert.rejects(client.chat.completions.create(params('x', { max_tokens: 50 })), OpenAI.RateLimitError);
      assert.equal(server.requests.length, 1, 'not retried');
    } finally {
      await server.close();
    }
  });

  it('formats reset durations as OpenAI does', () => {
    assert.equal(formatResetDuration(17.2), '18ms');
    assert.equal(formatResetDuration(1000), '1s');
    assert.equal(formatResetDuration(1500), '1.5s');
    assert.equal(formatResetDuration(360_000), '6m0s');
  });
});
