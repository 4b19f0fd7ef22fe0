import { strict as assert } from 'node:assert';
import { detectRowKind } from '../../../../src/core/dataset/rowKinds';
import { rowFixes, validateRow, type RowIssue } from '../../../../src/core/dataset/validateRow';
import { EXAMPLES } from './examples';

const brief = (issues: readonly RowIssue[]) => issues.map((i) => [i.code, i.severity, i.path]);

describe('validateRow', () => {
  it('finds nothing wrong with the well-formed examples of every kind', () => {
    for (const { name, row, kind } of EXAMPLES) {
      assert.deepEqual(validateRow(row), [], name);
      assert.deepEqual(validateRow(row, kind), [], name);
    }
  });

  it('reports rows that are not objects, and rows of no known format (quietly in a file of no known format)', () => {
    assert.deepEqual(brief(validateRow(42)), [['not-an-object', 'error', []]]);
    assert.deepEqual(brief(validateRow({ text: 'x' })), [['unknown-format', 'information', []]]);
    assert.deepEqual(brief(validateRow({ text: 'x' }, 'unknown')), [['unknown-format', 'information', []]]);
    assert.deepEqual(brief(validateRow({ text: 'x' }, 'chat')), [['unknown-format', 'warning', []]]);
  });

  it('missing-assistant: a conversation without its answer where the file expects one', () => {
    const promptOnly = { messages: [{ role: 'system', content: 'S' }, { role: 'user', content: 'Q' }] };
    assert.deepEqual(validateRow(promptOnly), [], 'a prompt-only row is fine on its own');
    assert.deepEqual(brief(validateRow(promptOnly, 'chat')), [['missing-assistant', 'error', ['messages']]]);
    assert.deepEqual(brief(validateRow({ conversations: [{ from: 'human', value: 'Q' }] }, 'sharegpt')), [['missing-assistant', 'error', ['conversations']]]);
    assert.deepEqual(brief(validateRow({ instruction: 'Q', input: '' }, 'alpaca')), [['missing-assistant', 'error', []]]);
    assert.deepEqual(brief(validateRow({ prompt: 'Q' }, 'prompt-completion')), [['missing-assistant', 'error', ['prompt']]]);
    // Answers of preference and KTO rows without an assistant turn.
    assert.deepEqual(
      brief(validateRow({ prompt: [{ role: 'user', content: 'Q' }], chosen: [{ role: 'user', content: 'A' }], rejected: [{ role: 'assistant', content: 'B' }] })),
      [
        ['roles-out-of-order', 'warning', ['chosen', 0, 'role']],
        ['missing-assistant', 'error', ['chosen']],
      ],
    );
    assert.deepEqual(brief(validateRow({ messages: [{ role: 'user', content: 'Q' }], label: true })), [['missing-assistant', 'error', ['messages']]]);
    assert.deepEqual(brief(validateRow({ messages: [] })), [['missing-assistant', 'error', ['messages']]]);
  });

  it('empty-content: empty or blank turns, located at their content, except tool-call turns', () => {
    const row = {
      messages: [
        { role: 'system', content: '' },
        { role: 'user', content: '  \n' },
        { role: 'assistant', content: null, tool_calls: [{ id: '1' }] },
        { role: 'tool', content: 'ok' },
        { role: 'assistant', content: '', tool_calls: [{ id: '2' }] },
        { role: 'tool', content: 'ok' },
        { role: 'assistant', content: '' },
      ],
    };
    assert.deepEqual(brief(validateRow(row)), [
      ['empty-content', 'warning', ['messages', 0, 'content']],
      ['empty-content', 'warning', ['messages', 1, 'content']],
      ['empty-content', 'warning', ['messages', 6, 'content']],
    ]);
    assert.deepEqual(brief(validateRow({ instruction: 'Q', input: '', output: '' })), [['empty-content', 'warning', ['output']]]);
    assert.deepEqual(brief(validateRow({ conversations: [{ from: 'human', value: '' }, { from: 'gpt', value: 'A' }] })), [['empty-content', 'warning', ['conversations', 0, 'value']]]);
    assert.deepEqual(brief(validateRow({ chosen: '\n\nHuman: Q\n\nAssistant: ', rejected: '\n\nHuman: Q\n\nAssistant: B' })), [['empty-content', 'warning', ['chosen']]]);
    assert.deepEqual(brief(validateRow({ question_id: 1, category: 'c', turns: ['Q', ''] })), [['empty-content', 'warning', ['turns', 1]]]);
  });

  it('roles-out-of-order: late system turns, repeated roles, a start that is not the user, stray tool turns', () => {
    const row = {
      messages: [
        { role: 'assistant', content: 'Hi, I am a bot.' },
        { role: 'user', content: 'Q' },
        { role: 'user', content: 'Q again' },
        { role: 'system', content: 'S' },
        { role: 'tool', content: 'T' },
        { role: 'assistant', content: 'A' },
        { role: 'assistant', content: 'A again' },
      ],
    };
    const issues = validateRow(row);
    assert.deepEqual(brief(issues), [
      ['roles-out-of-order', 'warning', ['messages', 0, 'role']],
      ['roles-out-of-order', 'warning', ['messages', 2, 'role']],
      ['roles-out-of-order', 'warning', ['messages', 3, 'role']],
      ['roles-out-of-order', 'warning', ['messages', 4, 'role']],
      ['roles-out-of-order', 'warning', ['messages', 6, 'role']],
    ]);
    assert.deepEqual(issues.map((i) => i.message), [
      'turn 1: the conversation starts with an assistant turn, not a user turn',
      'turn 3: two user turns in a row',
      'turn 4: a system turn after the conversation started',
      'turn 5: a tool turn that does not follow an assistant turn',
      'turn 7: two assistant turns in a row',
    ]);
    // Several system turns first, and tool results after tool calls, are in order.
    assert.deepEqual(
      validateRow({
        messages: [
          { role: 'system', content: 'S1' },
          { role: 'developer', content: 'S2' },
          { role: 'user', content: 'Q' },
          { role: 'assistant', content: null, tool_calls: [{ id: 'a' }, { id: 'b' }] },
          { role: 'tool', content: 'a' },
          { role: 'tool', content: 'b' },
          { role: 'assistant', content: 'A' },
        ],
      }),
      [],
    );
  });

  it('reports a problem of the shared prompt once, not once per answer', () => {
    const prompt = [
      { role: 'user', content: 'Q' },
      { role: 'user', content: 'Q' },
    ];
    const issues = validateRow({ prompt, chosen: [{ role: 'assistant', content: 'A' }], rejected: [{ role: 'assistant', content: 'B' }] });
    assert.deepEqual(brief(issues), [['roles-out-of-order', 'warning', ['prompt', 1, 'role']]]);
  });

  it('unknown-role: a role or from value that cannot be read, at its path', () => {
    assert.deepEqual(brief(validateRow({ messages: [{ role: 'user', content: 'Q' }, { role: 'bot', content: 'A' }] })), [['unknown-role', 'error', ['messages', 1, 'role']]]);
    const issues = validateRow({ conversations: [{ from: 'human', value: 'Q' }, { from: 'bing', value: 'A' }] });
    assert.deepEqual(brief(issues), [['unknown-role', 'error', ['conversations', 1, 'from']]]);
    assert.match(issues[0]?.message ?? '', /unknown from "bing": expected human, gpt, system, function_call or observation/);
  });

  it('chosen-equals-rejected: identical answers in every preference form', () => {
    const same = [
      { prompt: 'Q', chosen: 'A', rejected: 'A' },
      { chosen: 'A', rejected: 'A' },
      { chosen: '\n\nHuman: Q\n\nAssistant: A', rejected: '\n\nHuman: Q\n\nAssistant: A' },
      { input: { messages: [{ role: 'user', content: 'Q' }] }, preferred_output: [{ role: 'assistant', content: 'A' }], non_preferred_output: [{ role: 'assistant', content: 'A' }] },
      { conversations: [{ from: 'human', value: 'Q' }], chosen: { from: 'gpt', value: 'A' }, rejected: { from: 'gpt', value: 'A' } },
    ];
    const paths = [['rejected'], ['rejected'], ['rejected'], ['non_preferred_output'], ['rejected']];
    same.forEach((row, i) => assert.deepEqual(brief(validateRow(row)), [['chosen-equals-rejected', 'warning', paths[i]]], JSON.stringify(row)));
    assert.deepEqual(validateRow({ prompt: 'Q', chosen: 'A', rejected: 'A ' }), []);
  });

  it('kind-mismatch: a row whose kind differs from the file’s', () => {
    const sharegpt = { conversations: [{ from: 'human', value: 'Q' }, { from: 'gpt', value: 'A' }] };
    const issues = validateRow(sharegpt, 'chat');
    assert.deepEqual(brief(issues), [['kind-mismatch', 'warning', []]]);
    assert.equal(issues[0]?.message, 'row is ShareGPT, but the file is chat (messages)');
    assert.deepEqual(brief(validateRow({ prompt: 'Q', completion: 'A' }, 'prompt-only')), [['kind-mismatch', 'warning', []]]);
  });

  it('reports type errors by path and stops there', () => {
    assert.deepEqual(brief(validateRow({ messages: [{ role: 'user', content: '' }, { role: 'assistant', content: 3 }] })), [['invalid-type', 'error', ['messages', 1, 'content']]]);
    assert.deepEqual(brief(validateRow({ chosen: 'A' })), [['missing-field', 'error', []]]);
  });

  it('notes what Distillery ignores: non-text content parts, extra self-instruct instances', () => {
    const image = { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'x' } }, { type: 'text', text: 'What is this?' }] }, { role: 'assistant', content: 'A cat.' }] };
    assert.deepEqual(brief(validateRow(image)), [['unsupported-content', 'information', ['messages', 0, 'content', 0]]]);
    const seed = { instruction: 'I', instances: [{ input: '', output: 'a' }, { input: '', output: 'b' }] };
    assert.deepEqual(brief(validateRow(seed)), [['ignored-instances', 'information', ['instances']]]);
  });
});

