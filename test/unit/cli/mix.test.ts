import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cliCommands } from '../../../src/cli/commands/index';
import { ExitCode } from '../../../src/cli/exitCodes';
import { runCli } from '../../../src/cli/run';
import type { MixReport } from '../../../src/core/curation/mixReport';
import { sharedDataFile } from '../../support/sharedData';
import { chat, type Row } from '../curation/rows';
import { fakeIo } from './fakeIo';

describe('distillery mix', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'distillery-mix-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, rows: readonly Row[]) => {
    writeFileSync(path.join(dir, name), rows.map((row) => JSON.stringify(row)).join('\n') + '\n');
    return name;
  };
  const run = async (args: string[]) => {
    const { io, stdout, stderr } = fakeIo({ cwd: dir });
    const code = await runCli(args, io);
    return { code, stdout: stdout.text, stderr: stderr.text };
  };

  /** 3 human rows, 7 synthetic: 5 by gpt-4o, 2 by llama-3. */
  const mix = [
    ...[0, 1, 2].map((i) => chat(`h${i}`, `Human answer ${i} about subject ${i * 11} with its own words.`, { provenance: 'human' })),
    ...[0, 1, 2, 3, 4].map((i) => chat(`g${i}`, `Teacher one on matter ${i * 13}: a considered reply.`, { teacher: 'gpt-4o' })),
    ...[0, 1].map((i) => chat(`l${i}`, `Teacher two, reply ${i}.`, { teacher: 'llama-3' })),
  ];

  it('is in the command table', () => {
    assert.ok(cliCommands.some((command) => command.name === 'mix'));
  });

  it('prints the mix and warnings, exiting 0; 1 with --fail-on-warning', async () => {
    const file = write('mix.jsonl', mix);
    const result = await run(['mix', file, '--max-teacher-share', '0.4', '--max-synthetic-share', '0.6']);
    assert.equal(result.code, ExitCode.Success, result.stderr);
    assert.match(result.stdout, /^Mix: human 3 \(30\.0%\), synthetic 7 \(70\.0%\), unknown 0 \(0\.0%\)$/m);
    assert.match(result.stdout, /^ {2}teacher gpt-4o: 5 \(50\.0%\)$/m);
    assert.match(result.stdout, /^warning: teacher gpt-4o made 50\.0% of the rows \(more than 40\.0%\)$/m);
    assert.match(result.stdout, /^warning: synthetic rows are 70\.0% of the rows \(more than 60\.0%\)$/m);
    const failing = await run(['mix', file, '--max-teacher-share', '0.4', '--fail-on-warning']);
    assert.equal(failing.code, ExitCode.PartialFailure);
    const calm = await run(['mix', file, '--max-teacher-share', '0.5', '--fail-on-warning']);
    assert.equal(calm.code, ExitCode.Success);
    assert.match(calm.stdout, /^No warnings\.$/m);
  });

  it('--json with --against: the Alpaca demo answers as the source vs a collapsed synthetic set', async () => {
    const collapsed = Array.from({ length: 80 }, (_, i) =>
      chat(`q${i}`, `Great question! The answer depends on many factors, and it is important to consider all of them carefully before deciding ${i % 3}.`, { teacher: 'echo' }),
    );
    const source = sharedDataFile('llamafactory-alpaca_en_demo.json');
    const file = write('collapsed.jsonl', collapsed);
    const result = await run(['mix', file, '--against', source, '--json']);
    assert.equal(result.code, ExitCode.Success, result.stderr);
    const report = JSON.parse(result.stdout) as MixReport & { file: string; against: string };
    assert.equal(report.file, file);
    assert.equal(report.syntheticShare, 1);
    assert.deepEqual(report.teachers, [{ teacher: 'echo', rows: 80, share: 1 }]);
    assert.ok(report.source && report.source.answers > 900, 'the whole Alpaca demo is the source');
    assert.ok(report.diversity.distinct1 < report.source.distinct1);
    assert.deepEqual(report.warnings.map((w) => w.code), ['distinct-drop', 'distinct-drop', 'distinct-drop', 'near-duplicate-rise']);
  });

  it('bad input: a malformed source line at line:column, a share out of range, margins without --against; exit 2', async () => {
    const file = write('mix.jsonl', mix);
    writeFileSync(path.join(dir, 'bad.jsonl'), `${JSON.stringify(mix[0])}\n\n  nope\n`);
    const bad = await run(['mix', file, '--against', 'bad.jsonl']);
    assert.equal(bad.code, ExitCode.BadInput);
    assert.match(bad.stderr, /^bad\.jsonl:3:\d+: error: /m);
    const share = await run(['mix', file, '--max-synthetic-share', '1.5']);
    assert.equal(share.code, ExitCode.BadInput);
    assert.match(share.stderr, /--max-synthetic-share must be a number from 0 to 1, not "1\.5"/);
    const margin = await run(['mix', file, '--max-distinct-drop', '0.1']);
    assert.equal(margin.code, ExitCode.BadInput);
    assert.match(margin.stderr, /need --against SOURCE/);
  });
});
