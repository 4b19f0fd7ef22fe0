import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createStatsCommand } from '../../../src/cli/commands/stats';
import { ExitCode } from '../../../src/cli/exitCodes';
import { runCli } from '../../../src/cli/run';
import { cliCommands } from '../../../src/cli/commands/index';
import type { DatasetStatisticsReport } from '../../../src/core/statistics/report';
import type { TokenEncoding } from '../../../src/core/statistics/tokens';
import { sharedDataFile } from '../../support/sharedData';
import { packageTokenCounterLoader } from '../statistics/support';
import { fakeIo } from './fakeIo';

describe('distillery stats', function () {
  this.timeout(30_000);
  const loaded: TokenEncoding[] = [];
  const stats = createStatsCommand(async (encoding) => {
    loaded.push(encoding);
    return packageTokenCounterLoader(encoding);
  });
  const commands = [stats];
  const dir = mkdtempSync(path.join(tmpdir(), 'distillery-stats-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    writeFileSync(path.join(dir, name), text);
    return name;
  };
  beforeEach(() => loaded.splice(0));

  it('is in the command table', () => {
    assert.ok(cliCommands.some((command) => command.name === 'stats'));
  });

  it('prints tables for hh-rlhf, with progress on stderr', async () => {
    const { io, stdout, stderr } = fakeIo();
    assert.equal(await runCli(['stats', sharedDataFile('hh-rlhf-harmless-base-test.jsonl')], io, commands), ExitCode.Success);
    assert.match(stdout.text, /^rows\s+2,312$/m);
    assert.match(stdout.text, /^exact duplicates\s+0$/m);
    assert.match(stdout.text, /\[implicit-preference\]\s+2,312\s+100\.0%/);
    assert.match(stdout.text, /^Tokens \(o200k_base, approximate/m);
    assert.match(stdout.text, /^Chosen answer\s+2,312/m);
    assert.match(stdout.text, /^unknown\s+2,312\s+100\.0%$/m);
    assert.match(stderr.text, /100%/);
    assert.deepEqual(loaded, ['o200k_base']);
  });

  it('--json prints the report; JSON arrays are read whole', async () => {
    const { io, stdout } = fakeIo();
    const code = await runCli(['stats', sharedDataFile('llamafactory-dpo_en_demo.json'), '--json', '--model', 'gpt-4-turbo'], io, commands);
    assert.equal(code, ExitCode.Success);
    const report = JSON.parse(stdout.text) as DatasetStatisticsReport & { format: string; bytes: number };
    assert.equal(report.format, 'json-array');
    assert.equal(report.rows, 300);
    assert.equal(report.duplicates.rows, 5);
    assert.deepEqual(report.kinds.map((k) => k.kind), ['sharegpt-preference']);
    assert.equal(report.tokens?.encoding, 'cl100k_base');
    assert.equal(report.tokens?.exact, true);
    assert.deepEqual(loaded, ['cl100k_base']);
  });

  it('detects a JSON array by its first character, whatever the name', async () => {
    const name = file('array.data', '  [{"prompt":"p","completion":"c"},{"prompt":"p","completion":"c"}]');
    const { io, stdout } = fakeIo({ cwd: dir });
    assert.equal(await runCli(['stats', name, '--json', '--encoding', 'cl100k_base'], io, commands), ExitCode.Success);
    const report = JSON.parse(stdout.text) as DatasetStatisticsReport & { format: string };
    assert.equal(report.format, 'json-array');
    assert.equal(report.duplicates.rows, 1);
    assert.equal(report.tokens?.encoding, 'cl100k_base');
    assert.equal(report.tokens?.exact, false);
  });

  it('reports malformed rows, with their place, and still exits 0', async () => {
    const name = file('messy.jsonl', '{"prompt":"p","completion":"c"}\n\n{"prompt": \n{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a"}],"distillery":{"provenance":"synthetic","teacher":"gpt-4o"}}\n');
    const { io, stdout } = fakeIo({ cwd: dir });
    assert.equal(await runCli(['stats', name, '--no-tokens'], io, commands), ExitCode.Success);
    assert.match(stdout.text, /^malformed\s+1$/m);
    assert.match(stdout.text, /^blank lines\s+1$/m);
    assert.match(stdout.text, /^messy\.jsonl:3:\d+: malformed: /m);
    assert.match(stdout.text, /^synthetic\s+1\s+50\.0%$/m);
    assert.match(stdout.text, /^ {2}teacher gpt-4o\s+1\s+100\.0%$/m);
    assert.doesNotMatch(stdout.text, /^Tokens/m);
    assert.deepEqual(loaded, []);
  });

  it('exits 2 for unreadable input and bad options', async () => {
    mkdirSync(path.join(dir, 'folder'), { recursive: true });
    const broken = file('broken.json', '[\n  {"a": 1},\n  {"a": }\n]');
    for (const [args, message] of [
      [['stats', 'missing.jsonl'], /cannot read \(ENOENT\)/],
      [['stats', 'folder'], /not a file/],
      [['stats', broken], /broken\.json:3:\d+: /],
      [['stats', broken, '--encoding', 'p50k_base'], /--encoding must be/],
      [['stats'], /missing arguments/],
      [['stats', 'a', 'b'], /unexpected argument/],
    ] as const) {
      const { io, stderr } = fakeIo({ cwd: dir });
      assert.equal(await runCli([...args], io, commands), ExitCode.BadInput, args.join(' '));
      assert.match(stderr.text, message);
    }
  });
});