describe('rowFixes', () => {
  it('offers ShareGPT → messages, preferred in a chat file', () => {
    const row = { conversations: [{ from: 'human', value: 'Q' }, { from: 'gpt', value: 'A' }], distillery: { teacher: 't' } };
    const fixes = rowFixes(row, 'chat');
    assert.deepEqual(fixes.map((f) => [f.id, f.preferred]), [
      ['convert-sharegpt-to-messages', true],
      ['strip-distillery-metadata', false],
    ]);
    assert.equal(detectRowKind(fixes[0]?.value), 'chat');
    assert.deepEqual(fixes[1]?.value, { conversations: row.conversations });
    assert.equal(rowFixes(row).find((f) => f.id === 'convert-sharegpt-to-messages')?.preferred, false);
  });

  it('offers messages → ShareGPT only to match a ShareGPT file, and no conversion that would lose something', () => {
    const chat = { messages: [{ role: 'user', content: 'Q' }, { role: 'assistant', content: 'A' }] };
    assert.deepEqual(rowFixes(chat), []);
    assert.deepEqual(rowFixes(chat, 'sharegpt').map((f) => [f.id, f.preferred]), [['convert-messages-to-sharegpt', true]]);
    const trl = { prompt: [{ role: 'user', content: 'Q' }], chosen: [{ role: 'assistant', content: 'A' }], rejected: [{ role: 'assistant', content: 'B' }] };
    assert.deepEqual(rowFixes(trl, 'sharegpt-preference').map((f) => f.id), ['convert-messages-to-sharegpt']);
    assert.deepEqual(rowFixes({ conversations: [{ from: 'human', value: 'Q' }, { from: 'function_call', value: '{}' }] }, 'chat'), []);
    assert.deepEqual(rowFixes('not a row'), []);
  });
});
