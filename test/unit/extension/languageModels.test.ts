import { strict as assert } from 'node:assert';
import { toLanguageModelTurns } from '../../../src/extension/models/languageModelMessages';
import { languageModelNames } from '../../../src/extension/models/languageModelNames';

describe('VS Code language models', () => {
  it('folds system turns into the first user message, ahead of its text', () => {
    assert.deepEqual(
      toLanguageModelTurns([
        { role: 'system', content: 'Be brief.' },
        { role: 'developer', content: 'Answer in French.' },
        { role: 'user', content: 'What is 2+2?' },
        { role: 'assistant', content: 'Quatre.' },
        { role: 'user', content: [{ type: 'text', text: 'And 3+3' }, { type: 'text', text: '?' }] },
      ]),
      [
        { role: 'user', content: 'Be brief.\n\nAnswer in French.\n\nWhat is 2+2?' },
        { role: 'assistant', content: 'Quatre.' },
        { role: 'user', content: 'And 3+3?' },
      ],
    );
  });

  it('makes a lone system turn a user message, and leaves conversations without one as they are', () => {
    assert.deepEqual(toLanguageModelTurns([{ role: 'system', content: 'Say hi.' }]), [{ role: 'user', content: 'Say hi.' }]);
    assert.deepEqual(
      toLanguageModelTurns([{ role: 'assistant', content: 'Hello' }, { role: 'system', content: 'S' }]),
      [{ role: 'user', content: 'S' }, { role: 'assistant', content: 'Hello' }],
    );
    assert.deepEqual(toLanguageModelTurns([{ role: 'user', content: 'u' }]), [{ role: 'user', content: 'u' }]);
  });

  it('refuses what these models cannot take, naming the message and part', () => {
    assert.throws(
      () => toLanguageModelTurns([{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x/y.png' } }] }]),
      /^Error: messages\[0\]\.content\[0\]: a "image_url" part cannot be sent/,
    );
    assert.throws(() => toLanguageModelTurns([{ role: 'tool', content: 'r', tool_call_id: 'c' }]), /^Error: messages\[0\]: VS Code language models take no "tool" turns/);
  });

  it('names each model vscode-lm:<vendor>/<family>, and by id when a family repeats', () => {
    const names = languageModelNames([
      { vendor: 'copilot', family: 'gpt-4o', id: 'gpt-4o-2024-11-20' },
      { vendor: 'copilot', family: 'gpt-4o', id: 'gpt-4o-mini' },
      { vendor: 'local', family: '', id: 'tiny' },
    ]);
    assert.deepEqual([...names.keys()], ['vscode-lm:copilot/gpt-4o', 'vscode-lm:copilot/gpt-4o-mini', 'vscode-lm:local/tiny']);
    assert.equal(languageModelNames([]).size, 0);
  });
});
