import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../../../src/cli/run';
import { ExitCode } from '../../../src/cli/exitCodes';
import type { CliCommand } from '../../../src/cli/command';
import { fakeIo } from './fakeIo';
import { version } from '../../../package.json';

describe('distillery CLI', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'distillery-cli-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    writeFileSync(path.join(dir, name), text);
    return name;
  };

  it('prints help listing every subcommand, and the version', async () => {
    const help = fakeIo();
    assert.equal(await runCli(['--help'], help.io), ExitCode.Success);
    for (const name of ['check', 'endpoint', 'models']) assert.match(help.stdout.text, new RegExp(`^  ${name} `, 'm'));
    const ver = fakeIo();
    assert.equal(await runCli(['--version'], ver.io), ExitCode.Success);
    assert.equal(ver.stdout.text, `${version}\n`);
  });

  it('tells bad usage apart with exit code 2', async () => {
    for (const args of [[], ['nonsense'], ['check'], ['check', 'a.jsonl', '--nope'], ['endpoint', 'extra']]) {
      const { io, stderr } = fakeIo({ cwd: dir });
      assert.equal(await runCli(args, io), ExitCode.BadInput, args.join(' '));
      if (args.length > 0) assert.match(stderr.text, /^distillery: /);
    }
  });

  it('runs subcommands from the table it is given', async () => {
    const echo: CliCommand = {
      name: 'echo',
      summary: 'says its arguments',
      usage: 'WORD...',
      optionHelp: [],
      options: { loud: { type: 'boolean' } },
      positionals: { min: 1, max: 3 },
      async run({ values, positionals, io }) {
        const text = positionals.join(' ');
        io.stdout.write(values.loud ? text.toUpperCase() : text);
        return ExitCode.PartialFailure;
      },
    };
    const { io, stdout } = fakeIo();
    assert.equal(await runCli(['echo', 'a', 'b', '--loud'], io, [echo]), ExitCode.PartialFailure);
    assert.equal(stdout.text, 'A B');
    const help = fakeIo();
    await runCli(['help', 'echo'], help.io, [echo]);
    assert.match(help.stdout.text, /^Usage: distillery echo WORD\.\.\./);
  });

  it('check: exit 0 for clean files, 2 with each problem at line:column', async () => {
    const clean = fakeIo({ cwd: dir });
    assert.equal(await runCli(['check', file('clean.jsonl', '{"a":1}\n{"a":2}\n')], clean.io), ExitCode.Success);
    assert.match(clean.stdout.text, /clean\.jsonl: 2 rows, 0 blank lines, 0 malformed/);

    const broken = fakeIo({ cwd: dir });
    assert.equal(await runCli(['check', file('broken.jsonl', '{"a":1}\n\n{"a" 2}\n')], broken.io), ExitCode.BadInput);
    assert.match(broken.stdout.text, /^broken\.jsonl:3:6: error: colon expected$/m);
  });

  it('check --json prints machine-readable counts', async () => {
    const { io, stdout } = fakeIo({ cwd: dir });
    await runCli(['check', '--json', file('j.jsonl', '{"a":1}\n[]\n')], io);
    const [summary] = JSON.parse(stdout.text) as Array<{ file: string; rows: number; malformed: number }>;
    assert.deepEqual([summary?.file, summary?.rows, summary?.malformed], ['j.jsonl', 1, 1]);
  });

  it('check: a missing file is bad input, said plainly', async () => {
    const { io, stderr } = fakeIo({ cwd: dir });
    assert.equal(await runCli(['check', 'missing.jsonl'], io), ExitCode.BadInput);
    assert.match(stderr.text, /missing\.jsonl: cannot read \(ENOENT\)/);
  });

  it('endpoint: reads the environment unless a profiles file says otherwise, never printing the key', async () => {
    const env = { OPENAI_BASE_URL: 'http://127.0.0.1:1/v1', OPENAI_API_KEY: 'sk-canary-0123456789', LOCAL_KEY: 'lk-canary-0123456789' };
    const fromEnv = fakeIo({ env, cwd: dir });
    assert.equal(await runCli(['endpoint', '--json'], fromEnv.io), ExitCode.Success);
    assert.equal(JSON.parse(fromEnv.stdout.text).baseURL, 'http://127.0.0.1:1/v1');

    const profiles = file('profiles.jsonc', '{"default":"local","profiles":{"local":{"baseURL":"http://127.0.0.1:2/v1","apiKeyEnv":"LOCAL_KEY"}}}');
    const fromFile = fakeIo({ env, cwd: dir });
    assert.equal(await runCli(['endpoint', '--profiles', profiles], fromFile.io), ExitCode.Success);
    assert.match(fromFile.stdout.text, /baseURL +http:\/\/127\.0\.0\.1:2\/v1/);
    assert.match(fromFile.stdout.text, /apiKey +set \(from LOCAL_KEY\)/);
    for (const out of [fromEnv, fromFile]) assert.ok(!(out.stdout.text + out.stderr.text).includes('canary'));

    const bad = fakeIo({ env, cwd: dir });
    assert.equal(await runCli(['endpoint', '--profiles', file('bad.jsonc', '{"profiles": {"x": {"apiKey": "sk-canary-0123456789"}}}')], bad.io), ExitCode.BadInput);
    assert.match(bad.stderr.text, /bad\.jsonc:1:21: keys do not belong/);
    assert.ok(!bad.stderr.text.includes('canary'));
  });
});
