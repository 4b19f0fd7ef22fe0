/** fast-check arbitraries of dataset rows of every kind that has answers, with unknown extra keys. */
import fc from 'fast-check';
import { formatTranscript } from '../../../../src/core/dataset/anthropic';
import type { Turn } from '../../../../src/core/dataset/conversation';
import type { RowKind } from '../../../../src/core/dataset/rowKinds';

/** Keys that decide a row's kind or a message's meaning: extra keys never use them. */
const RESERVED = new Set([
  'messages', 'conversations', 'prompt', 'completion', 'chosen', 'rejected', 'label', 'instruction', 'input', 'output',
  'instances', 'turns', 'question_id', 'category', 'preferred_output', 'non_preferred_output', 'system', 'history',
  'role', 'content', 'from', 'value', 'name', 'tool_calls', 'type', 'text',
]);

const key = fc.oneof(fc.constantFrom('id', 'weight', 'source', 'loss', '__proto__', '0', 'meta'), fc.string({ minLength: 1, maxLength: 6 })).filter((k) => !RESERVED.has(k));

/** Unknown keys with any JSON values, which conversions and write-backs must keep in place. */
export const extras = fc.dictionary(key, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3, noNullPrototype: true });

/** Text with the characters that matter: spaces, newlines, curly quotes, astral characters. */
export const text = fc.oneof(
  fc.string({ unit: fc.constantFrom('a', 'b', ' ', '\n', '’', '“', 'é', '😀', ':', 'H') , maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 8 }),
);

/** Text that cannot be mistaken for transcript markers. */
const plainText = fc.string({ unit: fc.constantFrom('a', 'b', ' ', '\n', '’', '😀', ':'), maxLength: 10 }).filter(
  (s) => !s.includes('\n\n') && !s.startsWith('\n'),
);

