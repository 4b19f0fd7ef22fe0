import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { filterRows, type FilterSettings } from '../../../src/core/curation/filters';
import { rowFacts } from '../../../src/core/curation/rowFacts';
import { sharedDataFile } from '../../support/sharedData';
import { chat, judgement, pair, score, type Row } from './rows';

const run = (rows: readonly Row[], settings: FilterSettings) => {
  const result = filterRows(rows, rowFacts, settings);
  return { kept: result.kept.map((row) => rows.indexOf(row)), dropped: result.dropped, droppedBy: result.droppedBy };
};

describe('curation filters', () => {
  const scored = [
    chat('q0', 'a0', { score: score(4.5, { helpful: 5, concise: 2 }) }),
    chat('q1', 'a1', { score: score(2, { helpful: 2, concise: 4 }) }),
    chat('q2', 'a2'),
    chat('q3', 'a3', { score: score(3, { helpful: 3 }) }),
  ];

  it('keeps rows by reward; unscored rows are dropped as "score"', () => {
    assert.deepEqual(run(scored, { minScore: 3 }), { kept: [0, 3], dropped: 2, droppedBy: { score: 2 } });
    assert.deepEqual(run(scored, { maxScore: 3 }).kept, [1, 3]);
    assert.deepEqual(run(scored, { minScore: 2.5, maxScore: 4 }).kept, [3]);
  });

  it('compares one rubric\'s score with --rubric; rows without that rubric are dropped', () => {
    assert.deepEqual(run(scored, { minScore: 4, rubric: 'concise' }), { kept: [1], dropped: 3, droppedBy: { score: 3 } });
    assert.deepEqual(run(scored, { minScore: 3, rubric: 'helpful' }).kept, [0, 3]);
  });

  const judged = [
    pair('p0', 'c', 'r', { judgement: judgement('A', true) }),
    pair('p1', 'c', 'r', { judgement: judgement('B', true) }),
    pair('p2', 'c', 'r', { judgement: judgement('tie', false) }),
    pair('p3', 'c', 'r'),
    pair('p4', 'c', 'r', { judgement: judgement('A', false) }),
  ];

  it('keeps judged rows by winner and by position consistency, counting each reason', () => {
    assert.deepEqual(run(judged, { verdict: 'A' }), { kept: [0, 4], dropped: 3, droppedBy: { verdict: 3 } });
    assert.deepEqual(run(judged, { verdict: 'tie' }).kept, [2]);
    assert.deepEqual(run(judged, { positionConsistent: true }), { kept: [0, 1], dropped: 3, droppedBy: { 'position-inconsistent': 3 } });
    // AND: row 4 passes the verdict filter and is dropped for inconsistency; the others for the verdict.
    assert.deepEqual(run(judged, { verdict: 'A', positionConsistent: true }), { kept: [0], dropped: 4, droppedBy: { verdict: 3, 'position-inconsistent': 1 } });
  });

  const lengths = [chat('short prompt', 'one two three'), chat('a much longer prompt than the other', 'one two three four five six'), chat('é', 'ééé')];

  it('keeps rows by answer or prompt length in characters or words', () => {
    assert.deepEqual(run(lengths, { minLength: 14 }), { kept: [1], dropped: 2, droppedBy: { length: 2 } });
    assert.deepEqual(run(lengths, { maxLength: 3 }).kept, [2], 'characters are code points, not UTF-16 units');
    assert.deepEqual(run(lengths, { minLength: 4, lengthUnit: 'words' }).kept, [1]);
    assert.deepEqual(run(lengths, { maxLength: 2, lengthUnit: 'words', lengthOf: 'prompt' }).kept, [0, 2]);
  });

  const mixed = [
    chat('q', 'a', { provenance: 'human', tags: ['math', 'easy'] }),
    chat('q', 'a', { teacher: 'gpt-4o', tags: ['code'] }),
    pair('q', 'c', 'r', { provenance: 'synthetic', teacher: { model: 'llama-3' }, tags: ['math'] }),
    { instruction: 'q', output: 'a' },
  ];

  it('keeps rows by kind, tag, teacher and provenance', () => {
    assert.deepEqual(run(mixed, { kind: 'chat' }), { kept: [0, 1], dropped: 2, droppedBy: { kind: 2 } });
    assert.deepEqual(run(mixed, { kind: 'alpaca' }).kept, [3]);
    assert.deepEqual(run(mixed, { tag: 'math' }), { kept: [0, 2], dropped: 2, droppedBy: { tag: 2 } });
    assert.deepEqual(run(mixed, { teacher: 'llama-3' }).kept, [2]);
    assert.deepEqual(run(mixed, { provenance: 'synthetic' }), { kept: [1, 2], dropped: 2, droppedBy: { provenance: 2 } });
    assert.deepEqual(run(mixed, { provenance: 'human' }).kept, [0]);
    // A dropped row is counted once, under the first filter (in a fixed order) that refused it.
    assert.deepEqual(run(mixed, { tag: 'math', kind: 'chat' }), { kept: [0], dropped: 3, droppedBy: { kind: 2, tag: 1 } });
    assert.deepEqual(run(mixed, { tag: 'math', provenance: 'synthetic', kind: 'preference' }), { kept: [2], dropped: 3, droppedBy: { kind: 3 } });
  });

  it('keeps everything when no filter is set', () => {
    assert.deepEqual(run(mixed, {}), { kept: [0, 1, 2, 3], dropped: 0, droppedBy: {} });
  });

  it('filters the Alpaca demo by answer words, agreeing with a count over its "output" fields', () => {
    const rows = JSON.parse(readFileSync(sharedDataFile('llamafactory-alpaca_en_demo.json'), 'utf8')) as { output: string }[];
    const expected = rows.filter((row) => row.output.split(/\s+/).filter(Boolean).length >= 100).length;
    const result = filterRows(rows as unknown as Row[], rowFacts, { minLength: 100, lengthUnit: 'words' });
    assert.ok(expected > 0 && expected < rows.length, 'the threshold splits the demo');
    assert.equal(result.kept.length, expected);
    assert.deepEqual(result.droppedBy, { length: rows.length - expected });
  });
});
