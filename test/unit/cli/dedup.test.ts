import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cliCommands } from '../../../src/cli/commands/index';
import { ExitCode } from '../../../src/cli/exitCodes';
import { runCli } from '../../../src/cli/run';
import type { DedupeReport } from '../../../src/core/curation/dedupe';
import { sharedDataFile } from '../../support/sharedData';
import { fakeIo } from './fakeIo';

describe('distillery dedup', function () {
  this.timeout(30_000);
  const dir = mkdtempSync(path.join(tmpdir(), 'distillery-dedup-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the Alpaca demo without its 14 duplicate rows, a report, and prints the counts', async () => {
    const { io, stdout } = fakeIo({ cwd: dir });
    const code = await runCli(['dedup', sharedDataFile('llamafactory-alpaca_en_demo.json'), '-o', 'alpaca.jsonl', '--field', 'row', '--exact-only', '--report', 'report.json'], io, cliCommands);
    assert.equal(code, ExitCode.Success);
    assert.match(stdout.text, /999 rows by row: 14 exact duplicates; 985 rows written to alpaca\.jsonl/);
    assert.equal(readFileSync(path.join(dir, 'alpaca.jsonl'), 'utf8').trim().split('\n').length, 985);
    const report = JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8')) as DedupeReport;
    assert.equal(report.exactDuplicates, 14);
    assert.equal(report.threshold, null);
    assert.ok(report.clusters.every((cluster) => cluster.kind === 'exact' && cluster.duplicateLines.every((line) => line > cluster.representativeLine)));
  });

  it('finds near-duplicates at the threshold given', async () => {
    const words = Array.from({ length: 100 }, (_, i) => `word${i}`);
    const rows = [words.join(' '), [...words.slice(0, 50), 'x', ...words.slice(51)].join(' '), 'something else entirely'].map((prompt) => JSON.stringify({ prompt, completion: 'ok' }));
    writeFileSync(path.join(dir, 'near.jsonl'), `${rows.join('\n')}\n`);
    const { io, stdout } = fakeIo({ cwd: dir });
    assert.equal(await runCli(['dedup', 'near.jsonl', '-o', 'near-out.jsonl', '--threshold', '0.7'], io, cliCommands), ExitCode.Success);
    assert.match(stdout.text, /3 rows by prompt: 0 exact duplicates, 1 near-duplicates \(threshold 0\.7\); 2 rows written/);
  });

  it('exits 2 on bad input, naming line and column, and on bad options', async () => {
    writeFileSync(path.join(dir, 'bad.jsonl'), '{"prompt": "a", "completion": "b"}\n{"prompt": \n');
    let run = fakeIo({ cwd: dir });
    assert.equal(await runCli(['dedup', 'bad.jsonl', '-o', 'x.jsonl'], run.io, cliCommands), ExitCode.BadInput);
    assert.match(run.stderr.text, /bad\.jsonl:2:\d+: /);
    run = fakeIo({ cwd: dir });
    assert.equal(await runCli(['dedup', 'bad.jsonl', '-o', 'x.jsonl', '--threshold', '2'], run.io, cliCommands), ExitCode.BadInput);
    assert.match(run.stderr.text, /--threshold must be a number between 0 and 1/);
    run = fakeIo({ cwd: dir });
    assert.equal(await runCli(['dedup', 'missing.jsonl', '-o', 'x.jsonl'], run.io, cliCommands), ExitCode.BadInput);
    assert.match(run.stderr.text, /missing\.jsonl: cannot read \(ENOENT\)/);
  });
});
