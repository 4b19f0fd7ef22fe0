import { strict as assert } from 'node:assert';
import { JsonlBuffer } from '../../../src/core/dataset/jsonlBuffer';
import { DatasetStatistics } from '../../../src/core/statistics/datasetStatistics';
import { Distribution, LENGTH_BIN_EDGES, TURN_BIN_EDGES } from '../../../src/core/statistics/distribution';
import { rowProvenance } from '../../../src/core/statistics/provenance';
import { binLabel } from '../../../src/core/statistics/report';
import { arrayElementOffsets, sampleEveryFor, statisticsOfJsonArray, statisticsOfJsonl, JsonArrayError } from '../../../src/core/statistics/sources';
import { chooseEncoding, encodingForModel } from '../../../src/core/statistics/tokens';
import { packageTokenCounterLoader } from './support';

const jsonl = (...rows: Array<unknown | string>) =>
  new JsonlBuffer(Buffer.from(rows.map((row) => (typeof row === 'string' ? row : JSON.stringify(row))).join('\n') + '\n'));

describe('statistics: encodingForModel', () => {
  it('maps OpenAI families to their encodings, and everything else to o200k_base, approximate', () => {
    for (const model of ['gpt-4o', 'gpt-4o-mini-2024-07-18', 'gpt-4.1', 'gpt-5', 'o1', 'o3-mini', 'o4-mini', 'openai/gpt-4o', 'ft:gpt-4o-mini:org::id']) {
      assert.deepEqual([model, encodingForModel(model).encoding, encodingForModel(model).exact], [model, 'o200k_base', true]);
    }
    for (const model of ['gpt-4', 'gpt-4-turbo', 'gpt-3.5-turbo', 'text-embedding-3-small']) {
      assert.deepEqual([model, encodingForModel(model).encoding, encodingForModel(model).exact], [model, 'cl100k_base', true]);
    }
    for (const model of [undefined, '', 'llama-3.1-8b-instruct', 'Qwen/Qwen2.5-7B', 'claude-sonnet-4', 'o1x', 'gpt-40']) {
      const choice = encodingForModel(model);
      assert.deepEqual([model, choice.encoding, choice.exact], [model, 'o200k_base', false]);
    }
  });

  it('honours an explicit encoding, exact only when it is the model’s own', () => {
    assert.equal(chooseEncoding('cl100k_base', 'gpt-4').exact, true);
    assert.equal(chooseEncoding('cl100k_base', 'gpt-4o').exact, false);
    assert.equal(chooseEncoding('cl100k_base').exact, false);
    assert.equal(chooseEncoding('auto', 'gpt-4o-mini').encoding, 'o200k_base');
  });
});

describe('statistics: Distribution', () => {
  it('keeps count, min, max, mean, exact percentiles and fixed bins', () => {
    const d = new Distribution(LENGTH_BIN_EDGES);
    for (let i = 1; i <= 100; i++) d.add(i);
    const r = d.report();
    assert.deepEqual([r.count, r.min, r.max, r.mean, r.p50, r.p90, r.p99, r.percentilesExact], [100, 1, 100, 50.5, 50, 90, 99, 100 <= 10_000]);
    assert.equal(r.bins.reduce((s, b) => s + b.count, 0), 100);
    assert.deepEqual(r.bins.map(binLabel), ['1', '2–4', '5–9', '10–19', '20–49', '50–99', '100–199']);
    assert.deepEqual(r.bins.map((b) => b.count), [1, 3, 5, 10, 30, 50, 1]);
  });

  it('stays bounded: beyond the reservoir, percentiles come from a sample and are close', () => {
    const d = new Distribution(TURN_BIN_EDGES, 1000);
    for (let i = 0; i < 100_000; i++) d.add(i % 100);
    const r = d.report();
    assert.equal(r.count, 100_000);
    assert.equal(r.percentilesExact, false);
    assert.ok(Math.abs(r.p50 - 49) <= 5, `p50 ${r.p50}`);
    assert.ok(Math.abs(r.p90 - 89) <= 5, `p90 ${r.p90}`);
    assert.equal(r.bins.at(-1)?.to, undefined, 'the last bin is open-ended');
    assert.equal(binLabel(r.bins.at(-1) as never), '51+');
  });

  it('reports an empty distribution as zeros with no bins', () => {
    const r = new Distribution(LENGTH_BIN_EDGES).report();
    assert.deepEqual([r.count, r.min, r.max, r.mean, r.p50, r.bins.length], [0, 0, 0, 0, 0, 0]);
  });
});

