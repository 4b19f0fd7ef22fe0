import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cliCommands } from '../../../src/cli/commands/index';
import { ExitCode } from '../../../src/cli/exitCodes';
import { runCli } from '../../../src/cli/run';
import type { DecontaminationReport } from '../../../src/core/curation/decontaminate';
import { sharedDataFile } from '../../support/sharedData';
import { fakeIo } from './fakeIo';

describe('distillery decontaminate', function () {
  this.timeout(30_000);
  const dir = mkdtempSync(path.join(tmpdir(), 'distillery-decontaminate-cli-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const firstQuestion = (JSON.parse(readFileSync(sharedDataFile('mt_bench_question.jsonl'), 'utf8').split('\n')[0] as string) as { turns: string[] }).turns[0] as string;

  it('removes a row holding an MT-bench question, reports it, and writes the rest', async () => {
    const rows = [
      { instruction: 'Summarise the causes of the French revolution in three sentences.', input: '', output: 'The revolution had many causes.' },
      { instruction: `Hello! ${firstQuestion.toLowerCase()}`, input: '', output: 'Aloha!' },
      { instruction: 'Translate "good morning" into German.', input: '', output: 'Guten Morgen.' },
    ];
    writeFileSync(path.join(dir, 'data.json'), JSON.stringify(rows));
    const { io, stdout } = fakeIo({ cwd: dir });
    const code = await runCli(['decontaminate', 'data.json', '--against', sharedDataFile('mt_bench_question.jsonl'), '-o', 'clean.json', '--report', 'report.json'], io, cliCommands);
    assert.equal(code, ExitCode.Success);
    assert.match(stdout.text, /data\.json:2: shares "compose an engaging travel blog post .*" with .*mt_bench_question\.jsonl:1 \(id 81\)/);
    assert.match(stdout.text, /3 rows checked against 80 benchmark items \(13-grams\): 1 contaminated; 2 rows written to clean\.json/);
    assert.deepEqual(JSON.parse(readFileSync(path.join(dir, 'clean.json'), 'utf8')), [rows[0], rows[2]]);
    const report = JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8')) as DecontaminationReport;
    assert.equal(report.contaminated[0]?.item.id, 81);
  });

  it('exits 2 without --against, with a bad --ngram, or with a benchmark item that has no text', async () => {
    writeFileSync(path.join(dir, 'in.jsonl'), '{"prompt": "a", "completion": "b"}\n');
    writeFileSync(path.join(dir, 'bench.jsonl'), '{"question_id": 1, "turns": ["q"]}\n{"question_id": 2}\n');
    let run = fakeIo({ cwd: dir });
    assert.equal(await runCli(['decontaminate', 'in.jsonl', '-o', 'out.jsonl'], run.io, cliCommands), ExitCode.BadInput);
    assert.match(run.stderr.text, /--against FILE/);
    run = fakeIo({ cwd: dir });
    assert.equal(await runCli(['decontaminate', 'in.jsonl', '--against', 'bench.jsonl', '-o', 'out.jsonl', '--ngram', '0'], run.io, cliCommands), ExitCode.BadInput);
    assert.match(run.stderr.text, /--ngram must be a positive whole number/);
    run = fakeIo({ cwd: dir });
    assert.equal(await runCli(['decontaminate', 'in.jsonl', '--against', 'bench.jsonl', '-o', 'out.jsonl'], run.io, cliCommands), ExitCode.BadInput);
    assert.match(run.stderr.text, /bench\.jsonl:2:1: benchmark item has no text/);
  });
});
