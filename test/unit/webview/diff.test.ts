import { strict as assert } from 'node:assert';
import { diffWords, tokenize } from '../../../src/webview/preview/diff';

function marked(segments: readonly { text: string; changed: boolean }[]): string[] {
  return segments.filter((s) => s.changed).map((s) => s.text);
}

function joined(segments: readonly { text: string }[]): string {
  return segments.map((s) => s.text).join('');
}

describe('row preview: word diff', () => {
  it('cuts text into words, whitespace and punctuation', () => {
    assert.deepEqual(tokenize('Hi, there  über!'), ['Hi', ',', ' ', 'there', '  ', 'über', '!']);
  });

  it('marks the words only on each side and keeps both texts whole', () => {
    const left = 'The capital of France is Paris.';
    const right = 'The capital of France is Lyon, I think.';
    const diff = diffWords(left, right);
    assert.equal(joined(diff.left), left);
    assert.equal(joined(diff.right), right);
    assert.deepEqual(marked(diff.left), ['Paris']);
    assert.deepEqual(marked(diff.right), ['Lyon, I think']);
    assert.ok(diff.differs);
  });

  it('marks nothing for equal texts', () => {
    const diff = diffWords('same words here', 'same words here');
    assert.deepEqual(marked(diff.left), []);
    assert.deepEqual(marked(diff.right), []);
    assert.equal(diff.differs, false);
  });

  it('handles empty sides', () => {
    const diff = diffWords('', 'all new');
    assert.deepEqual(diff.left, []);
    assert.deepEqual(marked(diff.right), ['all new']);
    assert.ok(diff.differs);
  });

  it('finds insertions in the middle', () => {
    const diff = diffWords('a b c d', 'a b x c d');
    assert.deepEqual(marked(diff.left), []);
    assert.deepEqual(marked(diff.right), ['x ']);
  });

  it('marks the whole differing middle when it is too large for the table', () => {
    const diff = diffWords('start one two three end', 'start four five end', 4);
    assert.deepEqual(marked(diff.left), ['one two three']);
    assert.deepEqual(marked(diff.right), ['four five']);
  });

  it('diffs long texts quickly', () => {
    const words = Array.from({ length: 3000 }, (_, i) => `w${i % 97}`);
    const left = words.join(' ');
    const right = words.map((w, i) => (i % 50 === 0 ? 'CHANGED' : w)).join(' ');
    const started = Date.now();
    const diff = diffWords(left, right);
    assert.ok(Date.now() - started < 5000);
    assert.equal(joined(diff.right), right);
    assert.ok(marked(diff.right).length > 0);
  });
});
