import { strict as assert } from 'node:assert';
import { toConversationRow, type ConversationRow } from '../../../../src/core/dataset/conversation';
import { detectRowKind, dominantKind, rowContainer } from '../../../../src/core/dataset/rowKinds';
import { EXAMPLES } from './examples';

function rowOf(value: unknown): ConversationRow {
  const read = toConversationRow(value);
  if (!read.ok) assert.fail(`not read: ${JSON.stringify(read.issues)}`);
  return read.row;
}

const example = (name: string) => {
  const found = EXAMPLES.find((e) => e.name === name);
  if (!found) throw new Error(`no example ${name}`);
  return found.row;
};

describe('row kinds', () => {
  describe('detectRowKind', () => {
    for (const { name, kind, row } of EXAMPLES) {
      it(`${name} → ${kind}`, () => {
        assert.equal(detectRowKind(row), kind);
        assert.equal(toConversationRow(row).ok, true, JSON.stringify(toConversationRow(row).issues));
      });
    }

    it('is unknown for values that are not rows or have no known shape', () => {
      for (const value of [null, 42, 'text', [], [{ messages: [] }], {}, { text: 'pretraining text' }, { turns: ['q'] }]) {
        assert.equal(detectRowKind(value), 'unknown', JSON.stringify(value));
      }
    });

    it('keeps the intended kind of rows with wrong field types, so validation can say what is wrong', () => {
      assert.equal(detectRowKind({ chosen: 3, rejected: 'x' }), 'implicit-preference');
      assert.equal(detectRowKind({ messages: 'hello' }), 'chat');
      assert.equal(detectRowKind({ messages: [] }), 'chat');
      assert.equal(detectRowKind({ messages: [{ role: 'user', content: 'x' }], label: 'yes' }), 'unpaired-preference');
      assert.equal(detectRowKind({ input: { messages: [] }, preferred_output: [] }), 'openai-dpo');
    });

    it('tells prompt-only rows apart by the last turn, and names their container', () => {
      assert.equal(detectRowKind({ messages: [{ role: 'user', content: 'x' }, { role: 'assistant', content: 'y' }, { role: 'tool', content: 'z' }] }), 'prompt-only');
      assert.equal(detectRowKind({ messages: [{ role: 'developer', content: 'x' }, { role: 'user', content: 'y' }] }), 'prompt-only');
      assert.deepEqual(
        EXAMPLES.filter((e) => e.kind === 'prompt-only').map((e) => rowContainer(e.row)),
        ['messages', 'instruction', 'conversations', 'prompt', 'prompt'],
      );
    });
  });

  describe('dominantKind', () => {
    it('counts kinds in order of first appearance and picks the most frequent known kind', () => {
      const summary = dominantKind(['unknown', 'unknown', 'unknown', 'chat', 'prompt-only', 'chat']);
      assert.deepEqual(summary, { kind: 'chat', counts: { unknown: 3, chat: 2, 'prompt-only': 1 }, total: 6, mixed: true });
    });

    it('breaks ties by the kind seen first, and is unknown for an empty or unrecognised file', () => {
      assert.equal(dominantKind(['alpaca', 'sharegpt', 'sharegpt', 'alpaca']).kind, 'alpaca');
      assert.deepEqual(dominantKind([]), { kind: 'unknown', counts: {}, total: 0, mixed: false });
      assert.equal(dominantKind(['unknown']).kind, 'unknown');
      assert.equal(dominantKind(['mt-bench', 'mt-bench']).mixed, false);
    });
  });

  describe('toConversationRow', () => {
    it('reads a chat row: prompt up to the last user turn, the answer after it, extra keys ignored', () => {
      assert.deepEqual(rowOf(example('chat (OpenAI SFT)')), {
        kind: 'chat',
        conversational: true,
        prompt: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Capital of France?' },
        ],
        completion: [{ role: 'assistant', content: 'Paris.' }],
      });
    });

    it('keeps tool calls in the answer, and reads content parts and names', () => {
      const row = rowOf({
        messages: [
          { role: 'user', content: [{ type: 'text', text: 'Weather' }, { type: 'text', text: 'in Oslo?' }], name: 'ann' },
          { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'weather', arguments: '{}' } }] },
          { role: 'tool', tool_call_id: 'c1', content: '3°C' },
          { role: 'assistant', content: 'It is 3°C.' },
        ],
      });
      assert.deepEqual(row.prompt, [{ role: 'user', content: 'Weather\nin Oslo?', name: 'ann' }]);
      assert.deepEqual(
        row.completion?.map((t) => [t.role, t.content]),
        [
          ['assistant', ''],
          ['tool', '3°C'],
          ['assistant', 'It is 3°C.'],
        ],
      );
    });

    it('reads Alpaca as LLaMA-Factory does: system, history pairs, instruction and input joined by a newline', () => {
      assert.deepEqual(rowOf(example('Alpaca')).prompt, [{ role: 'user', content: 'Translate to French.\ncat' }]);
      assert.deepEqual(rowOf(example('Alpaca with system and history (LLaMA-Factory)')), {
        kind: 'alpaca',
        conversational: true,
        prompt: [
          { role: 'system', content: 'You translate.' },
          { role: 'user', content: 'cat in French?' },
          { role: 'assistant', content: 'chat' },
          { role: 'user', content: 'And in German?' },
        ],
        completion: [{ role: 'assistant', content: 'Katze' }],
      });
    });

    it('maps ShareGPT from values, LLaMA-Factory function calls and observations included', () => {
      const row = rowOf(example('ShareGPT with function calls (LLaMA-Factory)'));
      assert.deepEqual(row.prompt.map((t) => t.role), ['user']);
      assert.deepEqual(row.completion?.map((t) => t.role), ['assistant', 'tool', 'assistant']);
      assert.deepEqual(rowOf(example('ShareGPT')).prompt.map((t) => t.role), ['system', 'user']);
    });

    it('reads standard (text) rows as non-conversational, one user and one assistant turn', () => {
      assert.deepEqual(rowOf(example('prompt/completion (text)')), {
        kind: 'prompt-completion',
        conversational: false,
        prompt: [{ role: 'user', content: 'The sky is' }],
        completion: [{ role: 'assistant', content: ' blue.' }],
      });
      assert.equal(rowOf(example('prompt/completion (messages)')).conversational, true);
    });

    it('reads paired preference rows in all four forms with their shared prompt', () => {
      const expected = { prompt: 'What color is the sky?', chosen: 'It is blue.', rejected: 'It is green.' };
      for (const name of ['preference (TRL, messages)', 'implicit-prompt preference (messages)']) {
        const row = rowOf(example(name));
        assert.deepEqual(
          { prompt: row.prompt[0]?.content, chosen: row.chosen?.[0]?.content, rejected: row.rejected?.[0]?.content, turns: row.prompt.length },
          { ...expected, turns: 1 },
        );
      }
      assert.deepEqual(rowOf(example('OpenAI DPO')).chosen, [{ role: 'assistant', content: 'Today in San Francisco, it is not quite cold as expected.' }]);
      const sharegpt = rowOf(example('ShareGPT preference (LLaMA-Factory)'));
      assert.deepEqual([sharegpt.prompt, sharegpt.chosen, sharegpt.rejected], [
        [{ role: 'user', content: 'Pick a number.' }],
        [{ role: 'assistant', content: 'Seven.' }],
        [{ role: 'assistant', content: 'No.' }],
      ]);
      assert.deepEqual(rowOf(example('preference (LLaMA-Factory Alpaca-style ranking)')).prompt, [{ role: 'user', content: 'Name a colour.' }]);
    });

    it("extracts a text implicit prompt as TRL does, leaving the space to the answers", () => {
      const row = rowOf(example('implicit-prompt preference (text)'));
      assert.deepEqual([row.prompt, row.chosen, row.rejected, row.conversational], [
        [{ role: 'user', content: 'The sky is' }],
        [{ role: 'assistant', content: ' blue.' }],
        [{ role: 'assistant', content: ' green.' }],
        false,
      ]);
      // No common prefix: no prompt. Identical texts: no prompt, both answers whole.
      assert.deepEqual(rowOf({ chosen: 'Yes', rejected: 'No' }).prompt, []);
      assert.deepEqual(rowOf({ chosen: 'Same', rejected: 'Same' }).chosen, [{ role: 'assistant', content: 'Same' }]);
      // A surrogate pair is never split.
      const emoji = rowOf({ chosen: 'x \u{1F600}', rejected: 'x \u{1F601}' });
      assert.equal(emoji.prompt[0]?.content, 'x');
    });

    it('parses transcripts into turns, the prompt being the shared turns', () => {
      const row = rowOf(example('implicit-prompt preference (Anthropic transcripts)'));
      assert.deepEqual(row.prompt.map((t) => [t.role, t.content]), [
        ['user', 'Can you help me?'],
        ['assistant', 'Sure, with what?'],
        ['user', 'A poem.'],
      ]);
      assert.deepEqual(row.chosen, [{ role: 'assistant', content: 'Here is one.' }]);
      assert.deepEqual(row.rejected, [{ role: 'assistant', content: 'No.' }]);
    });

    it('reads a transcript prompt that ends on an empty Assistant cue (rm-static style) without the cue', () => {
      const row = rowOf({ prompt: '\n\nHuman: Hi there\n\nAssistant:', chosen: ' Hello!', rejected: ' Go away.' });
      assert.deepEqual(row.prompt, [{ role: 'user', content: 'Hi there' }]);
      assert.equal(row.conversational, true);
    });

    it('reads KTO rows with their label', () => {
      const row = rowOf(example('unpaired preference (messages + label, LLaMA-Factory KTO)'));
      assert.deepEqual([row.label, row.completion], [false, [{ role: 'assistant', content: 'Go away.' }]]);
      assert.equal(rowOf(example('unpaired preference (TRL KTO, text)')).label, true);
    });

    it('reads prompt-only rows without an answer', () => {
      const row = rowOf(example('chat ending on a user turn'));
      assert.equal(row.prompt.length, 3);
      assert.equal(row.completion, undefined);
      assert.deepEqual(rowOf(example('Alpaca without output')).prompt, [{ role: 'user', content: 'Write a haiku.' }]);
    });

    it('reads a self-instruct seed as instruction + first instance → output', () => {
      const row = rowOf(example('self-instruct seed task'));
      assert.deepEqual([row.prompt, row.completion], [
        [{ role: 'user', content: 'What is the relation between the given pairs?\nNight : Day :: Right : Left' }],
        [{ role: 'assistant', content: 'They are opposites.' }],
      ]);
    });

    it('reads an MT-bench question: first turn as the prompt, later ones apart, references kept', () => {
      assert.deepEqual(rowOf(example('MT-bench question')), {
        kind: 'mt-bench',
        conversational: true,
        prompt: [{ role: 'user', content: 'Who is second?' }],
        extraUserTurns: ['And if last?'],
        reference: ['You are second.', 'Uncertain.'],
      });
    });

    it('passes the distillery metadata through untouched', () => {
      const value = example('row with Distillery metadata');
      assert.equal(rowOf(value).metadata, value.distillery);
    });

    it('fails with located problems on rows it cannot read', () => {
      const cases: [unknown, string, (string | number)[]][] = [
        [[1], 'not-an-object', []],
        [{ foo: 1 }, 'unknown-format', []],
        [{ messages: [{ role: 'bot', content: 'x' }] }, 'unknown-role', ['messages', 0, 'role']],
        [{ messages: [{ role: 'user', content: 5 }] }, 'invalid-type', ['messages', 0, 'content']],
        [{ messages: [{ content: 'x' }] }, 'missing-field', ['messages', 0]],
        [{ conversations: [{ from: 'human', value: null }] }, 'invalid-type', ['conversations', 0, 'value']],
        [{ prompt: 'x', chosen: 'y' }, 'missing-field', []],
        [{ chosen: 'x', rejected: [] }, 'invalid-type', ['rejected']],
        [{ messages: [{ role: 'user', content: 'x' }], label: 'good' }, 'invalid-type', ['label']],
        [{ instruction: 'x', input: 3, output: 'y' }, 'invalid-type', ['input']],
        [{ instruction: 'x', instances: [] }, 'invalid-type', ['instances']],
        [{ question_id: 1, turns: [1] }, 'invalid-type', ['turns']],
        [{ input: 'x', preferred_output: [], non_preferred_output: [] }, 'invalid-type', ['input']],
      ];
      for (const [value, code, path] of cases) {
        const read = toConversationRow(value);
        assert.equal(read.ok, false, JSON.stringify(value));
        assert.deepEqual(read.issues.map((i) => [i.code, i.path]), [[code, path]], JSON.stringify(value));
      }
    });
  });
});
