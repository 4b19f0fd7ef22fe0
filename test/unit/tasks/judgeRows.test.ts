import { strict as assert } from 'node:assert';
import { InputError } from '../../../src/core/errors/located';
import { judgeInputOf, judgedRow } from '../../../src/core/tasks/judgeRows';
import type { PairVerdict } from '../../../src/core/tasks/judgeTypes';

const VERDICT: PairVerdict = {
  winner: 'A',
  positionConsistent: true,
  agreement: 1,
  pA: 0.8,
  selfPreference: [],
  lengthDifference: 3,
  judges: [{ profile: 'j', model: 'm' }],
  criteria: { kind: 'default' },
  samples: [],
  time: '2026-01-01T00:00:00.000Z',
};

describe('judge rows', () => {
  it('a preference row: chosen is A, rejected is B, in each of its forms', () => {
    const plain = judgeInputOf({ prompt: 'Name a fruit.', chosen: 'Apple.', rejected: 'Rock.' });
    assert.equal(plain.source, 'preference');
    assert.deepEqual(plain.input, { prompt: [{ role: 'user', content: 'Name a fruit.' }], a: 'Apple.', b: 'Rock.' });

    const chat = judgeInputOf({
      prompt: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi?' }],
      chosen: [{ role: 'assistant', content: 'Hello.' }],
      rejected: [{ role: 'assistant', content: 'Go away.' }],
    });
    assert.deepEqual([chat.input.prompt.length, chat.input.a, chat.input.b], [2, 'Hello.', 'Go away.']);

    const dpo = judgeInputOf({
      input: { messages: [{ role: 'user', content: 'Hi?' }] },
      preferred_output: [{ role: 'assistant', content: 'Hello.' }],
      non_preferred_output: [{ role: 'assistant', content: 'No.' }],
    });
    assert.deepEqual([dpo.input.a, dpo.input.b], ['Hello.', 'No.']);
  });

  it('authors: the teacher wrote both answers, or only the chosen one of a critique pair', () => {
    const synthetic = judgeInputOf({ prompt: 'p', chosen: 'c', rejected: 'r', distillery: { teacher: { profile: 't', model: 'gpt-x' } } });
    assert.deepEqual(synthetic.input.authors, { a: 'gpt-x', b: 'gpt-x' });
    const critiqued = judgeInputOf({ prompt: 'p', chosen: 'c', rejected: 'r', distillery: { teacher: { profile: 't', model: 'gpt-x' }, critique: { rounds: [] } } });
    assert.deepEqual(critiqued.input.authors, { a: 'gpt-x' });
    assert.equal(judgeInputOf({ prompt: 'p', chosen: 'c', rejected: 'r' }).input.authors, undefined);
  });

  it('a candidates row: its two candidates, with their teachers as authors', () => {
    const row = {
      messages: [{ role: 'user', content: 'Name a tree.' }],
      distillery: { candidates: [{ teacher: { profile: 'a', model: 'm-a' }, content: 'Oak.' }, { teacher: { profile: 'b', model: 'm-b' }, content: 'Elm.' }] },
    };
    const read = judgeInputOf(row);
    assert.equal(read.source, 'candidates');
    assert.deepEqual(read.input, { prompt: [{ role: 'user', content: 'Name a tree.' }], a: 'Oak.', b: 'Elm.', authors: { a: 'm-a', b: 'm-b' } });
  });

  it('rows without a pair are refused, naming the field', () => {
    const three = { messages: [{ role: 'user', content: 'q' }], distillery: { candidates: [{ content: 'a' }, { content: 'b' }, { content: 'c' }] } };
    const cases: Array<[unknown, RegExp]> = [
      [three, /^distillery\.candidates: pairwise judging takes exactly 2 candidates, this row has 3$/],
      [{ messages: [{ role: 'user', content: 'q' }], distillery: { candidates: [{ content: 'a' }, { content: 4 }] } }, /^distillery\.candidates\[1\]\.content: not a string$/],
      [{ messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: 'a' }] }, /^a chat \(messages\) row has no pair to judge/],
      [{ nothing: true }, /^the row cannot be read/],
    ];
    for (const [row, message] of cases) {
      assert.throws(() => judgeInputOf(row), (error: unknown) => error instanceof InputError && message.test(error.message), JSON.stringify(row));
    }
  });

  it('the judged row keeps everything, a human label included, and drops the old source key', () => {
    const row = { prompt: 'p', chosen: 'c', rejected: 'r', distillery: { human: { winner: 'B', by: 'ana', time: 't' }, source: { key: 'old' }, judgement: { winner: 'tie' } } };
    const judged = judgedRow(row, VERDICT);
    assert.deepEqual(Object.keys(judged), ['prompt', 'chosen', 'rejected', 'distillery']);
    assert.deepEqual(judged.distillery, { human: { winner: 'B', by: 'ana', time: 't' }, judgement: VERDICT });
  });
});