describe('statistics: provenance', () => {
  it('reads distillery.provenance and distillery.teacher; everything else is unknown', () => {
    assert.deepEqual(rowProvenance({ distillery: { provenance: 'human' } }), { provenance: 'human' });
    assert.deepEqual(rowProvenance({ distillery: { provenance: 'synthetic', teacher: 'gpt-4o' } }), { provenance: 'synthetic', teacher: 'gpt-4o' });
    assert.deepEqual(rowProvenance({ distillery: { teacher: { model: 'qwen' } } }), { provenance: 'synthetic', teacher: 'qwen' });
    assert.deepEqual(rowProvenance({ distillery: { provenance: 'synthetic' } }), { provenance: 'synthetic' });
    assert.deepEqual(rowProvenance({ distillery: { provenance: 'maybe' } }), { provenance: 'unknown' });
    assert.deepEqual(rowProvenance({ messages: [] }), { provenance: 'unknown' });
    assert.deepEqual(rowProvenance({ distillery: 'human' }), { provenance: 'unknown' });
  });
});

describe('statistics: DatasetStatistics', () => {
  const chat = (user: string, assistant: string, distillery?: unknown) => ({
    messages: [
      { role: 'user', content: user },
      { role: 'assistant', content: assistant },
    ],
    ...(distillery === undefined ? {} : { distillery }),
  });

  it('counts rows, blanks, malformed, kinds, duplicates, turns, lengths and provenance', async () => {
    const data = jsonl(
      chat('Hi', 'Hello!', { provenance: 'human' }),
      '',
      '{"messages": [',
      chat('Hi', 'Hello!', { provenance: 'human' }),
      // Same value, keys in another order and spaced: a duplicate.
      '{"messages":[{"content":"Hi","role":"user"},{"content":"Hello!","role":"assistant"}], "distillery": {"provenance":"human"}}',
      { prompt: 'What is 2+2?', chosen: '4', rejected: '5', distillery: { provenance: 'synthetic', teacher: 'gpt-4o' } },
      { prompt: 'Name a colour', chosen: 'red', rejected: 'seven', distillery: { teacher: 'gpt-4o' } },
      { instruction: 'Say hi', input: '', output: 'hi', distillery: { provenance: 'synthetic', teacher: 'llama' } },
      { weird: true },
      { messages: 'not a list' },
      '[1, 2]',
    );
    const report = await statisticsOfJsonl(data);
    assert.equal(report.rows, 8);
    assert.equal(report.blank, 1);
    assert.equal(report.malformed, 2);
    assert.deepEqual(report.problems.map((p) => p.line), [3, 11]);
    assert.deepEqual(
      report.kinds.map((k) => [k.kind, k.rows]),
      [
        ['chat', 4],
        ['preference', 2],
        ['alpaca', 1],
        ['unknown', 1],
      ],
    );
    assert.equal(report.dominantKind, 'chat');
    assert.equal(report.mixedKinds, true);
    assert.equal(report.unreadable, 1);
    assert.deepEqual(report.unreadableProblems.map((p) => p.line), [10]);
    assert.deepEqual(report.duplicates, { rows: 2, distinct: 6, examples: [{ line: 4, sameAs: 1 }, { line: 5, sameAs: 1 }] });
    assert.equal(report.turns.count, 6);
    assert.equal(report.turns.min, 2);
    assert.deepEqual(Object.keys(report.lengths).sort(), ['chosen', 'completion', 'prompt', 'rejected']);
    assert.equal(report.lengths.chosen?.characters.sum, 1 + 3);
    assert.equal(report.lengths.rejected?.characters.max, 5);
    assert.equal(report.tokens, undefined, 'no counter, no tokens');
    assert.equal(report.lengths.prompt?.tokens, undefined);
    assert.deepEqual(report.provenance, {
      human: 3,
      synthetic: 3,
      unknown: 2,
      teachers: [
        { teacher: 'gpt-4o', rows: 2 },
        { teacher: 'llama', rows: 1 },
      ],
    });
    assert.doesNotThrow(() => JSON.parse(JSON.stringify(report)));
  });

  it('counts tokens with the injected counter, per field, naming the encoding', async () => {
    const countTokens = await packageTokenCounterLoader('o200k_base');
    const encoding = encodingForModel('gpt-4o');
    const data = jsonl({ prompt: 'hello world', chosen: 'hello', rejected: 'hello world hello' }, chat('Hi there', 'Hello! <|endoftext|>'));
    const report = await statisticsOfJsonl(data, { countTokens, encoding });
    assert.ok(report.tokens);
    assert.equal(report.tokens.encoding, 'o200k_base');
    assert.equal(report.tokens.exact, true);
    assert.equal(report.tokens.model, 'gpt-4o');
    assert.equal(report.tokens.sampled, false);
    assert.equal(report.tokens.countedRows, 2);
    assert.equal(report.tokens.totals.chosen, countTokens('hello'));
    assert.equal(report.tokens.totals.rejected, countTokens('hello world hello'));
    assert.equal(report.tokens.totals.prompt, countTokens('hello world') + countTokens('Hi there'));
    // A special token's text is counted as text, not refused.
    assert.ok((report.tokens.totals.completion ?? 0) > 3);
    const all = (report.tokens.totals.prompt ?? 0) + (report.tokens.totals.chosen ?? 0) + (report.tokens.totals.rejected ?? 0) + (report.tokens.totals.completion ?? 0);
    assert.equal(report.tokens.totals.all, all);
    assert.equal(report.lengths.prompt?.tokens?.count, 2);
  });

  it('counts cl100k_base differently from o200k_base', async () => {
    const text = 'Grüße aus Köln — 東京でお会いしましょう';
    const [o200k, cl100k] = [await packageTokenCounterLoader('o200k_base'), await packageTokenCounterLoader('cl100k_base')];
    assert.notEqual(o200k(text), cl100k(text));
  });

  it('samples every n-th row for tokens and scales the totals', async () => {
    const rows = Array.from({ length: 100 }, (_, i) => chat(`question ${i}`, 'answer answer answer'));
    const report = await statisticsOfJsonl(jsonl(...rows), { countTokens: (t) => t.split(' ').length, encoding: encodingForModel(), sampleEvery: 10 });
    assert.equal(report.tokens?.countedRows, 10);
    assert.equal(report.tokens?.sampled, true);
    assert.equal(report.tokens?.totals.completion, 300);
    assert.equal(report.tokens?.totals.prompt, 200);
    assert.equal(report.lengths.prompt?.characters.count, 100, 'lengths in characters cover every row');
    assert.equal(sampleEveryFor(2312), 1);
    assert.equal(sampleEveryFor(1_000_000), 20);
  });

  it('stops when cancelled', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await assert.rejects(statisticsOfJsonl(jsonl(chat('a', 'b')), { signal: controller.signal }), /stop/);
  });

  it('rejects a token counter without its encoding', () => {
    assert.throws(() => new DatasetStatistics({ countTokens: () => 1 }), /encoding/);
  });
});

