import * as assert from 'node:assert/strict';
import { ManualClock } from '../../../src/core/llm/clock';
import type { Permit } from '../../../src/core/llm/scheduler';
import { ProfileScheduler, estimateTokens } from '../../../src/core/llm/scheduler';

/** Starts `n` acquisitions and records, in order, which were granted. */
function acquireAll(scheduler: ProfileScheduler, tokens: number[], signal?: AbortSignal) {
  const granted: number[] = [];
  const permits: Permit[] = [];
  const done = tokens.map((t, i) => scheduler.acquire(t, signal).then((permit) => {
    granted.push(i);
    permits[i] = permit;
  }));
  return { granted, permits, done };
}

describe('llm: per-profile scheduling (on a manual clock)', () => {
  it('requests per minute: never more than the limit in any 60 s window, counted until each attempt ends', async () => {
    const clock = new ManualClock();
    const scheduler = new ProfileScheduler({ concurrency: 10, requestsPerMinute: 2 }, clock);
    const { granted, permits } = acquireAll(scheduler, [1, 1, 1, 1]);
    await clock.advance(0);
    assert.deepEqual(granted, [0, 1]);
    // Both still in flight: however long they take, no third request starts.
    await clock.advance(120_000);
    assert.deepEqual(granted, [0, 1]);
    permits[0]?.release(); // ends at 120 s: its place frees at 180 s
    await clock.advance(10_000);
    permits[1]?.release(); // ends at 130 s: its place frees at 190 s
    await clock.advance(49_999);
    assert.deepEqual(granted, [0, 1]);
    await clock.advance(1);
    assert.deepEqual(granted, [0, 1, 2]);
    await clock.advance(9_999);
    assert.deepEqual(granted, [0, 1, 2]);
    await clock.advance(1);
    assert.deepEqual(granted, [0, 1, 2, 3]);
  });

  it('concurrency: never more than the limit in flight, next one on release, in order', async () => {
    const clock = new ManualClock();
    const scheduler = new ProfileScheduler({ concurrency: 2 }, clock);
    const { granted, permits } = acquireAll(scheduler, [1, 1, 1, 1]);
    await clock.advance(0);
    assert.deepEqual(granted, [0, 1]);
    assert.equal(scheduler.inFlight(), 2);
    permits[1]?.release();
    permits[1]?.release(); // twice is harmless
    await clock.advance(0);
    assert.deepEqual(granted, [0, 1, 2]);
    assert.equal(scheduler.inFlight(), 2);
    assert.equal(scheduler.queued(), 1);
  });

  it('a permit at once only when a queued call would get it too: free, nobody before it, no limit or pause holding', async () => {
    const clock = new ManualClock();
    const scheduler = new ProfileScheduler({ concurrency: 2, requestsPerMinute: 3 }, clock);
    const first = scheduler.tryAcquire(1);
    assert.ok(first, 'a free profile grants at once');
    const { granted, permits } = acquireAll(scheduler, [1, 1]);
    await clock.advance(0);
    assert.deepEqual(granted, [0], 'the queue got the second place');
    // One waits in the queue: a call arriving now may not pass it, even once a place frees.
    assert.equal(scheduler.tryAcquire(1), undefined);
    first.release();
    assert.equal(scheduler.tryAcquire(1), undefined, 'the freed place went to the call that was waiting');
    await clock.advance(0);
    assert.deepEqual(granted, [0, 1]);
    // The request window is full (3 in the last minute), though places are free after releases.
    permits[0]?.release();
    permits[1]?.release();
    assert.equal(scheduler.inFlight(), 0);
    assert.equal(scheduler.tryAcquire(1), undefined, 'three requests in the last minute');
    await clock.advance(60_000);
    const again = scheduler.tryAcquire(1);
    assert.ok(again, 'a minute later the window has room');
    again.release();
    // A pause holds it too, and an aborted signal gets nothing.
    scheduler.pause(5_000);
    await clock.advance(4_999);
    assert.equal(scheduler.tryAcquire(1), undefined, 'paused');
    await clock.advance(1);
    const aborted = new AbortController();
    aborted.abort();
    assert.equal(scheduler.tryAcquire(1, aborted.signal), undefined);
    assert.ok(scheduler.tryAcquire(1));
  });

  it('tokens per minute: estimated before, corrected by the reported usage after', async () => {
    const clock = new ManualClock();
    const scheduler = new ProfileScheduler({ concurrency: 10, tokensPerMinute: 600 }, clock);
    const first = acquireAll(scheduler, [500]);
    await clock.advance(0);
    assert.deepEqual(first.granted, [0]);
    const second = acquireAll(scheduler, [300]);
    await clock.advance(0);
    assert.deepEqual(second.granted, [], '100 left, 300 needed');
    // The first call used only 100 tokens: 400 come back, so the second may go now.
    first.permits[0]?.release(100);
    await clock.advance(0);
    assert.deepEqual(second.granted, [0]);
    // It used 700 instead of 300: the bucket is in debt and the next call waits for it.
    second.permits[0]?.release(700);
    const third = acquireAll(scheduler, [10]);
    await clock.advance(0);
    assert.deepEqual(third.granted, []);
    await clock.advance(60_000);
    assert.deepEqual(third.granted, [0]);
  });

  it('an estimate above the bucket size is capped, so it cannot wait forever', async () => {
    const clock = new ManualClock();
    const scheduler = new ProfileScheduler({ concurrency: 1, tokensPerMinute: 100 }, clock);
    const { granted } = acquireAll(scheduler, [10_000]);
    await clock.advance(0);
    assert.deepEqual(granted, [0]);
  });

  it('a pause holds every call of the profile until it ends; the longest pause wins', async () => {
    const clock = new ManualClock();
    const scheduler = new ProfileScheduler({ concurrency: 5 }, clock);
    scheduler.pause(120_000);
    scheduler.pause(1_000);
    const { granted } = acquireAll(scheduler, [1, 1]);
    await clock.advance(119_999);
    assert.deepEqual(granted, []);
    await clock.advance(1);
    assert.deepEqual(granted, [0, 1]);
  });

  it('an abort takes a waiting call out of the queue and lets the next one through', async () => {
    const clock = new ManualClock();
    const scheduler = new ProfileScheduler({ concurrency: 1 }, clock);
    const holder = await scheduler.acquire(1);
    const controller = new AbortController();
    const waiting = scheduler.acquire(1, controller.signal);
    const next = acquireAll(scheduler, [1]);
    controller.abort(new Error('stop'));
    await assert.rejects(waiting, /stop/);
    assert.equal(scheduler.queued(), 1);
    holder.release();
    await clock.advance(0);
    assert.deepEqual(next.granted, [0]);
    await assert.rejects(scheduler.acquire(1, controller.signal), /stop/, 'an aborted signal is refused at once');
  });

  it('estimates tokens as characters/4 plus 4 a message plus max_tokens', () => {
    assert.equal(estimateTokens([{ content: 'x'.repeat(40) }, { content: 'y'.repeat(3) }], 100), 10 + 1 + 8 + 100);
  });
});
