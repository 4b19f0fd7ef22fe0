import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../../../src/cli/run';
import { ExitCode } from '../../../src/cli/exitCodes';
import { detectRowKind } from '../../../src/core/dataset/rowKinds';
import { sharedDataFile } from '../../support/sharedData';
import { fakeIo } from './fakeIo';

const jsonl = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe('distillery convert', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'distillery-convert-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const at = (name: string) => path.join(dir, name);

  it('turns the LLaMA-Factory Alpaca array into chat JSONL, every row kept', async () => {
    const { io, stdout } = fakeIo({ cwd: dir });
    assert.equal(await runCli(['convert', sharedDataFile('llamafactory-alpaca_en_demo.json'), '-o', 'alpaca.jsonl', '--to', 'messages'], io), ExitCode.Success);
    assert.match(stdout.text, /999 rows written as JSONL, 999 converted to messages/);
    const rows = jsonl(at('alpaca.jsonl'));
    assert.equal(rows.length, 999);
    assert.ok(rows.every((row) => detectRowKind(row) === 'chat'));
  });

  it('turns the LLaMA-Factory DPO array into TRL preference rows', async () => {
    const { io } = fakeIo({ cwd: dir });
    assert.equal(await runCli(['convert', sharedDataFile('llamafactory-dpo_en_demo.json'), '-o', 'dpo.jsonl', '--to', 'messages'], io), ExitCode.Success);
    const rows = jsonl(at('dpo.jsonl'));
    assert.equal(rows.length, 300);
    assert.ok(rows.every((row) => detectRowKind(row) === 'preference'));
  });

  it('converts KTO rows to ShareGPT and back to the original rows', async () => {
    const source = sharedDataFile('llamafactory-kto_en_demo.json');
    const { io, stdout } = fakeIo({ cwd: dir });
    assert.equal(await runCli(['convert', source, '-o', 'kto-sg.jsonl', '--to', 'sharegpt'], io), ExitCode.Success);
    assert.match(stdout.text, /300 rows written as JSONL, 300 converted to sharegpt/);
    assert.equal(await runCli(['convert', 'kto-sg.jsonl', '-o', 'kto.json', '--to', 'messages'], fakeIo({ cwd: dir }).io), ExitCode.Success);
    assert.deepEqual(JSON.parse(readFileSync(at('kto.json'), 'utf8')), JSON.parse(readFileSync(source, 'utf8')));
  });

  it('JSONL → JSON array → JSONL gives the same rows (hh-rlhf)', async () => {
    const source = sharedDataFile('hh-rlhf-harmless-base-test.jsonl');
    assert.equal(await runCli(['convert', source, '-o', 'hh.json'], fakeIo({ cwd: dir }).io), ExitCode.Success);
    assert.equal(await runCli(['convert', 'hh.json', '-o', 'hh.jsonl'], fakeIo({ cwd: dir }).io), ExitCode.Success);
    assert.deepEqual(jsonl(at('hh.jsonl')), jsonl(source));
  });

  it('ShareGPT ⇄ messages round trip, with Distillery metadata stripped on request', async () => {
    writeFileSync(
      at('sg.jsonl'),
      '{"conversations":[{"from":"human","value":"hi"},{"from":"gpt","value":"hello"}],"distillery":{"provenance":"human"}}\n',
    );
    assert.equal(await runCli(['convert', 'sg.jsonl', '-o', 'chat.jsonl', '--to', 'messages', '--strip-metadata'], fakeIo({ cwd: dir }).io), ExitCode.Success);
    assert.deepEqual(jsonl(at('chat.jsonl')), [{ messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'hello' }] }]);
    assert.equal(await runCli(['convert', 'chat.jsonl', '-o', 'back.jsonl', '--to', 'sharegpt'], fakeIo({ cwd: dir }).io), ExitCode.Success);
    assert.deepEqual(jsonl(at('back.jsonl')), [{ conversations: [{ from: 'human', value: 'hi' }, { from: 'gpt', value: 'hello' }] }]);
  });

  it('writes nothing and names every place when a row is malformed or cannot be converted', async () => {
    writeFileSync(
      at('bad.jsonl'),
      [
        '{"conversations":[{"from":"human","value":"q"},{"from":"gpt","value":"a"}]}',
        '{"conversations": [',
        '{"conversations":[{"from":"human","value":"q"},{"from":"function_call","value":"{}"}]}',
        '',
      ].join('\n'),
    );
    const { io, stderr } = fakeIo({ cwd: dir });
    assert.equal(await runCli(['convert', 'bad.jsonl', '-o', 'out.jsonl', '--to', 'messages'], io), ExitCode.BadInput);
    assert.match(stderr.text, /^bad\.jsonl:2:\d+: error: /m);
    assert.match(stderr.text, /^bad\.jsonl:3:1: error: cannot convert at conversations\.1\.from: /m);
    assert.match(stderr.text, /nothing written: 2 rows could not be converted/);
    assert.equal(existsSync(at('out.jsonl')), false);
  });

  it('refuses a missing output, an unknown target and writing over the input', async () => {
    for (const args of [['convert', 'x.jsonl'], ['convert', 'x.jsonl', '-o', 'y.jsonl', '--to', 'alpaca'], ['convert', 'x.jsonl', '-o', 'x.jsonl']]) {
      assert.equal(await runCli(args, fakeIo({ cwd: dir }).io), ExitCode.BadInput, args.join(' '));
    }
  });
});