/** An object with the given keys first or last, extras on the other side. */
function withExtras(core: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<Record<string, unknown>> {
  return fc.tuple(core, extras, fc.boolean()).map(([c, e, first]) => (first ? { ...c, ...e } : { ...e, ...c }));
}

const messageRole = fc.constantFrom('system', 'user', 'assistant', 'tool', 'developer');

export function message(role: fc.Arbitrary<string> = messageRole): fc.Arbitrary<Record<string, unknown>> {
  return withExtras(
    fc.tuple(role, text, fc.option(fc.string({ maxLength: 4 }), { nil: undefined })).map(([r, content, name]) =>
      name === undefined ? { role: r, content } : { role: r, content, name },
    ),
  );
}

const SHAREGPT_FROM = ['human', 'gpt', 'system', 'observation', 'function_call', 'user', 'assistant', 'tool'] as const;

export function shareGptMessage(from: fc.Arbitrary<string> = fc.constantFrom(...SHAREGPT_FROM)): fc.Arbitrary<Record<string, unknown>> {
  return withExtras(fc.tuple(from, text).map(([f, value]) => ({ from: f, value })));
}

const messages = (max = 4) => fc.array(message(), { maxLength: max });
const assistantMessage = message(fc.constant('assistant'));
const answerList = fc.tuple(messages(2), assistantMessage).map(([before, last]) => [...before, last]);
const textOrList = fc.oneof(text, answerList);

const transcriptTurns = fc
  .array(fc.tuple(plainText, plainText), { minLength: 1, maxLength: 3 })
  .map((pairs): Turn[] => pairs.flatMap(([q, a]) => [{ role: 'user', content: q }, { role: 'assistant', content: a }]));

/** Rows that have at least one answer, labelled with their kind. */
export const answeredRow: fc.Arbitrary<{ kind: RowKind; row: Record<string, unknown> }> = fc.oneof(
  withExtras(fc.record({ messages: fc.tuple(messages(), assistantMessage).map(([m, a]) => [...m, a]) }, { noNullPrototype: true })).map((row) => ({ kind: 'chat' as const, row })),
  withExtras(
    fc
      .tuple(fc.array(shareGptMessage(), { maxLength: 4 }), shareGptMessage(fc.constantFrom('gpt', 'function_call', 'assistant')), fc.option(text, { nil: undefined }))
      .map(([c, last, system]) => (system === undefined ? { conversations: [...c, last] } : { system, conversations: [...c, last] })),
  ).map((row) => ({ kind: 'sharegpt' as const, row })),
  withExtras(
    fc.tuple(text, fc.option(fc.oneof(text, fc.constant(null)), { nil: undefined }), text, fc.option(fc.array(fc.tuple(text, text), { maxLength: 2 }), { nil: undefined })).map(
      ([instruction, input, output, history]) => ({
        instruction,
        ...(input === undefined ? {} : { input }),
        output,
        ...(history === undefined ? {} : { history }),
      }),
    ),
  ).map((row) => ({ kind: 'alpaca' as const, row })),
  withExtras(fc.record({ prompt: fc.oneof(text, messages()), completion: textOrList }, { noNullPrototype: true })).map((row) => ({ kind: 'prompt-completion' as const, row })),
  withExtras(fc.record({ prompt: fc.oneof(text, messages()), chosen: textOrList, rejected: textOrList }, { noNullPrototype: true })).map((row) => ({ kind: 'preference' as const, row })),
  withExtras(fc.record({ chosen: text, rejected: text }, { noNullPrototype: true })).map((row) => ({ kind: 'implicit-preference' as const, row })),
  withExtras(
    fc.tuple(messages(), answerList, answerList).map(([prompt, chosen, rejected]) => ({ chosen: [...prompt, ...chosen], rejected: [...prompt, ...rejected] })),
  ).map((row) => ({ kind: 'implicit-preference' as const, row })),
  withExtras(
    fc
      .tuple(transcriptTurns, fc.array(fc.constantFrom<Turn>({ role: 'assistant', content: 'more' }), { maxLength: 1 }), plainText, plainText)
      .map(([shared, extra, a, b]) => ({
        chosen: formatTranscript([...shared, ...extra, { role: 'user', content: 'q' }, { role: 'assistant', content: a }]),
        rejected: formatTranscript([...shared, { role: 'user', content: 'q' }, { role: 'assistant', content: b }]),
      })),
  ).map((row) => ({ kind: 'implicit-preference' as const, row })),
  withExtras(
    fc.tuple(messages(), answerList, answerList, extras).map(([prompt, chosen, rejected, inputExtras]) => ({
      input: { ...inputExtras, messages: prompt },
      preferred_output: chosen,
      non_preferred_output: rejected,
    })),
  ).map((row) => ({ kind: 'openai-dpo' as const, row })),
  withExtras(
    fc
      .tuple(fc.array(shareGptMessage(), { maxLength: 3 }), shareGptMessage(fc.constant('gpt')), shareGptMessage(fc.constant('gpt')))
      .map(([conversations, chosen, rejected]) => ({ conversations, chosen, rejected })),
  ).map((row) => ({ kind: 'sharegpt-preference' as const, row })),
  withExtras(
    fc.tuple(messages(), assistantMessage, fc.boolean()).map(([m, a, label]) => ({ messages: [...m, a], label })),
  ).map((row) => ({ kind: 'unpaired-preference' as const, row })),
  withExtras(fc.record({ prompt: text, completion: text, label: fc.boolean() }, { noNullPrototype: true })).map((row) => ({ kind: 'unpaired-preference' as const, row })),
  withExtras(
    fc.tuple(text, text, text, extras).map(([instruction, input, output, instanceExtras]) => ({
      instruction,
      instances: [{ ...instanceExtras, input, output }],
    })),
  ).map((row) => ({ kind: 'self-instruct' as const, row })),
);

/** ShareGPT rows whose `from` values convert losslessly, with extra keys on rows and messages. */
export const losslessShareGptRow = withExtras(
  fc.tuple(fc.array(shareGptMessage(fc.constantFrom('human', 'gpt', 'system', 'observation')), { maxLength: 5 }), fc.option(fc.boolean(), { nil: undefined })).map(
    ([conversations, label]) => (label === undefined ? { conversations } : { conversations, label }),
  ),
);

export const losslessShareGptPreferenceRow = withExtras(
  fc
    .tuple(
      fc.array(shareGptMessage(fc.constantFrom('human', 'gpt', 'system', 'observation')), { maxLength: 4 }),
      shareGptMessage(fc.constantFrom('gpt', 'human')),
      shareGptMessage(fc.constantFrom('gpt', 'observation')),
    )
    .map(([conversations, chosen, rejected]) => ({ conversations, chosen, rejected })),
);
