import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { toConversationRow } from '../../../../src/core/dataset/conversation';
import { alpacaToMessages, messagesToShareGpt, shareGptToMessages, stripDistilleryMetadata, type ConvertResult } from '../../../../src/core/dataset/convert';
import { detectRowKind } from '../../../../src/core/dataset/rowKinds';
import { losslessShareGptPreferenceRow, losslessShareGptRow } from './arbitraries';
import { loadRows, requireData } from './realData';

function converted(result: ConvertResult): Record<string, unknown> {
  if (!result.ok) assert.fail(`${result.message} at ${JSON.stringify(result.path)}`);
  return result.value;
}

describe('row conversions', () => {
  describe('ShareGPT ⇄ messages', () => {
    it('renames keys in place, keeping extra keys of the row and of each message', () => {
      const row = { id: 7, conversations: [{ from: 'human', value: 'Hi', lang: 'en' }, { weight: 0, from: 'gpt', value: 'Hello' }], source: 'x' };
      const messages = converted(shareGptToMessages(row));
      assert.equal(
        JSON.stringify(messages),
        '{"id":7,"messages":[{"role":"user","content":"Hi","lang":"en"},{"weight":0,"role":"assistant","content":"Hello"}],"source":"x"}',
      );
      assert.deepStrictEqual(converted(messagesToShareGpt(messages)), row);
    });

    it('converts LLaMA-Factory preference rows to TRL prompt/chosen/rejected lists and back', () => {
      const row = { conversations: [{ from: 'system', value: 'S' }, { from: 'human', value: 'Q' }], chosen: { from: 'gpt', value: 'A' }, rejected: { from: 'gpt', value: 'B' } };
      const trl = converted(shareGptToMessages(row));
      assert.deepEqual(trl, {
        prompt: [{ role: 'system', content: 'S' }, { role: 'user', content: 'Q' }],
        chosen: [{ role: 'assistant', content: 'A' }],
        rejected: [{ role: 'assistant', content: 'B' }],
      });
      assert.equal(detectRowKind(trl), 'preference');
      assert.deepStrictEqual(converted(messagesToShareGpt(trl)), row);
    });

    it('refuses what would not come back unchanged, saying where', () => {
      const refusals: [ConvertResult, (string | number)[], RegExp][] = [
        [shareGptToMessages({ conversations: [{ from: 'human', value: 'x' }, { from: 'function_call', value: '{}' }] }), ['conversations', 1, 'from'], /function_call/],
        [shareGptToMessages({ conversations: [{ from: 'user', value: 'x' }] }), ['conversations', 0, 'from'], /"user"/],
        [shareGptToMessages({ conversations: [{ from: 'human', value: 'x', role: 'r' }] }), ['conversations', 0, 'role'], /already has a "role"/],
        [shareGptToMessages({ conversations: [], messages: [] }), ['messages'], /already has "messages"/],
        [shareGptToMessages({ messages: [] }), [], /no "conversations"/],
        [shareGptToMessages({ conversations: 'x' }), ['conversations'], /list of messages/],
        [messagesToShareGpt({ messages: [{ role: 'developer', content: 'x' }] }), ['messages', 0, 'role'], /developer/],
        [messagesToShareGpt({ prompt: [], chosen: [{ role: 'assistant', content: 'a' }, { role: 'assistant', content: 'b' }], rejected: [] }), ['chosen'], /one chosen message/],
        [messagesToShareGpt(null), [], /not a JSON object/],
      ];
      for (const [result, path, message] of refusals) {
        assert.equal(result.ok, false);
        if (!result.ok) {
          assert.deepEqual(result.path, path);
          assert.match(result.message, message);
        }
      }
    });

    it('ShareGPT → messages → ShareGPT gives the original row, extra keys kept (property)', () => {
      fc.assert(
        fc.property(fc.oneof(losslessShareGptRow, losslessShareGptPreferenceRow), (row) => {
          const messages = converted(shareGptToMessages(row));
          assert.deepStrictEqual(converted(messagesToShareGpt(messages)), row);
          assert.deepStrictEqual(Object.keys(messages).length, Object.keys(row).length);
        }),
        { numRuns: 300 },
      );
    });

    it('messages → ShareGPT → messages gives the original row (property)', () => {
      fc.assert(
        fc.property(losslessShareGptRow, (sharegpt) => {
          const row = converted(shareGptToMessages(sharegpt));
          assert.deepStrictEqual(converted(shareGptToMessages(converted(messagesToShareGpt(row)))), row);
        }),
        { numRuns: 200 },
      );
    });

    it('a converted row reads as the same conversation (property)', () => {
      fc.assert(
        fc.property(fc.oneof(losslessShareGptRow, losslessShareGptPreferenceRow), (row) => {
          const before = toConversationRow(row);
          const after = toConversationRow(converted(shareGptToMessages(row)));
          assert.equal(after.ok, before.ok);
          if (before.ok && after.ok) {
            const { kind: _k1, ...a } = before.row;
            const { kind: _k2, ...b } = after.row;
            assert.deepStrictEqual(b, a);
          }
        }),
        { numRuns: 200 },
      );
    });
  });

  describe('Alpaca → messages', () => {
    it('joins instruction and input with a newline as LLaMA-Factory does, leaving an empty input out', () => {
      assert.deepEqual(converted(alpacaToMessages({ id: 1, instruction: 'Translate.', input: 'cat', output: 'chat', tag: 'x' })), {
        id: 1,
        messages: [
          { role: 'user', content: 'Translate.\ncat' },
          { role: 'assistant', content: 'chat' },
        ],
        tag: 'x',
      });
      assert.deepEqual(converted(alpacaToMessages({ instruction: 'Hi.', input: '', output: 'Yo' })).messages, [
        { role: 'user', content: 'Hi.' },
        { role: 'assistant', content: 'Yo' },
      ]);
    });

    it('puts system first and history pairs before the instruction; a row without output becomes a prompt', () => {
      assert.deepEqual(converted(alpacaToMessages({ system: 'S', instruction: 'Q2', output: 'A2', history: [['Q1', 'A1']] })), {
        messages: [
          { role: 'system', content: 'S' },
          { role: 'user', content: 'Q1' },
          { role: 'assistant', content: 'A1' },
          { role: 'user', content: 'Q2' },
          { role: 'assistant', content: 'A2' },
        ],
      });
      const prompt = converted(alpacaToMessages({ instruction: 'Write.', input: '' }));
      assert.equal(detectRowKind(prompt), 'prompt-only');
    });

    it('refuses rows that are not Alpaca or cannot be read', () => {
      assert.equal(alpacaToMessages({ messages: [] }).ok, false);
      const bad = alpacaToMessages({ instruction: 'x', input: 4, output: 'y' });
      assert.equal(bad.ok, false);
      if (!bad.ok) assert.deepEqual(bad.path, ['input']);
    });

    describe('LLaMA-Factory alpaca demo (real data)', function () {
      before(requireData);
      it('converts all 999 rows to chat rows, the 587 empty inputs leaving the instruction alone', () => {
        const rows = loadRows('llamafactory-alpaca_en_demo.json') as { instruction: string; input: string; output: string }[];
        assert.equal(rows.length, 999);
        let emptyInputs = 0;
        for (const row of rows) {
          const out = converted(alpacaToMessages(row));
          assert.equal(detectRowKind(out), 'chat');
          const [user, assistant] = out.messages as { content: string }[];
          if (row.input === '') {
            emptyInputs++;
            assert.equal(user?.content, row.instruction);
          } else assert.equal(user?.content, `${row.instruction}\n${row.input}`);
          assert.equal(assistant?.content, row.output);
        }
        assert.equal(emptyInputs, 587);
      });
    });
  });

  it('strips the distillery metadata and nothing else', () => {
    const row = { messages: [], distillery: { teacher: 'm' }, id: 1 };
    assert.deepEqual(stripDistilleryMetadata(row), { messages: [], id: 1 });
    assert.deepEqual(Object.keys(row), ['messages', 'distillery', 'id']);
    const proto = JSON.parse('{"__proto__": 1, "distillery": 2}') as Record<string, unknown>;
    assert.deepStrictEqual(stripDistilleryMetadata(proto), JSON.parse('{"__proto__": 1}'));
  });
});
