import * as assert from 'node:assert/strict';
import type { ChatRequest, TestServer } from '../../support/openaiServer';
import { startTestServer } from '../../support/openaiServer';
import { generateForRow } from '../../../src/core/tasks/generate';
import type { GenerateSettings } from '../../../src/core/tasks/types';
import { InputError } from '../../../src/core/errors/located';
import { ModelCancelledError } from '../../../src/core/llm/errors';
import { detectRowKind } from '../../../src/core/dataset/rowKinds';
import { rowProvenance } from '../../../src/core/statistics/provenance';
import { testChatModel, TEST_KEY, type TestChatModel } from './support';
import { within } from '../../support/within';

const VOCABULARY = [
  'amber', 'basil', 'cedar', 'delta', 'ember', 'fjord', 'garnet', 'harbor', 'indigo', 'juniper', 'kelp', 'lumen', 'maple', 'nectar',
  'onyx', 'pebble', 'quartz', 'raven', 'saffron', 'tundra', 'umber', 'velvet', 'willow', 'yarrow', 'zephyr', 'birch', 'coral', 'dune',
];

/** A distinct answer per model and seed: words drawn by the seed, so no two share many 3-grams. */
function scriptedAnswer(request: ChatRequest): string {
  let state = (request.seed ?? 0) * 7919 + request.model.length * 104729;
  const words: string[] = [];
  for (let i = 0; i < 8; i++) {
    state = (state * 1103515245 + 12345) % 2147483648;
    words.push(VOCABULARY[state % VOCABULARY.length] as string);
  }
  return `Answer ${request.seed ?? 'unseeded'} from ${request.model}: ${words.join(' ')}.`;
}

const FIXED_TIME = new Date('2026-01-02T03:04:05.000Z');
const now = (): Date => FIXED_TIME;

