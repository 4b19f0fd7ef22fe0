import * as assert from 'node:assert/strict';
import { lcsLength, rougeL, rougeTokens, RougePool } from '../../../src/core/tasks/rougeL';
import { seededRandom } from '../../../src/core/random';

describe('tasks: ROUGE-L', () => {
  it('tokenises as rouge_score does: lowercase, runs of [a-z0-9], all else separates', () => {
    assert.deepEqual(rougeTokens("Hello, World! It's 2024."), ['hello', 'world', 'it', 's', '2024']);
    assert.deepEqual(rougeTokens('naïve café'), ['na', 've', 'caf']);
    assert.deepEqual(rougeTokens('  ...  '), []);
  });

  it('LCS lengths, by hand', () => {
    assert.equal(lcsLength([1, 2, 3, 4], [1, 3, 4]), 3);
    assert.equal(lcsLength([1, 2, 3], [3, 2, 1]), 1);
    assert.equal(lcsLength([], [1]), 0);
    assert.equal(lcsLength([1, 2, 1, 2], [2, 1, 2, 1]), 3);
  });

  it('F-measures, by hand (Lin 2004 examples and others)', () => {
    // "police kill the gunman" vs "police killed the gunman": LCS "police the gunman", 3 of 4 and 4 → F = 0.75.
    assert.equal(rougeL('police kill the gunman', 'police killed the gunman'), 0.75);
    // "the gunman kill police": LCS with the reference is "the gunman", 2 → 2·2/(4+4) = 0.5.
    assert.equal(rougeL('the gunman kill police', 'police killed the gunman'), 0.5);
    // 6 and 6 tokens, LCS "the cat on the mat" = 5 → 10/12.
    assert.equal(rougeL('The cat sat on the mat.', 'the cat is on the mat'), 10 / 12);
    // Different lengths: 3 and 5 tokens, LCS 3 → P = 1, R = 0.6, F = 2·0.6/1.6 = 0.75.
    assert.equal(rougeL('write a poem', 'Write a short funny poem'), 0.75);
    assert.equal(rougeL('Hello, World!', 'hello world'), 1);
    assert.equal(rougeL('', 'anything'), 0);
    assert.equal(rougeL('alpha', 'beta'), 0);
  });

  it('the pool finds exactly what scoring every entry finds, prefilter or not', () => {
    const random = seededRandom('rouge-pool');
    const vocabulary = Array.from({ length: 40 }, (_, i) => `w${i}`);
    const text = (): string => Array.from({ length: 3 + Math.floor(random() * 20) }, () => vocabulary[Math.floor(random() * vocabulary.length)]).join(' ');
    const pool = new RougePool();
    const texts: string[] = [];
    for (let i = 0; i < 300; i++) {
      const t = text();
      texts.push(t);
      pool.add(t);
    }
    // Queries: random texts, and edited copies of pool entries (which score high).
    let above = 0;
    for (let q = 0; q < 200; q++) {
      const base = texts[Math.floor(random() * texts.length)] as string;
      const query = q % 2 === 0 ? text() : base.split(' ').map((w) => (random() < 0.15 ? 'edit' : w)).join(' ');
      let best = 0;
      for (const t of texts) best = Math.max(best, rougeL(query, t));
      for (const threshold of [0.3, 0.7]) {
        const found = pool.mostSimilarAbove(query, threshold);
        if (best > threshold) {
          above++;
          assert.ok(found, `query ${q} at ${threshold}: the pool missed a score of ${best}`);
          assert.equal(found.score, best);
          assert.equal(rougeL(query, found.text), best);
        } else {
          assert.equal(found, undefined, `query ${q} at ${threshold}: nothing scores above`);
        }
      }
    }
    assert.ok(above > 60, 'the queries include many above the threshold');
  });
});
