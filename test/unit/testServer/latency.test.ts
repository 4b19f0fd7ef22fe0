import * as assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import OpenAI from 'openai';
import type { TestServer } from '../../support/openaiServer';
import { planDelay, Rng, startTestServer } from '../../support/openaiServer';

const params = (content = 'hello'): OpenAI.ChatCompletionCreateParamsNonStreaming => ({
  model: 'sim-small',
  messages: [{ role: 'user', content }],
});

/** Runs `count` requests, `concurrency` at a time. */
async function many(client: OpenAI, count: number, concurrency: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      await client.chat.completions.create(params(`request ${i}`));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

describe('test server: latency', () => {
  it('a fixed delay: planned as configured, and the answer takes at least that long', async () => {
    const server = await startTestServer({ latency: { kind: 'fixed', ms: 200 } });
    try {
      const client = new OpenAI({ baseURL: server.baseURL, apiKey: 'k', maxRetries: 0 });
      const started = performance.now();
      await client.chat.completions.create(params());
      // A lower bound only: a loaded machine makes it longer, never shorter.
      assert.ok(performance.now() - started >= 199, 'answered before the delay');
      assert.equal(server.requests[0]?.plannedDelayMs, 200);
      assert.equal(server.requests[0]?.responseHeaders['openai-processing-ms'], '200');
    } finally {
      await server.close();
    }
  });

  it('a long-tailed delay: most requests fast, a few much slower, as planned from the seed', async () => {
    const spec = { kind: 'longTail' as const, medianMs: 2, sigma: 1.2 };
    const plannedBy = async (seed: number): Promise<number[]> => {
      const server = await startTestServer({ seed, latency: spec });
      try {
        await many(new OpenAI({ baseURL: server.baseURL, apiKey: 'k', maxRetries: 0 }), 120, 24);
        return server.requests.map((r) => r.plannedDelayMs).sort((a, b) => a - b);
      } finally {
        await server.close();
      }
    };
    const planned = await plannedBy(9);
    const median = quantile(planned, 0.5);
    const p95 = quantile(planned, 0.95);
    assert.ok(median > 1 && median < 4, `median ${median}`);
    assert.ok(p95 > 3 * median, `p95 ${p95} against median ${median}: the tail should be long`);
    assert.ok((planned.at(-1) as number) <= 100, 'cut off at 50 × the median');
    // The same seed plans the same delays, whatever order concurrent requests arrive in.
    assert.deepEqual(await plannedBy(9), planned);
  });

  it('the long-tailed planner has the documented shape', () => {
    const rng = new Rng(1);
    const delays = Array.from({ length: 4000 }, () => planDelay({ kind: 'longTail', medianMs: 100, sigma: 1 }, rng)).sort((a, b) => a - b);
    assert.ok(Math.abs(quantile(delays, 0.5) - 100) < 10);
    // The 99th percentile of a log-normal is median · e^(2.33 σ) ≈ 10 × the median.
    const p99 = quantile(delays, 0.99);
    assert.ok(p99 > 700 && p99 < 1400, `p99 ${p99}`);
    assert.equal(planDelay(50, rng), 50);
    assert.equal(planDelay(undefined, rng), 0);
  });

  it('a rule can set its own latency', async () => {
    const server: TestServer = await startTestServer({ latency: 0 });
    try {
      server.addRule({ match: { marker: 'slow' }, reply: 'finally', latency: 30 });
      const client = new OpenAI({ baseURL: server.baseURL, apiKey: 'k', maxRetries: 0 });
      await client.chat.completions.create(params('slow one'));
      await client.chat.completions.create(params('fast one'));
      assert.deepEqual(server.requests.map((r) => r.plannedDelayMs), [30, 0]);
    } finally {
      await server.close();
    }
  });

  it('latency applies before the first byte of a stream, and chunks can be paced', async () => {
    const server = await startTestServer({ latency: 50, streamChunkIntervalMs: 2 });
    try {
      const client = new OpenAI({ baseURL: server.baseURL, apiKey: 'k', maxRetries: 0 });
      const started = performance.now();
      const stream = await client.chat.completions.create({ ...params(), stream: true });
      assert.ok(performance.now() - started >= 49);
      let chunks = 0;
      for await (const _chunk of stream) chunks++;
      // The last chunk cannot arrive before the latency plus a pause after each earlier chunk
      // (a lower bound again; 1 ms a pause, as a timer may fire up to a millisecond early).
      assert.ok(chunks > 5);
      assert.ok(performance.now() - started >= 49 + (chunks - 1));
    } finally {
      await server.close();
    }
  });
});