describe('tasks: generateForRow against the test server', function () {
  this.timeout(20_000);
  let server: TestServer;
  let teacherA: TestChatModel;
  let teacherB: TestChatModel;

  before(async () => {
    server = await startTestServer({ seed: 5, apiKey: TEST_KEY });
  });
  beforeEach(() => {
    server.addRule({ name: 'scripted', match: { predicate: () => true }, reply: (request) => scriptedAnswer(request) });
    teacherA = testChatModel(server, 'teacher-a', 'model-a');
    teacherB = testChatModel(server, 'teacher-b', 'model-bb');
  });
  afterEach(() => server.reset());
  after(() => server.close());

  const base: GenerateSettings = { n: 3, output: 'sft', seed: 100, temperature: 0.9, cache: 'off' };

  it('n samples × 2 teachers: one SFT row each, in teacher then sample order, with provenance', async () => {
    const input = { messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Name a tree.' }] };
    const result = await generateForRow(input, 'in.jsonl#7', [teacherA, teacherB], base, { now });

    assert.equal(server.chatRequests().length, 6);
    assert.deepEqual(result.errors, []);
    assert.equal(result.samples.length, 6);
    assert.ok(result.samples.every((s) => s.kept));
    assert.deepEqual(result.samples.map((s) => `${s.teacher}/${s.sample}`), ['teacher-a/0', 'teacher-a/1', 'teacher-a/2', 'teacher-b/0', 'teacher-b/1', 'teacher-b/2']);
    assert.deepEqual(result.rows.length, 6);

    const sent = server.chatRequests().map((r) => r.body as { model: string; seed: number; temperature: number; messages: unknown });
    assert.deepEqual(sent.map((b) => `${b.model}:${b.seed}`).sort(), ['model-a:100', 'model-a:101', 'model-a:102', 'model-bb:100', 'model-bb:101', 'model-bb:102']);
    assert.ok(sent.every((b) => b.temperature === 0.9));
    assert.deepEqual(sent[0]?.messages, input.messages, 'the row prompt is sent as it is');
    assert.deepEqual(teacherA.calls.map((c) => [c.options.sample, c.options.cache]), [[0, 'off'], [1, 'off'], [2, 'off']]);

    const row = result.rows[4] as { messages: { role: string; content: string }[]; distillery: Record<string, unknown> };
    assert.equal(detectRowKind(row), 'chat');
    assert.deepEqual(row.messages.slice(0, 2), input.messages);
    assert.deepEqual(row.messages[2], { role: 'assistant', content: scriptedAnswer({ seed: 101, model: 'model-bb' } as ChatRequest) });
    const d = row.distillery as {
      provenance: string; teacher: unknown; source: unknown;
      generation: { sample: number; settings: Record<string, unknown>; time: string; usage: { promptTokens: number; completionTokens: number } | null; cached: boolean; finishReason: string; costUsd: unknown };
    };
    assert.equal(d.provenance, 'synthetic');
    assert.deepEqual(d.teacher, { profile: 'teacher-b', model: 'model-bb' });
    assert.deepEqual(d.source, { key: 'in.jsonl#7#teacher-b#1', input: 'in.jsonl#7' });
    assert.equal(d.generation.sample, 1);
    assert.deepEqual(d.generation.settings, { n: 3, temperature: 0.9, top_p: 1, max_tokens: 256, seed: 101, cache: 'off' });
    assert.equal(d.generation.time, FIXED_TIME.toISOString());
    assert.ok(d.generation.usage && d.generation.usage.completionTokens > 0);
    assert.equal(d.generation.cached, false);
    assert.equal(d.generation.finishReason, 'stop');
    assert.equal(d.generation.costUsd, null);
    assert.deepEqual(rowProvenance(row), { provenance: 'synthetic', teacher: 'model-bb' }, 'the statistics read it as synthetic, by its teacher');
    assert.equal(new Set(result.rows.map((r) => (r.distillery as { source: { key: string } }).source.key)).size, 6, 'source keys are unique');
  });

  it('a seeded profile gives each sample its own seed; without any seed, n requests go out unseeded', async () => {
    const seeded = testChatModel(server, 'seeded', 'model-s', TEST_KEY, 40);
    const { seed: _unused, ...unseeded } = base;
    const result = await generateForRow({ prompt: 'Hi' }, 'k', [seeded, teacherA], { ...unseeded, n: 2, filters: { dedupe: 'off' } });
    const sent = server.chatRequests().map((r) => `${(r.body as { model: string }).model}:${String((r.body as { seed?: number }).seed)}`).sort();
    assert.deepEqual(sent, ['model-a:undefined', 'model-a:undefined', 'model-s:40', 'model-s:41']);
    assert.deepEqual(result.rows.map((r) => (r.distillery as { generation: { settings: { seed?: number } } }).generation.settings.seed), [40, 41, undefined, undefined]);
  });

  it('writes each answer in the row\'s own format; preference, KTO and MT-bench rows become chat rows', async () => {
    const settings: GenerateSettings = { ...base, n: 1 };
    const one = async (input: unknown) => {
      const result = await generateForRow(input, 'k', [teacherA], settings, { now });
      assert.equal(result.rows.length, 1);
      return result.rows[0] as Record<string, unknown>;
    };
    const answer = scriptedAnswer({ seed: 100, model: 'model-a' } as ChatRequest);

    const alpaca = await one({ instruction: 'Translate.', input: 'Bonjour', output: 'Hello', extra: 1, distillery: { provenance: 'human' } });
    assert.deepEqual(Object.keys(alpaca), ['instruction', 'input', 'output', 'extra', 'distillery'], 'Alpaca stays Alpaca, keys in place');
    assert.equal(alpaca.output, answer);
    assert.equal((alpaca.distillery as { provenance: string }).provenance, 'synthetic', 'the old distillery value is replaced');
    assert.equal(detectRowKind(alpaca), 'alpaca');
    assert.equal((server.chatRequests()[0]?.body as { messages: { content: string }[] }).messages[0]?.content, 'Translate.\nBonjour');

    const chat = await one({ messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'old answer', weight: 1 }] });
    assert.deepEqual(chat.messages, [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: answer, weight: 1 }]);

    const promptOnly = await one({ prompt: 'Say hi.' });
    assert.deepEqual([promptOnly.prompt, promptOnly.completion], ['Say hi.', answer]);
    assert.equal(detectRowKind(promptOnly), 'prompt-completion');

    const chatPromptOnly = await one({ messages: [{ role: 'user', content: 'Hi' }] });
    assert.deepEqual(chatPromptOnly.messages, [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: answer }]);

    const alpacaPromptOnly = await one({ instruction: 'Count to three.', input: '' });
    assert.equal(alpacaPromptOnly.output, answer);
    assert.equal(detectRowKind(alpacaPromptOnly), 'alpaca');

    const sharegpt = await one({ conversations: [{ from: 'human', value: 'Hi' }, { from: 'gpt', value: 'old' }] });
    assert.deepEqual(sharegpt.conversations, [{ from: 'human', value: 'Hi' }, { from: 'gpt', value: answer }]);

    const preference = await one({ prompt: [{ role: 'user', content: 'Pick one.' }], chosen: [{ role: 'assistant', content: 'A' }], rejected: [{ role: 'assistant', content: 'B' }] });
    assert.deepEqual(Object.keys(preference), ['messages', 'distillery']);
    assert.deepEqual(preference.messages, [{ role: 'user', content: 'Pick one.' }, { role: 'assistant', content: answer }]);

    const kto = await one({ messages: [{ role: 'user', content: 'Q?' }, { role: 'assistant', content: 'bad' }], label: false });
    assert.deepEqual(kto.messages, [{ role: 'user', content: 'Q?' }, { role: 'assistant', content: answer }]);
    assert.equal(kto.label, undefined, 'the old label does not describe the new answer');

    const mtBench = await one({ question_id: 81, category: 'writing', turns: ['First question?', 'Second question?'] });
    assert.deepEqual(mtBench.messages, [{ role: 'user', content: 'First question?' }, { role: 'assistant', content: answer }]);
    const mtRequest = server.chatRequests().at(-1)?.body as { messages: unknown[] };
    assert.deepEqual(mtRequest.messages, [{ role: 'user', content: 'First question?' }], 'only the first MT-bench turn is asked');
  });

  it('applies the system prompt template in place of the row\'s system turn, and records it', async () => {
    const input = { persona: 'a pirate', messages: [{ role: 'system', content: 'Old system.' }, { role: 'user', content: 'Hello' }] };
    const result = await generateForRow(input, 'k', [teacherA], { ...base, n: 1, systemPrompt: 'You are {{ persona }}. Answer {{persona}}-style.' }, { now });
    const sent = server.chatRequests()[0]?.body as { messages: unknown[] };
    assert.deepEqual(sent.messages, [{ role: 'system', content: 'You are a pirate. Answer a pirate-style.' }, { role: 'user', content: 'Hello' }]);
    const generation = (result.rows[0]?.distillery as { generation: { systemPrompt: { template: string; text: string } } }).generation;
    assert.equal(generation.systemPrompt.text, 'You are a pirate. Answer a pirate-style.');
    assert.match(generation.systemPrompt.template, /^[0-9a-f]{16}$/);

    await assert.rejects(
      generateForRow(input, 'k', [teacherA], { ...base, systemPrompt: 'You are {{role}}.' }),
      (error: unknown) => error instanceof InputError && /\{\{role\}\}/.test(error.message) && /"role"/.test(error.message),
    );
    assert.equal(server.chatRequests().length, 1, 'nothing is sent for a row the template cannot fill');
  });

  it('a row with no prompt is an InputError that says why, and nothing is sent', async () => {
    await assert.rejects(generateForRow({ foo: 1 }, 'k', [teacherA], base), (e: unknown) => e instanceof InputError && /cannot be read as a prompt/.test(e.message));
    await assert.rejects(generateForRow({ messages: 'hi' }, 'k', [teacherA], base), (e: unknown) => e instanceof InputError && /messages/.test(e.message));
    await assert.rejects(generateForRow('text', 'k', [teacherA], base), InputError);
    assert.equal(server.chatRequests().length, 0);
  });

  it('candidates mode: one row per prompt listing the kept samples, for judging later', async () => {
    server.reset();
    server.addRule({ match: { predicate: (r) => r.model === 'model-a' && r.seed === 101 }, reply: "I'm sorry, but I can't help with that." });
    server.addRule({ match: { predicate: () => true }, reply: (request) => scriptedAnswer(request) });
    const input = { instruction: 'Write a haiku.', output: 'old' };
    const result = await generateForRow(input, 'src#3', [teacherA, teacherB], { ...base, n: 2, output: 'candidates' }, { now });
    assert.equal(result.rows.length, 1);
    const row = result.rows[0] as { messages: unknown; distillery: { provenance: string; source: unknown; candidates: { teacher: unknown; sample: number; content: string }[] } };
    assert.deepEqual(row.messages, [{ role: 'user', content: 'Write a haiku.' }]);
    assert.equal(row.distillery.provenance, 'synthetic');
    assert.deepEqual(row.distillery.source, { key: 'src#3#candidates', input: 'src#3' });
    assert.deepEqual(row.distillery.candidates.map((c) => [c.teacher, c.sample]), [
      [{ profile: 'teacher-a', model: 'model-a' }, 0],
      [{ profile: 'teacher-b', model: 'model-bb' }, 0],
      [{ profile: 'teacher-b', model: 'model-bb' }, 1],
    ], 'the refusal is left out');
    assert.equal(row.distillery.candidates[0]?.content, scriptedAnswer({ seed: 100, model: 'model-a' } as ChatRequest));
    assert.equal(result.samples.find((s) => !s.kept)?.rejectedBy, 'refusal');
  });

  it('a 401 on one teacher: its samples are fatal errors, the other teacher still answers', async () => {
    const badKey = testChatModel(server, 'teacher-bad', 'model-a', 'sk-wrong-key-0000');
    const result = await generateForRow({ prompt: 'Hello' }, 'k', [badKey, teacherB], { ...base, n: 2 });
    assert.equal(result.errors.length, 2);
    assert.ok(result.errors.every((e) => e.fatal && e.teacher === 'teacher-bad'));
    assert.deepEqual(result.errors.map((e) => e.sample).sort(), [0, 1]);
    assert.ok(result.errors.every((e) => /refused the key/.test(e.message) && !e.message.includes('sk-wrong-key')), 'the message says why and never holds the key');
    assert.deepEqual(result.rows.map((r) => (r.distillery as { teacher: { profile: string } }).teacher.profile), ['teacher-b', 'teacher-b']);
  });

  it('a request the service rejects is a non-fatal error on that sample only', async () => {
    server.fault({ kind: 'status', status: 400, match: { predicate: (r) => r.seed === 101 } });
    const result = await generateForRow({ prompt: 'Hello' }, 'k', [teacherA], base);
    assert.deepEqual(result.errors.map((e) => [e.teacher, e.sample, e.fatal]), [['teacher-a', 1, false]]);
    assert.deepEqual(result.samples.map((s) => s.sample), [0, 2]);
    assert.equal(result.rows.length, 2);
  });

  it('cancellation rethrows: an aborted signal ends the call with ModelCancelledError and writes nothing', async () => {
    server.reset();
    server.addRule({ match: { predicate: () => true }, reply: 'slow', latency: 30_000 });
    const controller = new AbortController();
    const pending = generateForRow({ prompt: 'Hello' }, 'k', [teacherA, teacherB], base, { signal: controller.signal });
    while (server.inFlight() < 6) await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort();
    await within(assert.rejects(pending, ModelCancelledError), 5000, 'a cancelled generation');

    const aborted = AbortSignal.abort();
    const before = server.chatRequests().length;
    await assert.rejects(generateForRow({ prompt: 'Hello' }, 'k', [teacherA], base, { signal: aborted }), ModelCancelledError);
    assert.equal(server.chatRequests().length, before, 'nothing is sent once cancelled');
  });

  it('rejects unusable settings, naming the field', async () => {
    await assert.rejects(generateForRow({ prompt: 'x' }, 'k', [teacherA], { ...base, n: 0 }), /n must be a whole number ≥ 1/);
    await assert.rejects(generateForRow({ prompt: 'x' }, 'k', [], base), /teachers: at least one/);
    await assert.rejects(generateForRow({ prompt: 'x' }, 'k', [teacherA], { ...base, filters: { nearThreshold: 1.5 } }), /filters\.nearThreshold/);
    await assert.rejects(generateForRow({ prompt: 'x' }, 'k', [teacherA, teacherA], base), /listed twice/);
  });
});
