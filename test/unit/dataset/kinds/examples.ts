/** Small literal rows of every form, shared by the kinds, model and write-back tests. */
import type { RowKind } from '../../../../src/core/dataset/rowKinds';

export interface Example {
  readonly name: string;
  readonly kind: RowKind;
  readonly row: Record<string, unknown>;
}

export const EXAMPLES: readonly Example[] = [
  {
    name: 'chat (OpenAI SFT)',
    kind: 'chat',
    row: {
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Capital of France?' },
        { role: 'assistant', content: 'Paris.', weight: 1 },
      ],
      id: 'a1',
    },
  },
  {
    name: 'chat ending on a user turn',
    kind: 'prompt-only',
    row: { messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello' }, { role: 'user', content: 'Tell me a joke' }] },
  },
  {
    name: 'Alpaca',
    kind: 'alpaca',
    row: { instruction: 'Translate to French.', input: 'cat', output: 'chat' },
  },
  {
    name: 'Alpaca with system and history (LLaMA-Factory)',
    kind: 'alpaca',
    row: { instruction: 'And in German?', input: '', output: 'Katze', system: 'You translate.', history: [['cat in French?', 'chat']] },
  },
  {
    name: 'Alpaca without output',
    kind: 'prompt-only',
    row: { instruction: 'Write a haiku.', input: '' },
  },
  {
    name: 'ShareGPT',
    kind: 'sharegpt',
    row: {
      id: 'x',
      conversations: [
        { from: 'system', value: 'Be kind.' },
        { from: 'human', value: 'Hi' },
        { from: 'gpt', value: 'Hello!' },
      ],
    },
  },
  {
    name: 'ShareGPT with function calls (LLaMA-Factory)',
    kind: 'sharegpt',
    row: {
      conversations: [
        { from: 'human', value: 'Age of someone born 1990-05-15?' },
        { from: 'function_call', value: '{"name": "age", "arguments": {"born": "1990-05-15"}}' },
        { from: 'observation', value: '{"age": 34}' },
        { from: 'gpt', value: 'They are 34.' },
      ],
      tools: '[{"name": "age"}]',
    },
  },
  {
    name: 'ShareGPT ending on a human turn',
    kind: 'prompt-only',
    row: { conversations: [{ from: 'human', value: 'Hi' }] },
  },
  {
    name: 'prompt/completion (text)',
    kind: 'prompt-completion',
    row: { prompt: 'The sky is', completion: ' blue.' },
  },
  {
    name: 'prompt/completion (messages)',
    kind: 'prompt-completion',
    row: { prompt: [{ role: 'user', content: 'What color is the sky?' }], completion: [{ role: 'assistant', content: 'Blue.' }] },
  },
  {
    name: 'preference (TRL, text)',
    kind: 'preference',
    row: { prompt: 'The sky is', chosen: ' blue.', rejected: ' green.' },
  },
  {
    name: 'preference (TRL, messages)',
    kind: 'preference',
    row: {
      prompt: [{ role: 'user', content: 'What color is the sky?' }],
      chosen: [{ role: 'assistant', content: 'It is blue.' }],
      rejected: [{ role: 'assistant', content: 'It is green.' }],
    },
  },
  {
    name: 'preference (LLaMA-Factory Alpaca-style ranking)',
    kind: 'preference',
    row: { instruction: 'Name a colour.', input: '', chosen: 'Blue.', rejected: 'Banana.' },
  },
  {
    name: 'implicit-prompt preference (text)',
    kind: 'implicit-preference',
    row: { chosen: 'The sky is blue.', rejected: 'The sky is green.' },
  },
  {
    name: 'implicit-prompt preference (Anthropic transcripts)',
    kind: 'implicit-preference',
    row: {
      chosen: '\n\nHuman: Can you help me?\n\nAssistant: Sure, with what?\n\nHuman: A poem.\n\nAssistant: Here is one.',
      rejected: '\n\nHuman: Can you help me?\n\nAssistant: Sure, with what?\n\nHuman: A poem.\n\nAssistant: No.',
    },
  },
  {
    name: 'implicit-prompt preference (messages)',
    kind: 'implicit-preference',
    row: {
      chosen: [{ role: 'user', content: 'What color is the sky?' }, { role: 'assistant', content: 'It is blue.' }],
      rejected: [{ role: 'user', content: 'What color is the sky?' }, { role: 'assistant', content: 'It is green.' }],
    },
  },
  {
    name: 'OpenAI DPO',
    kind: 'openai-dpo',
    row: {
      input: { messages: [{ role: 'user', content: 'Hello, can you tell me how cold San Francisco is today?' }], tools: [], parallel_tool_calls: true },
      preferred_output: [{ role: 'assistant', content: 'Today in San Francisco, it is not quite cold as expected.' }],
      non_preferred_output: [{ role: 'assistant', content: 'It is not particularly cold in San Francisco today.' }],
    },
  },
  {
    name: 'ShareGPT preference (LLaMA-Factory)',
    kind: 'sharegpt-preference',
    row: {
      conversations: [{ from: 'human', value: 'Pick a number.' }],
      chosen: { from: 'gpt', value: 'Seven.' },
      rejected: { from: 'gpt', value: 'No.' },
    },
  },
  {
    name: 'unpaired preference (messages + label, LLaMA-Factory KTO)',
    kind: 'unpaired-preference',
    row: { messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Go away.' }], label: false },
  },
  {
    name: 'unpaired preference (TRL KTO, text)',
    kind: 'unpaired-preference',
    row: { prompt: 'The sky is', completion: ' blue.', label: true },
  },
  {
    name: 'prompt-only (text)',
    kind: 'prompt-only',
    row: { prompt: 'The sky is' },
  },
  {
    name: 'prompt-only (messages)',
    kind: 'prompt-only',
    row: { prompt: [{ role: 'user', content: 'What color is the sky?' }] },
  },
  {
    name: 'self-instruct seed task',
    kind: 'self-instruct',
    row: {
      id: 'seed_task_1',
      name: 'antonym_relation',
      instruction: 'What is the relation between the given pairs?',
      instances: [{ input: 'Night : Day :: Right : Left', output: 'They are opposites.' }],
      is_classification: false,
    },
  },
  {
    name: 'MT-bench question',
    kind: 'mt-bench',
    row: { question_id: 101, category: 'reasoning', turns: ['Who is second?', 'And if last?'], reference: ['You are second.', 'Uncertain.'] },
  },
  {
    name: 'row with Distillery metadata',
    kind: 'chat',
    row: {
      messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello' }],
      distillery: { provenance: 'synthetic', teacher: 'gpt-4o-mini' },
    },
  },
];
