#!/usr/bin/env node
// End-to-end tests: a headless browser drives a real VS Code (code-server) with the packaged
// extension installed, as a person would.
//
//   node scripts/run-e2e.mjs [extra mocha arguments, e.g. --grep CodeLens]
//
// Steps: system packages and code-server (on demand), `npm run package` (distillery.vsix),
// install it into a fresh extensions dir, write test settings, start code-server on
// test/fixtures/workspace, run test/e2e/*.test.ts with mocha (tsx), stop everything.
// Screenshots go to .test-output/screenshots/. DISTILLERY_E2E_SKIP_PACKAGE=1 reuses an existing
// distillery.vsix; DISTILLERY_E2E_TIMEOUT_MS (default 600000) bounds the mocha run.
// Exits 0 when every test passed, 1 when one failed, 2 when the run itself went wrong.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  FIXTURE_WORKSPACE,
  ROOT,
  SCREENSHOTS_DIR,
  VSIX,
  ensureCodeServer,
  ensureSystemPackages,
  freshRunDir,
  installVsix,
  isolatedEnv,
  pruneRunDirs,
  startCodeServer,
  tailFile,
  writeUserSettings,
} from './lib/index.mjs';

const TIMEOUT_MS = Number(process.env.DISTILLERY_E2E_TIMEOUT_MS) || 600_000;

function log(message) {
  console.log(`[e2e] ${message}`);
}

function packageVsix() {
  if (process.env.DISTILLERY_E2E_SKIP_PACKAGE && fs.existsSync(VSIX)) {
    log(`reusing ${path.relative(ROOT, VSIX)}`);
    return;
  }
  log('packaging (npm run package)');
  fs.rmSync(VSIX, { force: true });
  // vsce lists every file it packs: show that only when packaging fails.
  const r = spawnSync('npm', ['run', '--silent', 'package'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) {
    process.stdout.write(r.stdout ?? '');
    process.stderr.write(r.stderr ?? '');
    throw new Error(`npm run package failed (exit ${r.status ?? r.signal ?? r.error})`);
  }
  if (!fs.existsSync(VSIX)) throw new Error(`npm run package produced no ${path.relative(ROOT, VSIX)}`);
}

function runMocha(env, extraArgs) {
  const mochaBin = path.join(ROOT, 'node_modules', 'mocha', 'bin', 'mocha.js');
  const args = [mochaBin, '--config', path.join('test', 'e2e', '.mocharc.json'), ...extraArgs];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: 'inherit', detached: true });
    const timer = setTimeout(() => {
      console.error(`[e2e] timed out after ${TIMEOUT_MS / 1000} s: stopping the tests`);
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }, TIMEOUT_MS);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(code === 0 ? 0 : code !== null && code > 0 && !signal ? 1 : 2);
    });
    process.once('exit', () => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    });
  });
}

async function main() {
  const started = Date.now();
  ensureSystemPackages();
  ensureCodeServer();
  packageVsix();

  pruneRunDirs();
  const runDir = freshRunDir('e2e');
  const userDataDir = path.join(runDir, 'user-data');
  const extensionsDir = path.join(runDir, 'extensions');
  fs.rmSync(SCREENSHOTS_DIR, { recursive: true, force: true });
  fs.mkdirSync(SCREENSHOTS_DIR, { recursive: true });

  log(`installing ${path.relative(ROOT, VSIX)} into a fresh extensions dir`);
  installVsix(VSIX, { userDataDir, extensionsDir });
  writeUserSettings(userDataDir);

  let server;
  const onSignal = (signal) => {
    console.error(`[e2e] ${signal}: stopping`);
    Promise.resolve(server?.stop()).finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let code;
  try {
    server = await startCodeServer({
      folder: FIXTURE_WORKSPACE,
      userDataDir,
      extensionsDir,
      env: { DISTILLERY_TEST: '1' },
    });
    log(`code-server at ${server.url} (log ${path.relative(ROOT, server.logFile)})`);
    const env = isolatedEnv({
      DISTILLERY_E2E_URL: server.url,
      DISTILLERY_E2E_WORKSPACE: FIXTURE_WORKSPACE,
      DISTILLERY_E2E_RUN_DIR: runDir,
      DISTILLERY_E2E_SCREENSHOTS: SCREENSHOTS_DIR,
    });
    code = await runMocha(env, process.argv.slice(2));
    if (code !== 0) {
      console.error(`[e2e] screenshots: ${path.relative(ROOT, SCREENSHOTS_DIR)}/; code-server log ${server.logFile}:`);
      console.error(tailFile(server.logFile, 15));
    }
  } finally {
    await server?.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  log(code === 0 ? `passed in ${seconds} s` : code === 1 ? `FAILED in ${seconds} s` : `ERROR after ${seconds} s`);
  return code;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`[e2e] ${error instanceof Error ? error.stack || error.message : error}`);
    process.exit(2);
  },
);
