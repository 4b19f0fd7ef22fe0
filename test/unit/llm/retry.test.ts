import * as assert from 'node:assert/strict';
import OpenAI from 'openai';
import { seededRandom } from '../../../src/core/random';
import { AttemptError } from '../../../src/core/llm/errors';
import { backoffDelay, classify, retryAfter } from '../../../src/core/llm/retry';

const apiError = (status: number, body: object, headers: Record<string, string> = {}) =>
  OpenAI.APIError.generate(status, { error: body }, undefined, new Headers(headers));

describe('llm: retry decisions', () => {
  const now = Date.UTC(2026, 0, 1);

  it('reads retry-after-ms, Retry-After in seconds and as an HTTP date, with no cap', () => {
    assert.equal(retryAfter(new Headers({ 'retry-after-ms': '250' }), now), 250);
    assert.equal(retryAfter(new Headers({ 'retry-after-ms': '250', 'retry-after': '9' }), now), 250);
    assert.equal(retryAfter(new Headers({ 'retry-after': '120' }), now), 120_000);
    assert.equal(retryAfter(new Headers({ 'retry-after': new Date(now + 90_000).toUTCString() }), now), 90_000);
    assert.equal(retryAfter(new Headers({ 'retry-after': new Date(now - 5_000).toUTCString() }), now), 0);
    assert.equal(retryAfter(new Headers({ 'retry-after': 'soon' }), now), undefined);
    assert.equal(retryAfter(new Headers(), now), undefined);
  });

  it('classifies statuses: 401/403 and insufficient_quota fatal; 408/409/429/5xx retried; other 4xx refused', () => {
    assert.equal(classify(apiError(401, { code: 'invalid_api_key' }), now).kind, 'fatal');
    assert.equal(classify(apiError(403, {}), now).kind, 'fatal');
    const quota = classify(apiError(429, { code: 'insufficient_quota', type: 'insufficient_quota' }), now);
    assert.deepEqual(quota.kind === 'fatal' && quota.code, 'insufficient_quota');
    for (const status of [408, 409, 429, 500, 502, 503, 504]) assert.equal(classify(apiError(status, {}), now).kind, 'retry', String(status));
    for (const status of [400, 404, 422]) assert.equal(classify(apiError(status, {}), now).kind, 'reject', String(status));
    const limited = classify(apiError(429, { code: 'rate_limit_exceeded' }, { 'retry-after': '3' }), now);
    assert.ok(limited.kind === 'retry' && limited.rateLimited && limited.retryAfterMs === 3000);
    const bare429 = classify(apiError(429, {}), now);
    assert.ok(bare429.kind === 'retry' && !bare429.rateLimited, 'a 429 without a wait counts as a plain transient failure');
  });

  it('retries connection errors, dropped and malformed streams and our own timeouts; refuses unknown errors', () => {
    assert.equal(classify(new OpenAI.APIConnectionError({ message: 'Connection error.' }), now).kind, 'retry');
    assert.equal(classify(new TypeError('terminated'), now).kind, 'retry');
    assert.equal(classify(new SyntaxError('Unexpected token'), now).kind, 'retry');
    assert.equal(classify(Object.assign(new Error('socket'), { code: 'ECONNRESET' }), now).kind, 'retry');
    assert.equal(classify(new AttemptError('idle', 'idle'), now).kind, 'retry');
    assert.equal(classify(new RangeError('bug'), now).kind, 'reject');
  });

  it('backs off exponentially, capped, with seeded jitter of at most 25 %', () => {
    const policy = { baseDelayMs: 100, maxDelayMs: 1000 };
    const a = seededRandom('jitter');
    const b = seededRandom('jitter');
    const delays = [0, 1, 2, 3, 4, 5].map((retry) => backoffDelay(retry, policy, a));
    assert.deepEqual(delays, [0, 1, 2, 3, 4, 5].map((retry) => backoffDelay(retry, policy, b)), 'same seed, same delays');
    [100, 200, 400, 800, 1000, 1000].forEach((full, i) => {
      const d = delays[i] as number;
      assert.ok(d <= full && d >= full * 0.75, `retry ${i}: ${d} within [${full * 0.75}, ${full}]`);
    });
  });
});
