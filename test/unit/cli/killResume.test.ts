/**
 * `kill -9` of a real `distillery generate` process at random moments (seeded), 20 times, then a
 * last run to the end: after each kill the output holds only whole rows (at most a torn last line,
 * which the next run trims), and at the end every input row is there exactly once.
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { seededRandom } from '../../../src/core/random';
import { InputRowKeys } from '../../../src/core/pipeline/inputKeys';
import { startTestServer, type TestServer } from '../../support/openaiServer';
import { distinctAnswer, sourceOf, writeJsonl } from '../pipeline/support';

const REPO = path.resolve(__dirname, '../../..');
const MAIN = path.join(REPO, 'src/cli/main.ts');
const ROWS = 400;
const SAMPLES = 2;
const KILLS = 20;

interface Child {
  /** Resolves with the exit code, or the signal that ended it. */
  readonly exited: Promise<number | NodeJS.Signals>;
  kill(): void;
  output(): string;
}

function startCli(args: string[], env: Record<string, string>): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    cwd: REPO,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exited = new Promise<number | NodeJS.Signals>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code ?? -1)));
  return { exited, kill: () => child.kill('SIGKILL'), output: () => text };
}

/** Whole lines parsed; the text after the last newline (a torn row, or nothing) returned apart. */
function readOutput(file: string): { rows: Record<string, unknown>[]; torn: string } {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const end = text.lastIndexOf('\n') + 1;
  const rows = text
    .slice(0, end)
    .split('\n')
    .filter((line) => line !== '')
    .map((line, index) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        throw new Error(`line ${index + 1} of the output is not a whole row: ${line.slice(0, 120)}`);
      }
    });
  return { rows, torn: text.slice(end) };
}

describe('distillery generate: kill -9 and resume', function () {
  this.timeout(120_000);
  let server: TestServer;
  let dir: string;

  before(async () => {
    server = await startTestServer({ seed: 4, latency: { kind: 'longTail', medianMs: 10, sigma: 0.5 } });
    server.addRule({ name: 'distinct', reply: distinctAnswer });
    dir = mkdtempSync(path.join(tmpdir(), 'distillery-kill-'));
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`${KILLS} kills at random moments, then a resume: every row once, the output always whole`, async () => {
    const input = path.join(dir, 'in.jsonl');
    const output = path.join(dir, 'out.jsonl');
    const rows = Array.from({ length: ROWS }, (_, i) => ({ prompt: `Question ${i}: name a thing <<q${i}>>.` }));
    writeJsonl(input, rows);
    const profiles = path.join(dir, 'profiles.jsonc');
    writeFileSync(profiles, JSON.stringify({ default: 'sim', profiles: { sim: { baseURL: server.baseURL, model: 'sim-small', apiKeyEnv: 'SIM_KEY', concurrency: 8 } } }));
    const args = ['generate', input, '-o', output, '--n', String(SAMPLES), '--seed', '1', '--profiles', profiles, '--cache-dir', path.join(dir, 'cache')];
    const env = { SIM_KEY: 'sk-kill-test' };
    const random = seededRandom('kill-resume');
    let torn = 0;

    for (let kill = 1; kill <= KILLS; kill++) {
      const sentBefore = server.chatRequests().length;
      const child = startCli(args, env);
      // Killed once it has sent 2 to 30 requests, and 0 to 20 ms later: always mid-run.
      const after = 2 + Math.floor(random() * 29);
      const extraMs = Math.floor(random() * 21);
      let exitedEarly: number | NodeJS.Signals | undefined;
      void child.exited.then((code) => (exitedEarly = code));
      while (server.chatRequests().length < sentBefore + after && exitedEarly === undefined) await new Promise((resolve) => setTimeout(resolve, 2));
      assert.equal(exitedEarly, undefined, `run ${kill} ended before the kill: ${child.output()}`);
      await new Promise((resolve) => setTimeout(resolve, extraMs));
      child.kill();
      assert.equal(await child.exited, 'SIGKILL', `run ${kill} was killed`);

      const { rows: written, torn: rest } = readOutput(output);
      if (rest !== '') torn++;
      const keys = written.map((row) => sourceOf(row).key);
      assert.equal(new Set(keys).size, keys.length, `after kill ${kill}: no row written twice`);
      assert.ok(written.length < ROWS * SAMPLES, `kill ${kill} landed mid-run (${written.length} rows written)`);
    }

    const last = startCli(args, env);
    const code = await last.exited;
    assert.equal(code, 0, last.output());
    const { rows: written, torn: rest } = readOutput(output);
    assert.equal(rest, '', 'the output ends with a whole line');
    const keys = new InputRowKeys();
    const expected = rows.map((row) => keys.next(row)).sort();
    const perInput = new Map<string, number>();
    for (const row of written) perInput.set(sourceOf(row).input, (perInput.get(sourceOf(row).input) ?? 0) + 1);
    assert.deepEqual([...perInput.keys()].sort(), expected, 'every input row, and nothing else');
    assert.ok([...perInput.values()].every((count) => count === SAMPLES), 'each with all of its samples, once');
    assert.equal(new Set(written.map((row) => sourceOf(row).key)).size, ROWS * SAMPLES);
    assert.equal(existsSync(`${output}.errors.jsonl`), false);
    // Not an assertion (where a kill lands is chance): how often a line was torn.
    if (torn > 0) process.stdout.write(`      (${torn} of ${KILLS} kills left a torn last line, trimmed on resume)\n`);
  });
});