describe('statistics: JSON arrays', () => {
  it('finds where each element starts', () => {
    const text = '[\n  {"a": "x,]}\\"["},\n  [1, {"b": 2}],\n  "s", 3\n]';
    const offsets = arrayElementOffsets(text);
    assert.deepEqual(offsets.map((o) => text[o]), ['{', '[', '"', '3']);
    assert.deepEqual(arrayElementOffsets('[]'), []);
  });

  it('reads elements as rows, located by line, and non-objects as malformed', () => {
    const text = JSON.stringify([{ instruction: 'a', input: '', output: 'b' }, 42, { instruction: 'a', input: '', output: 'b' }], null, 2);
    const report = statisticsOfJsonArray(`\uFEFF${text}`);
    assert.equal(report.rows, 2);
    assert.equal(report.malformed, 1);
    assert.deepEqual(report.problems, [{ line: 7, column: 3, message: 'the element is a number, not a JSON object: it cannot be a row' }]);
    assert.deepEqual(report.duplicates.examples, [{ line: 8, sameAs: 2 }]);
  });

  it('locates a syntax error, and refuses a value that is not an array', () => {
    assert.throws(
      () => statisticsOfJsonArray('[\n  {"a": 1},\n  {"a": }\n]'),
      (error: unknown) => error instanceof JsonArrayError && error.line === 3 && error.column > 1,
    );
    assert.throws(() => statisticsOfJsonArray('{"a": 1}'), JsonArrayError);
  });
});
