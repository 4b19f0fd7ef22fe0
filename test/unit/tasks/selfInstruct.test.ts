import * as assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { TestServer } from '../../support/openaiServer';
import { startTestServer } from '../../support/openaiServer';
import { sharedDataFile } from '../../support/sharedData';
import { InputError } from '../../../src/core/errors/located';
import { FatalModelError, ModelCancelledError } from '../../../src/core/llm/errors';
import { detectRowKind } from '../../../src/core/dataset/rowKinds';
import { rowProvenance } from '../../../src/core/statistics/provenance';
import { rougeL } from '../../../src/core/tasks/rougeL';
import {
  instructionKey, parseNumberedList, readSeedTasks, synthesizeInstructions,
  type AcceptedInstruction, type RejectedInstruction, type SeedTask,
} from '../../../src/core/tasks/selfInstruct';
import { tempDir, testChatModel } from './support';

const SEEDS_FILE = (): string => sharedDataFile('self-instruct-seed_tasks.jsonl');

/** The example tasks of a Self-Instruct request, read back out of their fences. */
function examplesShown(content: string): string[] {
  return [...content.matchAll(/<<<BEGIN (TASK-[0-9a-f]{16})>>>\n([\s\S]*?)\n<<<END \1>>>/g)].map((m) => m[2] as string);
}

/** The text of a recorded request's last message. */
function lastMessage(body: unknown): string {
  return (body as { messages: { content: string }[] }).messages.at(-1)?.content ?? '';
}

