import * as assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { linkedSignal } from '../../../src/core/llm/linkedSignal';

describe('llm: linked signals', () => {
  it('a call signal aborts with either source, with its reason; a released one does not', () => {
    const lifetime = new AbortController();
    const run = new AbortController();
    const live = linkedSignal(lifetime.signal, run.signal);
    const done = linkedSignal(lifetime.signal, run.signal);
    done.release();
    run.abort(new Error('the user cancelled'));
    assert.equal(live.signal.aborted, true);
    assert.equal((live.signal.reason as Error).message, 'the user cancelled');
    assert.equal(done.signal.aborted, false, 'a call that ended is not reached');

    const other = linkedSignal(lifetime.signal);
    lifetime.abort();
    assert.equal(other.signal.aborted, true);
  });

  it('a source that is already aborted gives an aborted signal', () => {
    const run = new AbortController();
    run.abort('stop');
    const link = linkedSignal(new AbortController().signal, run.signal);
    assert.equal(link.signal.aborted, true);
    assert.equal(link.signal.reason, 'stop');
  });

  it('10,000 calls on one run signal add one listener to it, and each call only its own', () => {
    const run = new AbortController();
    const lifetime = new AbortController();
    const links = Array.from({ length: 10_000 }, () => linkedSignal(lifetime.signal, run.signal));
    assert.equal(getEventListeners(run.signal, 'abort').length, 1);
    assert.equal(getEventListeners(lifetime.signal, 'abort').length, 1);
    for (const link of links.slice(0, 9_999)) link.release();
    run.abort();
    assert.deepEqual(links.map((link) => link.signal.aborted).filter(Boolean).length, 1, 'only the call still running is aborted');
  });
});
