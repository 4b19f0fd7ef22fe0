import { strict as assert } from 'node:assert';
import { rewriteRow } from '../../../src/extension/critique/rowRewrite';

describe('critique row rewrite', () => {
  it('changes only the values that differ, keeping the row\'s spacing, key order and escapes', () => {
    const row = '{"messages": [{"role": "user", "content": "caf\\u00e9?", "id": 7}, {"role": "assistant", "content": "Old answer."}], "meta": {"n": 1.50}}';
    const before = JSON.parse(row) as Record<string, unknown>;
    const after = structuredClone(before) as { messages: Array<{ content: string }>; distillery?: unknown };
    (after.messages[1] as { content: string }).content = 'New answer.';
    after.distillery = { critique: { rounds: 1 } };
    const text = rewriteRow(row, before, after as unknown as Record<string, unknown>);
    assert.equal(
      text,
      '{"messages": [{"role": "user", "content": "caf\\u00e9?", "id": 7}, {"role": "assistant", "content": "New answer."}], "meta": {"n": 1.50}, "distillery": {"critique": {"rounds": 1}}}',
    );
  });

  it('replaces a list that changed length, and removes keys the new value lacks', () => {
    const row = '{"a":[1,2],"b":"x","c":true}';
    const text = rewriteRow(row, JSON.parse(row), { a: [1, 2, 3], b: 'x' });
    assert.equal(text, '{"a":[1,2,3],"b":"x"}');
  });

  it('returns the row unchanged when the values are equal', () => {
    const row = '{ "prompt" : "p" , "completion" : "c" }';
    assert.equal(rewriteRow(row, JSON.parse(row), { completion: 'c', prompt: 'p' }), row);
  });
});
