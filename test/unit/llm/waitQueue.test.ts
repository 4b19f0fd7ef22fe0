import * as assert from 'node:assert/strict';
import { WaitQueue } from '../../../src/core/llm/waitQueue';

describe('llm: the wait queue of a profile', () => {
  it('gives entries back in arrival order, skipping those taken out', () => {
    const queue = new WaitQueue<{ id: number }>();
    const entries = Array.from({ length: 5 }, (_, id) => ({ id }));
    entries.forEach((e) => queue.push(e));
    assert.equal(queue.remove(entries[1] as { id: number }), true);
    assert.equal(queue.remove(entries[1] as { id: number }), false, 'twice is harmless');
    assert.equal(queue.size, 4);
    assert.deepEqual([queue.shift(), queue.shift(), queue.shift()].map((e) => e?.id), [0, 2, 3]);
    queue.push({ id: 5 });
    assert.deepEqual([queue.peek()?.id, queue.shift()?.id, queue.shift()?.id, queue.shift()], [4, 4, 5, undefined]);
    assert.equal(queue.size, 0);
  });

  it('stays in order across compactions with tens of thousands queued and cancelled', () => {
    const queue = new WaitQueue<{ id: number }>();
    const entries = Array.from({ length: 30_000 }, (_, id) => ({ id }));
    entries.forEach((e) => queue.push(e));
    for (let i = 0; i < entries.length; i += 3) queue.remove(entries[i] as { id: number });
    const seen: number[] = [];
    for (let e = queue.shift(); e; e = queue.shift()) {
      seen.push(e.id);
      // Entries further back can still be taken out after compactions moved them.
      if (e.id + 2 < entries.length && (e.id + 2) % 3 !== 0) queue.remove(entries[e.id + 2] as { id: number });
    }
    const expected = entries.map((e) => e.id).filter((id) => id % 3 !== 0).filter((id) => !(id >= 3 && (id - 2) % 3 !== 0 && seen.includes(id - 2)));
    assert.deepEqual(seen, expected);
    assert.equal(queue.size, 0);
  });
});
