import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import OpenAI from 'openai';
import { SIMULATOR_BANNER, simulatorOptionsFrom, startSimulator } from '../../support/sim';

const SIM_SCRIPT = path.resolve(__dirname, '../../support/sim.ts');

describe('the offline simulator', () => {
  it('starts in-process and answers, labelled as simulated', async () => {
    const sim = await startSimulator({ seed: 4 });
    try {
      const client = new OpenAI({ baseURL: sim.baseURL, apiKey: 'none', maxRetries: 0 });
      const { data, response } = await client.chat.completions.create({ model: 'sim-small', messages: [{ role: 'user', content: 'Explain gravity.' }] }).withResponse();
      assert.equal(response.headers.get('x-distillery-simulated'), 'true');
      assert.equal(data.system_fingerprint, 'distillery-simulator');
      assert.match(data.choices[0]?.message.content ?? '', /^\[simulated\] /);
    } finally {
      await sim.close();
    }
  });

  it('reads its options from flags and the environment', () => {
    assert.deepEqual(simulatorOptionsFrom(['--port', '9000', '--seed=3'], {}), { port: 9000, seed: 3 });
    assert.deepEqual(simulatorOptionsFrom([], { SIM_PORT: '8123', SIM_SEED: '5' }), { port: 8123, seed: 5 });
    assert.deepEqual(simulatorOptionsFrom(['--latency', '100', '--chunk-interval', '10'], {}), {
      port: 0,
      seed: 0,
      latency: { kind: 'longTail', medianMs: 100, sigma: 0.5 },
      streamChunkIntervalMs: 10,
    });
    assert.throws(() => simulatorOptionsFrom(['--port', 'abc'], {}), /port/);
  });

  it('runs standalone: prints exactly one line with its base URL, serves, and stops on SIGTERM', async function () {
    this.timeout(15000); // starting node with the tsx loader takes a few seconds on a busy machine
    const child = spawn(process.execPath, ['--import', 'tsx', SIM_SCRIPT], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SIM_PORT: '0' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      while (!stdout.includes('\n')) {
        if (child.exitCode !== null) assert.fail(`the simulator exited: ${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const match = new RegExp(`^${SIMULATOR_BANNER.replace(/[()]/g, '\\$&')} (http://127\\.0\\.0\\.1:\\d+/v1)\\n$`).exec(stdout);
      assert.ok(match, `unexpected output: ${JSON.stringify(stdout)}`);
      const client = new OpenAI({ baseURL: match[1], apiKey: 'none', maxRetries: 0 });
      const models = await client.models.list();
      assert.ok(models.data.length > 0);
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0);
    assert.equal(stdout.split('\n').filter(Boolean).length, 1);
  });
});
