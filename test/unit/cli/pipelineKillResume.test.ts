/**
 * `kill -9` of a real `distillery run` process at random moments across its steps, then a run to
 * the end: the manifest always parses, every step's output holds only whole rows, and at the end
 * each step's output has every input row exactly once.
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { InputRowKeys } from '../../../src/core/pipeline/inputKeys';
import { seededRandom } from '../../../src/core/random';
import { startTestServer, type TestServer } from '../../support/openaiServer';
import { sourceOf, writeJsonl } from '../pipeline/support';

const REPO = path.resolve(__dirname, '../../..');
const MAIN = path.join(REPO, 'src/cli/main.ts');
const ROWS = 120;
const KILLS = 8;

function startRun(cwd: string, env: Record<string, string>): { exited: Promise<number | NodeJS.Signals>; kill(): void; output(): string } {
  // From the repository, where tsx resolves; the cache beside the pipeline.
  const args = ['--import', 'tsx', MAIN, 'run', path.join(cwd, 'p.distillery.jsonc'), '--cache-dir', path.join(cwd, 'cache')];
  const child = spawn(process.execPath, args, { cwd: REPO, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exited = new Promise<number | NodeJS.Signals>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code ?? -1)));
  return { exited, kill: () => child.kill('SIGKILL'), output: () => text };
}

/** Whole lines parsed; a torn last line (a kill mid-write) is left for the next run to trim. */
function wholeRows(file: string): Record<string, unknown>[] {
  if (!existsSync(file)) return [];
  const text = readFileSync(file, 'utf8');
  return text.slice(0, text.lastIndexOf('\n') + 1).split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('distillery run: kill -9 and resume', function () {
  this.timeout(180_000);
  let server: TestServer;
  let dir: string;

  before(async () => {
    server = await startTestServer({ seed: 6, latency: { kind: 'longTail', medianMs: 10, sigma: 0.5 } });
    dir = mkdtempSync(path.join(tmpdir(), 'distillery-run-kill-'));
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`${KILLS} kills across the steps, then a resume: every row once in every step`, async () => {
    const rows = Array.from({ length: ROWS }, (_, i) => ({ prompt: `Question ${i}: name a thing <<q${i}>>.` }));
    writeJsonl(path.join(dir, 'in.jsonl'), rows);
    writeFileSync(path.join(dir, 'p.distillery.jsonc'), JSON.stringify({
      input: 'in.jsonl',
      outputDir: 'out',
      concurrency: 8,
      models: {
        profiles: {
          small: { baseURL: server.baseURL, model: 'sim-small', apiKeyEnv: 'SIM_KEY', concurrency: 8 },
          large: { baseURL: server.baseURL, model: 'sim-large', apiKeyEnv: 'SIM_KEY', concurrency: 8 },
        },
        roles: { teacher: ['small', 'large'], judge: 'large' },
      },
      steps: [
        { id: 'answers', type: 'generate', candidates: true, maxTokens: 48 },
        { id: 'verdicts', type: 'judge' },
      ],
    }));
    const env = { SIM_KEY: 'sk-run-kill-test' };
    // generate: 2 calls per row; judge: 2 per row.
    const total = ROWS * 4;
    const random = seededRandom('run-kill-resume');
    for (let kill = 1; kill <= KILLS; kill++) {
      const sentBefore = server.chatRequests().length;
      if (sentBefore >= total - 20) break;
      const child = startRun(dir, env);
      const after = 2 + Math.floor(random() * Math.min(120, total - sentBefore - 20));
      let exitedEarly: number | NodeJS.Signals | undefined;
      void child.exited.then((code) => (exitedEarly = code));
      while (server.chatRequests().length < sentBefore + after && exitedEarly === undefined) await new Promise((resolve) => setTimeout(resolve, 2));
      assert.equal(exitedEarly, undefined, `run ${kill} ended before the kill: ${child.output()}`);
      child.kill();
      assert.equal(await child.exited, 'SIGKILL');
      // The manifest is always whole (written atomically), and the outputs hold whole rows only.
      JSON.parse(readFileSync(path.join(dir, 'out/manifest.json'), 'utf8'));
      for (const file of ['out/01-answers.jsonl', 'out/02-verdicts.jsonl']) {
        const keys = wholeRows(path.join(dir, file)).map((row) => sourceOf(row).key);
        assert.equal(new Set(keys).size, keys.length, `after kill ${kill}: no row twice in ${file}`);
      }
    }

    const last = startRun(dir, env);
    const lastCode = await last.exited;
    // On failure, the rows' own errors say why.
    const errors = ['out/01-answers.jsonl.errors.jsonl', 'out/02-verdicts.jsonl.errors.jsonl'].filter((file) => existsSync(path.join(dir, file))).map((file) => `${file}:\n${readFileSync(path.join(dir, file), 'utf8')}`);
    assert.equal(lastCode, 0, `${last.output()}\n${errors.join('\n')}`);
    const manifest = JSON.parse(readFileSync(path.join(dir, 'out/manifest.json'), 'utf8')) as { outcome: string; steps: { status: string }[] };
    assert.equal(manifest.outcome, 'success');
    const keys = new InputRowKeys();
    const expected = rows.map((row) => keys.next(row)).sort();
    const answers = wholeRows(path.join(dir, 'out/01-answers.jsonl'));
    assert.deepEqual(answers.map((row) => sourceOf(row).input).sort(), expected, 'every prompt answered once');
    const verdicts = wholeRows(path.join(dir, 'out/02-verdicts.jsonl'));
    assert.equal(verdicts.length, ROWS);
    const judgedKeys = new InputRowKeys();
    const answerKeys = answers.map((row) => judgedKeys.next(row)).sort();
    assert.deepEqual(verdicts.map((row) => sourceOf(row).input).sort(), answerKeys, 'every pair judged once');
  });
});
