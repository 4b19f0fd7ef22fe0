import * as assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runSelfInstruct } from '../../../src/core/pipeline/selfInstructBatch';
import type { SeedTask } from '../../../src/core/tasks/selfInstruct';
import { startTestServer, type ReplyContext, type TestServer } from '../../support/openaiServer';
import { readJsonl, testEngine } from './support';

const seeds: SeedTask[] = [
  { instruction: 'Write a haiku about the first snow of winter.' },
  { instruction: 'Classify the sentiment of this product review as positive or negative.' },
  { instruction: 'Explain to a child why the sky is blue.' },
];
const WORDS = [
  'river', 'lantern', 'orchard', 'violin', 'glacier', 'compass', 'harvest', 'meadow', 'thunder', 'pottery', 'falcon', 'canyon',
  'saffron', 'marble', 'harbor', 'velvet', 'ember', 'quarry', 'tundra', 'willow', 'beacon', 'cobalt', 'dune', 'fossil', 'garnet',
];

/** A task of random words: no two share enough of them to be near-duplicates. */
function task(context: ReplyContext, index: number): string {
  const words = Array.from({ length: 8 }, () => WORDS[context.rng.int(0, WORDS.length - 1)] as string);
  return `Describe ${words.join(' ')} for task ${context.record.index}-${index}.`;
}

describe('pipeline: self-instruct as a resumable run', function () {
  this.timeout(20_000);
  let server: TestServer;
  let dir: string;
  let output: string;

  before(async () => {
    server = await startTestServer({ seed: 12 });
  });
  after(() => server.close());
  beforeEach(() => {
    // Two new tasks per request.
    server.addRule({ name: 'tasks', reply: (_request, context) => `1. ${task(context, 1)}\n2. ${task(context, 2)}` });
    dir = mkdtempSync(path.join(tmpdir(), 'distillery-self-instruct-batch-'));
    output = path.join(dir, 'prompts.jsonl');
  });
  afterEach(() => {
    server.reset();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes each kept instruction at once; a cancelled run keeps them, and the next run only adds the missing ones', async () => {
    const controller = new AbortController();
    let seen = 0;
    const first = await runSelfInstruct({
      seeds,
      output,
      model: testEngine(server, dir).model('teacher-a'),
      count: 12,
      concurrency: 1,
      tasksPerRequest: 2,
      signal: controller.signal,
      progressIntervalMs: 0,
      onProgress: (progress) => {
        seen = progress.written;
        if (progress.written >= 4) controller.abort();
      },
    });
    assert.equal(first.stoppedBy, 'cancelled', JSON.stringify(first));
    assert.ok(seen >= 4);
    const kept = readJsonl(output).length;
    assert.equal(first.written, kept);
    assert.ok(kept >= 4 && kept < 12, `${kept} kept`);

    // A torn last line (a kill) is trimmed, not counted.
    appendFileSync(output, '{"messages":[{"role":"user","content":"half a');
    const second = await runSelfInstruct({ seeds, output, model: testEngine(server, dir).model('teacher-a'), count: 12, concurrency: 1, tasksPerRequest: 2 });
    assert.equal(second.stoppedBy, undefined);
    assert.equal(second.resumed, kept);
    assert.equal(second.written, 12 - kept);
    assert.equal(second.done, 12);
    const rows = readJsonl(output) as Array<{ messages: Array<{ content: string }> }>;
    assert.equal(rows.length, 12);
    assert.equal(new Set(rows.map((row) => row.messages[0]?.content)).size, 12, 'no instruction twice');
  });
});
