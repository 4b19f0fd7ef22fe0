import { strict as assert } from 'node:assert';
import { critiqueTarget, decodeWithOffsets, selectionSpan, type CritiqueTarget } from '../../../src/extension/critique/critiqueTarget';

function target(rowText: string): CritiqueTarget {
  const result = critiqueTarget(rowText);
  assert.ok(result.ok, result.ok ? '' : result.message);
  return result.target;
}

/** The columns of `text` in `row` (its first occurrence after `after`). */
function columnsOf(row: string, text: string, after = 0): [number, number] {
  const start = row.indexOf(text, after);
  assert.ok(start >= 0, `${text} is in the row`);
  return [start, start + text.length];
}

describe('critique target', () => {
  it('reads the prompt and the last assistant answer of a chat row, with the path of its text', () => {
    const row = JSON.stringify({ messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi?' }, { role: 'assistant', content: 'Hello there.' }] });
    const t = target(row);
    assert.equal(t.kind, 'chat');
    assert.equal(t.input.answer, 'Hello there.');
    assert.deepEqual(t.input.prompt.map((turn) => turn.role), ['system', 'user']);
    assert.deepEqual(t.answerPath, ['messages', 2, 'content']);
  });

  it('says why a row cannot be critiqued', () => {
    const fail = (text: string) => {
      const result = critiqueTarget(text);
      assert.ok(!result.ok);
      return result.message;
    };
    assert.match(fail('{"prompt":"Only a question"}'), /no answer to critique/);
    assert.match(fail('{"prompt":"p","chosen":"a","rejected":"b"}'), /cannot be critiqued/);
    assert.equal(fail('{"messages":'), 'the row is not valid JSON');
    assert.equal(fail('[1,2]'), 'the row is not a JSON object');
  });

  describe('a selection inside the answer', () => {
    it('maps to the same span of the answer text, across escapes before it', () => {
      const row = JSON.stringify({ instruction: 'Explain.', output: 'Line one\n"quoted" part, then the tail.' });
      const t = target(row);
      const [start, end] = columnsOf(row, 'part, then');
      const span = selectionSpan(row, t, start, end);
      assert.deepEqual(span, { kind: 'span', start: t.input.answer.indexOf('part, then'), end: t.input.answer.indexOf('part, then') + 'part, then'.length });
      if (span.kind === 'span') assert.equal(t.input.answer.slice(span.start, span.end), 'part, then');
    });

    it('takes a selection that covers escapes whole, and one up to the closing quote', () => {
      const row = JSON.stringify({ prompt: 'Q', completion: 'a\tb é end' }).replace('é', '\\u00e9');
      const t = target(row);
      assert.equal(t.input.answer, 'a\tb é end');
      const [start] = columnsOf(row, '\\t');
      const end = row.lastIndexOf('"');
      const span = selectionSpan(row, t, start, end);
      assert.ok(span.kind === 'span');
      assert.equal(t.input.answer.slice(span.start, span.end), '\tb é end');
    });

    it('cannot map a selection that cuts an escape sequence, and says so', () => {
      const row = JSON.stringify({ prompt: 'Q', completion: 'first\nsecond' });
      const t = target(row);
      const [escape] = columnsOf(row, '\\n');
      const span = selectionSpan(row, t, escape + 1, escape + 6);
      assert.equal(span.kind, 'unmappable');
      assert.match(span.kind === 'unmappable' ? span.message : '', /inside an escape sequence/);
    });

    it('refuses text selected outside the answer, and treats a selection across keys as the whole row', () => {
      const row = JSON.stringify({ messages: [{ role: 'user', content: 'What is two plus two?' }, { role: 'assistant', content: 'Four.' }] });
      const t = target(row);
      const [start, end] = columnsOf(row, 'two plus');
      const span = selectionSpan(row, t, start, end);
      assert.equal(span.kind, 'unmappable');
      assert.match(span.kind === 'unmappable' ? span.message : '', /not in the answer/);
      assert.deepEqual(selectionSpan(row, t, 0, row.length), { kind: 'row' });
      const [from] = columnsOf(row, 'plus');
      const [, to] = columnsOf(row, 'Four');
      assert.deepEqual(selectionSpan(row, t, from, to), { kind: 'row' }, 'from the prompt into the answer: not one string');
    });
  });

  it('decodes a JSON string with the decoded offset of every character boundary', () => {
    const { text, offsets } = decodeWithOffsets('a\\nb\\u00e9\\\\');
    assert.equal(text, 'a\nbé\\');
    assert.deepEqual([...offsets.entries()], [[0, 0], [1, 1], [3, 2], [4, 3], [10, 4], [12, 5]]);
  });
});
