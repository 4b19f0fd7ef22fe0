/**
 * The CLI as shipped (dist/cli.js, built here) on a profile of concurrency 64: its calls go
 * through the request thread in dist/requestWorker.js, which the bundle must find beside itself
 * (the engine says so in a warning when it does not, and sends from its own thread). Every row is
 * answered once and the process ends by itself.
 */
import { strict as assert } from 'node:assert';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startTestServer, type TestServer } from '../../support/openaiServer';
import { writeJsonl } from '../pipeline/support';

const REPO = path.resolve(__dirname, '../../..');
const ROWS = 300;

describe('distillery (the bundled CLI): request threads', function () {
  this.timeout(120_000);
  let server: TestServer;
  let dir: string;

  before(async () => {
    // The bundle from the sources as they are now.
    const build = spawnSync(process.execPath, ['esbuild.js'], { cwd: REPO, encoding: 'utf8' });
    assert.equal(build.status, 0, build.stderr);
    server = await startTestServer({ seed: 8, latency: 20 });
    dir = mkdtempSync(path.join(tmpdir(), 'distillery-bundled-'));
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('generate at concurrency 64: every row answered once, no warning, and the process exits by itself', async () => {
    const input = path.join(dir, 'in.jsonl');
    const output = path.join(dir, 'out.jsonl');
    writeJsonl(input, Array.from({ length: ROWS }, (_, i) => ({ prompt: `Question ${i}: name a river.` })));
    const profiles = path.join(dir, 'profiles.jsonc');
    writeFileSync(profiles, JSON.stringify({ default: 'sim', profiles: { sim: { baseURL: server.baseURL, model: 'sim-small', concurrency: 64 } } }));
    const child = spawn(process.execPath, [path.join(REPO, 'dist', 'cli.js'), 'generate', input, '-o', output, '--profiles', profiles, '--concurrency', '128', '--no-cache'], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.resume();
    const killer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    const code = await new Promise<number | NodeJS.Signals>((resolve) => child.on('exit', (exitCode, signal) => resolve(signal ?? exitCode ?? -1)));
    clearTimeout(killer);
    assert.equal(code, 0, `exit ${String(code)}: ${stderr}`);
    assert.doesNotMatch(stderr, /warning/, 'no fallback from the request threads');
    const rows = readFileSync(output, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { prompt: string; completion?: string });
    assert.equal(rows.length, ROWS);
    assert.equal(new Set(rows.map((row) => row.prompt)).size, ROWS, 'each prompt once');
    assert.ok(rows.every((row) => typeof row.completion === 'string' && row.completion.length > 0), 'each with its answer');
    assert.equal(server.chatRequests().length, ROWS);
  });
});
