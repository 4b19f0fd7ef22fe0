// The project's simulated model endpoint (test/support/sim.ts), run as a child process.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './paths.mjs';
import { stopProcessGroup } from './code-server.mjs';

export const SIMULATOR_SCRIPT = path.join(ROOT, 'test', 'support', 'sim.ts');

/**
 * Starts `node --import tsx test/support/sim.ts` in its own process group and waits for its
 * "listening at http://127.0.0.1:PORT/v1" line. Returns { baseURL, child, stop() }.
 */
export async function startSimulator({ script = SIMULATOR_SCRIPT, env = {}, args = [], timeoutMs = 30_000 } = {}) {
  if (!fs.existsSync(script)) {
    throw new Error(`the simulator ${path.relative(ROOT, script)} does not exist (set OPENAI_BASE_URL to use a real endpoint instead)`);
  }
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let output = '';
  const baseURL = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`the simulator did not report its address within ${timeoutMs / 1000} s`)), timeoutMs);
    const onData = (chunk) => {
      output += chunk;
      const match = /listening at (http:\/\/127\.0\.0\.1:\d+\S*)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1].replace(/[.,;]$/, ''));
      }
    };
    function fail(error) {
      clearTimeout(timer);
      stopProcessGroup(child).finally(() => reject(new Error(`${error.message}\n${output.trim()}`)));
    }
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    child.once('error', fail);
    child.once('exit', (code, signal) => fail(new Error(`the simulator exited (${code ?? signal}) before listening`)));
  });
  child.removeAllListeners('exit');
  return { baseURL, child, stop: () => stopProcessGroup(child) };
}

/** An endpoint URL for display: never credentials, even if someone put them in the URL. */
export function displayUrl(url) {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    u.search = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return '(not a valid URL)';
  }
}
