import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cliCommands } from '../../../src/cli/commands/index';
import { ExitCode } from '../../../src/cli/exitCodes';
import { runCli } from '../../../src/cli/run';
import { sharedDataFile } from '../../support/sharedData';
import { chat, judgement, pair, score, type Row } from '../curation/rows';
import { fakeIo } from './fakeIo';

describe('distillery filter', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'distillery-filter-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, rows: readonly Row[]) => {
    writeFileSync(path.join(dir, name), rows.map((row) => JSON.stringify(row)).join('\n') + '\n');
    return name;
  };
  const readJsonl = (name: string) => readFileSync(path.join(dir, name), 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Row);
  const run = async (args: string[]) => {
    const { io, stdout, stderr } = fakeIo({ cwd: dir });
    const code = await runCli(args, io);
    return { code, stdout: stdout.text, stderr: stderr.text };
  };

  const rows = [
    chat('q0', 'A long enough answer about gravity and orbits.', { teacher: 'gpt-4o', score: score(4.5), tags: ['science'] }),
    chat('q1', 'Too short.', { teacher: 'gpt-4o', score: score(4.8), tags: ['science'] }),
    chat('q2', 'A fine answer on history of the Roman empire.', { teacher: 'llama-3', score: score(2) }),
    chat('q3', 'An unscored answer that is long enough to pass.', { provenance: 'human' }),
    chat('q4', 'Another well scored answer, by the second teacher.', { teacher: 'llama-3', score: score(5), tags: ['science'] }),
    pair('q5', 'A chosen answer that is long enough too.', 'r', { teacher: 'gpt-4o', score: score(4), judgement: judgement('A', true) }),
  ];

  it('is in the command table', () => {
    assert.ok(cliCommands.some((command) => command.name === 'filter'));
  });

  it('writes the kept rows and prints kept and dropped by reason', async () => {
    const input = write('in.jsonl', rows);
    const result = await run(['filter', input, '-o', 'out.jsonl', '--min-score', '4', '--min-chars', '20']);
    assert.equal(result.code, ExitCode.Success, result.stderr);
    assert.deepEqual(readJsonl('out.jsonl'), [rows[0], rows[4], rows[5]]);
    assert.match(result.stdout, /^in\.jsonl: 6 rows; kept 3, dropped 3$/m);
    assert.match(result.stdout, /^ {2}dropped by score: 2$/m);
    assert.match(result.stdout, /^ {2}dropped by length: 1$/m);
    assert.match(result.stdout, /^out\.jsonl: 3 rows written$/m);
  });

  it('filters by verdict, tag, teacher, provenance and kind', async () => {
    const input = write('in.jsonl', rows);
    await run(['filter', input, '-o', 'v.jsonl', '--verdict', 'A', '--consistent']);
    assert.deepEqual(readJsonl('v.jsonl'), [rows[5]]);
    await run(['filter', input, '-o', 't.jsonl', '--tag', 'science', '--teacher', 'gpt-4o']);
    assert.deepEqual(readJsonl('t.jsonl'), [rows[0], rows[1]]);
    await run(['filter', input, '-o', 'h.jsonl', '--provenance', 'human']);
    assert.deepEqual(readJsonl('h.jsonl'), [rows[3]]);
    const kind = await run(['filter', input, '-o', 'k.jsonl', '--kind', 'preference']);
    assert.deepEqual(readJsonl('k.jsonl'), [rows[5]]);
    assert.match(kind.stdout, /dropped by kind: 5/);
  });

  it('balances by teacher with a cap, and by a field with --equal, reproducibly with --seed', async () => {
    const input = write('in.jsonl', rows);
    const capped = await run(['filter', input, '-o', 'cap.jsonl', '--balance-by', 'teacher', '--cap', '1']);
    assert.equal(capped.code, ExitCode.Success, capped.stderr);
    assert.deepEqual(readJsonl('cap.jsonl'), [rows[0], rows[2], rows[3]]);
    assert.match(capped.stdout, /^ {2}gpt-4o: 3 → 1$/m);
    assert.match(capped.stdout, /^ {2}\(none\): 1 → 1$/m);

    const labelled = Array.from({ length: 12 }, (_, i) => ({ prompt: `p${i}`, completion: `c${i}`, label: i % 4 === 0 }));
    const file = write('kto.jsonl', labelled);
    await run(['filter', file, '-o', 'eq1.jsonl', '--balance-by', 'label', '--equal', '--seed', '42']);
    await run(['filter', file, '-o', 'eq2.jsonl', '--balance-by', 'label', '--equal', '--seed', '42']);
    const first = readJsonl('eq1.jsonl');
    assert.equal(first.length, 6);
    assert.equal(first.filter((row) => row.label === true).length, 3);
    assert.deepEqual(readJsonl('eq2.jsonl'), first);
  });

  it('writes kept JSONL lines byte for byte as they were (spacing, key order, CRLF, BOM)', async () => {
    const lines = [
      '{ "messages" : [{"role":"user","content":"q"},{"role":"assistant","content":"kept, spaced oddly"}], "score": 1.0 }',
      '{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"x"}]}',
      '{"z":2,"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"kept too, CRLF"}],"a":1}',
    ];
    writeFileSync(path.join(dir, 'raw.jsonl'), `\uFEFF${lines[0]}\r\n${lines[1]}\n${lines[2]}\r\n`);
    const result = await run(['filter', 'raw.jsonl', '-o', 'raw-out.jsonl', '--min-chars', '5']);
    assert.equal(result.code, ExitCode.Success, result.stderr);
    assert.equal(readFileSync(path.join(dir, 'raw-out.jsonl'), 'utf8'), `\uFEFF${lines[0]}\r\n${lines[2]}\r\n`);
  });

  it('filters a JSON array (the DPO demo) into a JSON array', async () => {
    const result = await run(['filter', sharedDataFile('llamafactory-dpo_en_demo.json'), '-o', 'dpo.json', '--kind', 'sharegpt-preference', '--max-chars', '200']);
    assert.equal(result.code, ExitCode.Success, result.stderr);
    const kept = JSON.parse(readFileSync(path.join(dir, 'dpo.json'), 'utf8')) as { chosen: { value: string } }[];
    assert.ok(kept.length > 0 && kept.length < 300);
    for (const row of kept) assert.ok([...row.chosen.value].length <= 200);
    assert.match(result.stdout, new RegExp(`kept ${kept.length}, dropped ${300 - kept.length}`));
  });

  it('reports a malformed line at line:column, writes nothing and exits 2', async () => {
    writeFileSync(path.join(dir, 'bad.jsonl'), `${JSON.stringify(rows[0])}\n{"messages": [}\n`);
    const result = await run(['filter', 'bad.jsonl', '-o', 'never.jsonl']);
    assert.equal(result.code, ExitCode.BadInput);
    assert.match(result.stderr, /^bad\.jsonl:2:\d+: error: /m);
    assert.equal(existsSync(path.join(dir, 'never.jsonl')), false);
  });

  it('refuses bad options with exit 2, naming the option', async () => {
    const input = write('in.jsonl', rows);
    const cases: [string[], RegExp][] = [
      [['--min-score', 'high'], /--min-score must be a number from 1 to 5, not "high"/],
      [['--verdict', 'C'], /--verdict must be A, B or tie/],
      [['--cap', '3'], /need --balance-by/],
      [['--balance-by', 'teacher'], /needs one of --cap N or --equal/],
      [['--min-chars', '5', '--max-words', '9'], /not both/],
      [['--kind', 'poem'], /--kind must be one of/],
    ];
    for (const [options, message] of cases) {
      const result = await run(['filter', input, '-o', 'x.jsonl', ...options]);
      assert.equal(result.code, ExitCode.BadInput, options.join(' '));
      assert.match(result.stderr, message);
    }
    assert.equal((await run(['filter', input])).code, ExitCode.BadInput, 'no -o');
  });
});
