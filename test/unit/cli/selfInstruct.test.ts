import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createSelfInstructCommand } from '../../../src/cli/commands/selfInstruct';
import { ExitCode } from '../../../src/cli/exitCodes';
import { runCli } from '../../../src/cli/run';
import { startTestServer, type ReplyContext, type TestServer } from '../../support/openaiServer';
import { sharedDataFile } from '../../support/sharedData';
import { readJsonl } from '../pipeline/support';
import { fakeIo } from './fakeIo';

const WORDS = [
  'river', 'lantern', 'orchard', 'violin', 'glacier', 'compass', 'harvest', 'meadow', 'thunder', 'pottery', 'falcon', 'canyon',
  'saffron', 'marble', 'harbor', 'velvet', 'ember', 'quarry', 'tundra', 'willow', 'beacon', 'cobalt', 'dune', 'fossil', 'garnet',
  'hazel', 'island', 'jasmine', 'kettle', 'lagoon', 'mosaic', 'nectar', 'oasis', 'pepper', 'quill', 'raven', 'summit', 'timber',
];
const VERBS = ['Explain', 'Compare', 'Summarise', 'Classify', 'Describe', 'Rewrite', 'Critique', 'Outline'];

/** A numbered list of new tasks, different in each request; its third item copies a seed (which must be rejected). */
function newTasks(context: ReplyContext): string {
  const items: string[] = [];
  for (let i = 0; i < 8; i++) {
    if (i === 2) {
      items.push('Is there anything I can eat for a breakfast that doesn\'t include eggs, yet includes protein, and has roughly 700-1000 calories?');
      continue;
    }
    const words = Array.from({ length: 7 }, () => WORDS[context.rng.int(0, WORDS.length - 1)] as string);
    items.push(`${VERBS[context.rng.int(0, VERBS.length - 1)]} how ${words.join(' ')} relate to request ${context.record.index} item ${i}.`);
  }
  return items.map((item, i) => `${i + 1}. ${item}`).join('\n');
}

describe('distillery self-instruct', function () {
  this.timeout(30_000);
  let server: TestServer;
  let dir: string;
  const commands = [createSelfInstructCommand({ client: { retry: { baseDelayMs: 5, maxDelayMs: 20, maxAttempts: 3 } } })];

  before(async () => {
    server = await startTestServer({ seed: 6 });
  });
  after(() => server.close());
  beforeEach(() => {
    server.addRule({ name: 'tasks', reply: (_request, context) => newTasks(context) });
    dir = mkdtempSync(path.join(tmpdir(), 'distillery-self-instruct-'));
  });
  afterEach(() => {
    server.reset();
    rmSync(dir, { recursive: true, force: true });
  });

  const env = () => ({ OPENAI_BASE_URL: server.baseURL, OPENAI_API_KEY: 'sk-test-self-instruct', OPENAI_MODEL: 'sim-small' });
  async function cli(args: string[]) {
    const { io, stdout, stderr } = fakeIo({ cwd: dir, env: env() });
    const code = await runCli(['self-instruct', sharedDataFile('self-instruct-seed_tasks.jsonl'), ...args], io, commands);
    return { code, stdout: stdout.text, stderr: stderr.text };
  }

  it('makes K new prompt rows from the 175 seeds, rejecting copies, and a re-run with a larger K adds only the missing ones', async () => {
    const first = await cli(['-o', 'prompts.jsonl', '--count', '10', '--seed', '3']);
    assert.equal(first.code, ExitCode.Success, first.stderr);
    assert.match(first.stdout, /^prompts\.jsonl: 10 rows written, 10 of 10 done, 0 cached answers$/m);
    assert.match(first.stdout, /kept 10, rejected: duplicate \d+/);
    const rows = readJsonl(path.join(dir, 'prompts.jsonl')) as Array<{ messages: Array<{ role: string; content: string }>; distillery: { provenance: string } }>;
    assert.equal(rows.length, 10);
    assert.ok(rows.every((row) => row.messages.length === 1 && row.messages[0]?.role === 'user' && row.distillery.provenance === 'synthetic'));
    assert.ok(rows.every((row) => !row.messages[0]?.content.startsWith('Is there anything I can eat')), 'the copied seed is never kept');

    const again = await cli(['-o', 'prompts.jsonl', '--count', '14', '--seed', '3']);
    assert.equal(again.code, ExitCode.Success, again.stderr);
    assert.match(again.stdout, /4 rows written, 14 of 14 done, 10 resumed/);
    const all = readJsonl(path.join(dir, 'prompts.jsonl')) as Array<{ messages: Array<{ content: string }> }>;
    assert.equal(all.length, 14);
    assert.equal(new Set(all.map((row) => row.messages[0]?.content)).size, 14);

    const sent = server.chatRequests().length;
    const done = await cli(['-o', 'prompts.jsonl', '--count', '14']);
    assert.equal(done.code, ExitCode.Success);
    assert.equal(server.chatRequests().length, sent, 'nothing to do, nothing sent');
  });

  it('bad options: exit 2; a refused key: exit 3 with the reason', async () => {
    for (const [args, message] of [
      [['-o', 'p.jsonl'], /needs --count K/],
      [['-o', 'p.jsonl', '--count', '0'], /--count must be a whole number ≥ 1/],
      [['-o', 'p.jsonl', '--count', '3', '--rouge-threshold', '2'], /--rouge-threshold must be a number from 0 to 1/],
      [['--count', '3'], /needs an output file/],
    ] as const) {
      const result = await cli([...args]);
      assert.equal(result.code, ExitCode.BadInput, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message);
    }
    server.fault({ kind: 'unauthorized', count: Infinity });
    const refused = await cli(['-o', 'p.jsonl', '--count', '3']);
    assert.equal(refused.code, ExitCode.Failure);
    assert.match(refused.stderr, /the run stopped: .*refused the key \(HTTP 401/);
  });
});
