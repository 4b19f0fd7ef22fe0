import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { finalAnswerText, toConversationRow, withAnswers, type AnswerUpdate, type WriteResult } from '../../../../src/core/dataset/conversation';
import { detectRowKind, type RowKind } from '../../../../src/core/dataset/rowKinds';
import { answeredRow } from './arbitraries';
import { EXAMPLES } from './examples';

const example = (name: string) => {
  const found = EXAMPLES.find((e) => e.name === name);
  if (!found) throw new Error(`no example ${name}`);
  return found.row;
};

function written(result: WriteResult): Record<string, unknown> {
  if (!result.ok) assert.fail(result.message);
  return result.value;
}

function write(row: Record<string, unknown>, update: AnswerUpdate, kind: RowKind = detectRowKind(row)): Record<string, unknown> {
  return written(withAnswers(row, kind, update));
}

describe('writing answers back into rows (withAnswers)', () => {
  it('replaces a chat answer in place: other keys, their order and the message’s extra keys stay', () => {
    const row = example('chat (OpenAI SFT)');
    const before = JSON.stringify(row);
    const out = write(row, { completion: 'Paris, France.' });
    assert.equal(JSON.stringify(row), before, 'the original is not modified');
    assert.equal(
      JSON.stringify(out),
      '{"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Capital of France?"},{"role":"assistant","content":"Paris, France.","weight":1}],"id":"a1"}',
    );
  });

  it('revises only the final assistant text of an answer with tool calls', () => {
    const row = example('ShareGPT with function calls (LLaMA-Factory)');
    const out = write(row, { completion: 'Thirty-four.' });
    const conversations = out.conversations as { from: string; value: string }[];
    assert.deepEqual(conversations.map((m) => m.from), ['human', 'function_call', 'observation', 'gpt']);
    assert.equal(conversations[3]?.value, 'Thirty-four.');
    assert.equal(out.tools, row.tools);
  });

  it('replaces a whole answer given as turns, and rebuilds messages when the roles change', () => {
    const row = example('chat (OpenAI SFT)');
    const out = write(row, {
      completion: [
        { role: 'assistant', content: 'Let me check.' },
        { role: 'assistant', content: 'Paris.' },
      ],
    });
    assert.deepEqual((out.messages as unknown[]).slice(2), [
      { role: 'assistant', content: 'Let me check.' },
      { role: 'assistant', content: 'Paris.' },
    ]);
  });

  it('writes the chosen and rejected answers of each preference form in their own shape', () => {
    const trl = write(example('preference (TRL, text)'), { chosen: ' azure.' });
    assert.deepEqual(trl, { prompt: 'The sky is', chosen: ' azure.', rejected: ' green.' });

    const implicit = write(example('implicit-prompt preference (text)'), { rejected: ' red.' });
    assert.deepEqual(implicit, { chosen: 'The sky is blue.', rejected: 'The sky is red.' });

    const transcript = write(example('implicit-prompt preference (Anthropic transcripts)'), { chosen: 'Roses are red.' });
    assert.equal(transcript.chosen, '\n\nHuman: Can you help me?\n\nAssistant: Sure, with what?\n\nHuman: A poem.\n\nAssistant: Roses are red.');

    const dpo = write(example('OpenAI DPO'), { chosen: 'Cold.', rejected: 'Hot.' });
    assert.deepEqual([dpo.preferred_output, dpo.non_preferred_output, Object.keys(dpo)], [
      [{ role: 'assistant', content: 'Cold.' }],
      [{ role: 'assistant', content: 'Hot.' }],
      ['input', 'preferred_output', 'non_preferred_output'],
    ]);

    const sharegpt = write(example('ShareGPT preference (LLaMA-Factory)'), { rejected: 'Eight.' });
    assert.deepEqual(sharegpt.rejected, { from: 'gpt', value: 'Eight.' });

    const lists = write(example('implicit-prompt preference (messages)'), { chosen: 'Blue.' });
    assert.deepEqual(lists.chosen, [
      { role: 'user', content: 'What color is the sky?' },
      { role: 'assistant', content: 'Blue.' },
    ]);
  });

  it('gives a prompt-only row its first answer in the row’s own format', () => {
    const chat = write(example('chat ending on a user turn'), { completion: 'Why did the chicken…' });
    assert.deepEqual((chat.messages as unknown[]).at(-1), { role: 'assistant', content: 'Why did the chicken…' });
    assert.equal(detectRowKind(chat), 'chat');

    const sharegpt = write(example('ShareGPT ending on a human turn'), { completion: 'Hello' });
    assert.deepEqual((sharegpt.conversations as unknown[]).at(-1), { from: 'gpt', value: 'Hello' });

    const text = write(example('prompt-only (text)'), { completion: ' blue.' });
    assert.deepEqual([text, detectRowKind(text)], [{ prompt: 'The sky is', completion: ' blue.' }, 'prompt-completion']);

    const list = write(example('prompt-only (messages)'), { completion: 'Blue.' });
    assert.deepEqual(list.completion, [{ role: 'assistant', content: 'Blue.' }]);

    const alpaca = write(example('Alpaca without output'), { completion: 'Old pond…' });
    assert.deepEqual([alpaca, detectRowKind(alpaca)], [{ instruction: 'Write a haiku.', input: '', output: 'Old pond…' }, 'alpaca']);
  });

  it('writes into the single-answer fields of Alpaca, self-instruct and KTO rows', () => {
    assert.equal(write(example('Alpaca'), { completion: 'le chat' }).output, 'le chat');
    const seed = write(example('self-instruct seed task'), { completion: 'Antonyms.' });
    assert.deepEqual(seed.instances, [{ input: 'Night : Day :: Right : Left', output: 'Antonyms.' }]);
    const kto = write(example('unpaired preference (messages + label, LLaMA-Factory KTO)'), { completion: 'Hello!' });
    assert.deepEqual(kto, { messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello!' }], label: false });
  });

  it('keeps the distillery metadata and every unknown key', () => {
    const row: Record<string, unknown> = { zeta: 1, ...example('row with Distillery metadata'), alpha: [2] };
    const out = write(row, { completion: 'Hi!' });
    assert.deepEqual(Object.keys(out), ['zeta', 'messages', 'distillery', 'alpha']);
    assert.equal(out.distillery, row.distillery);
  });

  it('refuses answers that the row has no place for, or that do not fit', () => {
    const refusals: [Record<string, unknown>, AnswerUpdate, RegExp][] = [
      [example('chat (OpenAI SFT)'), { chosen: 'x' }, /no place for a chosen answer/],
      [example('MT-bench question'), { completion: 'x' }, /no place for an answer/],
      [example('Alpaca'), { completion: [{ role: 'assistant', content: 'a' }, { role: 'assistant', content: 'b' }] }, /single assistant turn/],
      [example('ShareGPT preference (LLaMA-Factory)'), { chosen: [{ role: 'user', content: 'a' }] }, /single assistant turn/],
      [example('implicit-prompt preference (Anthropic transcripts)'), { chosen: [{ role: 'tool', content: 'a' }] }, /only Human and Assistant/],
      [{ messages: [{ role: 'bot', content: 'x' }] }, { completion: 'x' }, /cannot read the row as prompt only: unknown role "bot"/],
    ];
    for (const [row, update, message] of refusals) {
      const result = withAnswers(row, detectRowKind(row), update);
      assert.equal(result.ok, false);
      if (!result.ok) assert.match(result.message, message);
    }
  });

  it('toConversationRow then write-back with the same answers gives a deep-equal row (property)', () => {
    fc.assert(
      fc.property(answeredRow, ({ kind, row }) => {
        assert.equal(detectRowKind(row), kind);
        const read = toConversationRow(row);
        if (!read.ok) assert.fail(JSON.stringify(read.issues));
        const { completion, chosen, rejected } = read.row;
        const turns = written(withAnswers(row, kind, { ...(completion && { completion }), ...(chosen && { chosen }), ...(rejected && { rejected }) }));
        assert.deepStrictEqual(turns, row);
        // The same final answer text, given as a string, changes nothing either.
        for (const [key, answer] of [['completion', completion], ['chosen', chosen], ['rejected', rejected]] as const) {
          const textAnswer = finalAnswerText(answer);
          if (textAnswer === undefined) continue;
          assert.deepStrictEqual(written(withAnswers(row, kind, { [key]: textAnswer })), row);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a written answer reads back as the new final answer, the prompt and other keys unchanged (property)', () => {
    const newText = fc.string({ unit: fc.constantFrom('x', 'y', ' ', '’', '😀'), maxLength: 8 });
    fc.assert(
      fc.property(answeredRow, newText, ({ kind, row }, replacement) => {
        fc.pre(kind !== 'implicit-preference'); // an implicit prompt moves when an answer changes
        const read = toConversationRow(row);
        if (!read.ok) assert.fail(JSON.stringify(read.issues));
        const key = read.row.chosen ? 'chosen' : 'completion';
        const out = written(withAnswers(row, kind, { [key]: replacement }));
        const again = toConversationRow(out);
        if (!again.ok) assert.fail(JSON.stringify(again.issues));
        assert.equal(finalAnswerText(again.row[key]), replacement);
        assert.deepStrictEqual(again.row.prompt, read.row.prompt);
        assert.deepStrictEqual(Object.keys(out), Object.keys(row));
        for (const k of Object.keys(row)) if (!['messages', 'conversations', 'completion', 'chosen', 'output', 'instances', 'preferred_output'].includes(k)) assert.deepStrictEqual(out[k], row[k]);
      }),
      { numRuns: 300 },
    );
  });
});