describe('tasks: Self-Instruct', function () {
  this.timeout(20_000);

  describe('parsing the numbered list', () => {
    it('reads "1." and "Task 1:" forms, multi-line items, and ignores a preamble', () => {
      const reply = 'Here are new tasks:\n\n1. Write a haiku about rain.\n2) Sort these numbers:\n   5, 3, 9\n\n**3.** Name a prime.\n\nI hope these help!';
      assert.deepEqual(parseNumberedList(reply), ['Write a haiku about rain.', 'Sort these numbers:\n5, 3, 9', 'Name a prime.']);
      assert.deepEqual(parseNumberedList('Task 1: Give a synonym of happy.\nTask 2: Instruction: Translate "cat" into French.'), [
        'Give a synonym of happy.', 'Translate "cat" into French.',
      ]);
      assert.deepEqual(parseNumberedList('1. "Quote this task."\n2. **Bold task here.**'), ['Quote this task.', 'Bold task here.']);
    });

    it('drops the incomplete last item of a reply cut off at the length limit', () => {
      const reply = '1. Write a limerick about a cat.\n2. List three uses of baking soda.\n3. Describe how a';
      assert.deepEqual(parseNumberedList(reply, true), ['Write a limerick about a cat.', 'List three uses of baking soda.']);
      assert.equal(parseNumberedList(reply, false).length, 3);
    });
  });

  describe('reading seed tasks', () => {
    let dir: string;
    let remove: () => Promise<void>;
    before(async () => ({ dir, remove } = await tempDir()));
    after(() => remove());

    it('reads the 175 real Self-Instruct seeds (the instruction is the task)', async () => {
      const seeds = await readSeedTasks(SEEDS_FILE());
      assert.equal(seeds.length, 175);
      assert.equal(seeds[1]?.id, 'seed_task_1');
      assert.equal(seeds[1]?.instruction, 'What is the relation between the given pairs?');
      assert.match(seeds[174]?.location ?? '', /self-instruct-seed_tasks\.jsonl:175:1$/);
    });

    it('reads plain prompt rows too, and names the line of one that is neither', async () => {
      const file = path.join(dir, 'prompts.jsonl');
      await writeFile(file, [
        JSON.stringify({ messages: [{ role: 'system', content: 'S' }, { role: 'user', content: 'Write a sonnet about tea.' }] }),
        JSON.stringify({ instruction: 'Give two antonyms of bright.', input: '' }),
        JSON.stringify({ prompt: 'Explain recursion to a child.' }),
      ].join('\n'));
      assert.deepEqual((await readSeedTasks(file)).map((s) => s.instruction), ['Write a sonnet about tea.', 'Give two antonyms of bright.', 'Explain recursion to a child.']);

      const bad = path.join(dir, 'bad.jsonl');
      await writeFile(bad, `${JSON.stringify({ prompt: 'Fine task here.' })}\n${JSON.stringify({ score: 3 })}\n`);
      await assert.rejects(readSeedTasks(bad), (e: unknown) => e instanceof InputError && e.message.startsWith(`${bad}:2:1: neither a Self-Instruct seed nor a prompt row`));
      const broken = path.join(dir, 'broken.jsonl');
      await writeFile(broken, '{"prompt": "ok task here"}\n{"prompt": \n');
      await assert.rejects(readSeedTasks(broken), (e: unknown) => e instanceof InputError && e.message.startsWith(`${broken}:2:`));
    });
  });

  describe('synthesis against the test server, on the real seeds', () => {
    let server: TestServer;
    let seeds: SeedTask[];

    before(async () => {
      server = await startTestServer({ seed: 21 });
      seeds = await readSeedTasks(SEEDS_FILE());
    });
    afterEach(() => server.reset());
    after(() => server.close());

    const seedText = (id: string): string => seeds.find((s) => s.id === id)?.instruction ?? assert.fail(`no seed ${id}`);
    const NEW_STOCKS = 'Explain the difference between a stock split and a dividend to a high school student.';
    const NEW_BAKERY = 'Suggest three names for a bakery that sells only sourdough bread.';
    const NEW_KYOTO = 'Plan a three-day itinerary for a first visit to Kyoto in autumn.';

    it('keeps new tasks, rejects near-copies of seeds and of tasks kept moments before, and says why', async () => {
      const nearSeed = seedText('seed_task_0').replace('breakfast', 'lunch');
      assert.ok(rougeL(nearSeed, seedText('seed_task_0')) > 0.9, 'the near-copy is one word off');
      const firstList = [
        nearSeed,
        NEW_STOCKS,
        'Draw a diagram of the water cycle for a science class.',
        'Summarize.',
        '(Optional) Write a limerick about a cat who loves the rain.',
        'Écrivez un poème sur la mer et le vent du soir.',
        NEW_STOCKS.replace('high school', 'middle school'),
        seedText('seed_task_1'),
        NEW_BAKERY,
        'Describe how a',
      ].map((task, i) => `${i + 1}. ${task}`).join('\n');
      server.addRule({ name: 'first list', times: 1, reply: { content: firstList, finishReason: 'length' } });
      server.addRule({ name: 'second list', times: 1, reply: `Task 1: ${NEW_KYOTO}\nTask 2: Write a short speech for a friend's retirement party.` });

      const model = testChatModel(server, 'writer', 'sim-large');
      const accepted: AcceptedInstruction[] = [];
      const rejections: RejectedInstruction[] = [];
      const result = await synthesizeInstructions({
        seeds, model, count: 3, seed: 1, onInstruction: (a) => void accepted.push(a), onRejected: (r) => void rejections.push(r),
      });

      assert.deepEqual(accepted.map((a) => a.instruction), [NEW_STOCKS, NEW_BAKERY, NEW_KYOTO]);
      assert.deepEqual(
        { requested: result.requested, accepted: result.accepted, proposed: result.proposed, requests: result.requests, stoppedBy: result.stoppedBy },
        { requested: 3, accepted: 3, proposed: 10, requests: 2, stoppedBy: 'count' },
        'the cut-off last item is not proposed; the second list stops at the third kept task',
      );
      assert.deepEqual(result.rejected, { tooShort: 1, tooLong: 0, keyword: 1, punctuation: 1, nonAscii: 1, duplicate: 1, similar: 2 });
      const why = Object.fromEntries(rejections.map((r) => [r.instruction, `${r.reason}: ${r.detail}`]));
      assert.match(why[nearSeed] ?? '', /^similar: ROUGE-L 0\.9\d\d > 0\.7 with "Is there anything I can eat for a breakfast/);
      assert.match(why[NEW_STOCKS.replace('high school', 'middle school')] ?? '', /^similar: .* with "Explain the difference between a stock split/, 'compared with the task kept just before');
      assert.match(why['Draw a diagram of the water cycle for a science class.'] ?? '', /^keyword: names "Draw"/);

      const row = accepted[0]?.row as { messages: unknown; distillery: { source: { key: string }; teacher: unknown; selfInstruct: { request: number } } };
      assert.deepEqual(row.messages, [{ role: 'user', content: NEW_STOCKS }]);
      assert.equal(detectRowKind(row), 'prompt-only');
      assert.deepEqual(rowProvenance(row), { provenance: 'synthetic', teacher: 'sim-large' });
      assert.deepEqual(row.distillery.teacher, { profile: 'writer', model: 'sim-large' });
      assert.equal(row.distillery.source.key, instructionKey(`  ${NEW_STOCKS.toUpperCase()} `), 'the key is a hash of the normalised instruction');
      assert.equal(row.distillery.selfInstruct.request, 0);

      // The first request shows 8 seeds; the second, 6 seeds and 2 of the tasks kept so far.
      const [first, second] = server.chatRequests().map((r) => examplesShown(lastMessage(r.body)));
      const seedSet = new Set(seeds.map((s) => s.instruction));
      assert.equal(first?.length, 8);
      assert.ok(first?.every((e) => seedSet.has(e)));
      assert.equal(second?.length, 8);
      assert.deepEqual(second?.filter((e) => !seedSet.has(e)).sort(), [NEW_BAKERY, NEW_STOCKS].sort());
    });

    it('a resumed pool counts: its tasks are repeats, and are shown as machine-made examples', async () => {
      server.addRule({ reply: `1. ${NEW_STOCKS}\n2. ${NEW_KYOTO}` });
      const model = testChatModel(server, 'writer', 'sim-large');
      const result = await synthesizeInstructions({ seeds, pool: [NEW_STOCKS], model, count: 1, seed: 2 });
      assert.equal(result.accepted, 1);
      assert.equal(result.rejected.duplicate, 1);
      const shown = examplesShown(lastMessage(server.chatRequests()[0]?.body));
      assert.ok(shown.includes(NEW_STOCKS));
    });

    it('the same seed and replies give the same examples; a model that proposes nothing new stops at maxRequests', async () => {
      server.addRule({ reply: `1. ${seedText('seed_task_2')}` });
      const model = testChatModel(server, 'writer', 'sim-large');
      const result = await synthesizeInstructions({ seeds, model, count: 5, seed: 3, maxRequests: 4, concurrency: 2 });
      assert.deepEqual([result.accepted, result.requests, result.stoppedBy, result.rejected.duplicate], [0, 4, 'maxRequests', 4]);
      const prompts = server.chatRequests().map((r) => lastMessage(r.body));
      server.reset();
      server.addRule({ reply: `1. ${seedText('seed_task_2')}` });
      await synthesizeInstructions({ seeds, model, count: 5, seed: 3, maxRequests: 4, concurrency: 2 });
      assert.deepEqual(server.chatRequests().map((r) => lastMessage(r.body)), prompts);
      assert.notEqual(prompts[0], prompts[1], 'each request shows other examples');
    });

    it('a fatal error and a cancellation are rethrown; other failed requests are counted', async () => {
      server.fault({ kind: 'status', status: 400, count: 1 });
      server.addRule({ reply: `1. ${NEW_BAKERY}` });
      const model = testChatModel(server, 'writer', 'sim-large');
      const result = await synthesizeInstructions({ seeds, model, count: 1, concurrency: 1 });
      assert.equal(result.accepted, 1);
      assert.equal(result.failedRequests.length, 1);

      const bad = testChatModel(server, 'writer', 'sim-large');
      server.fault({ kind: 'unauthorized', count: 10 });
      await assert.rejects(synthesizeInstructions({ seeds, model: bad, count: 1 }), FatalModelError);
      server.clearFaults();
      await assert.rejects(synthesizeInstructions({ seeds, model, count: 1, signal: AbortSignal.abort() }), ModelCancelledError);
    });
  });
});
