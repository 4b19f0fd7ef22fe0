#!/usr/bin/env node
// Runs test/integration/*.test.ts inside a real VS Code extension host.
//
//   node scripts/run-integration.mjs
//
// Host: code-server (VS Code 1.100.3 from npm, installed on demand into .cache/code-server/),
// driven by headless Chromium, the only host this offline machine can have. With
// DISTILLERY_TEST_HOST=electron (a desktop with internet) it uses @vscode/test-electron instead.
// Environment variables reach the tests. DISTILLERY_TEST_GREP filters tests by name;
// DISTILLERY_INTEGRATION_TIMEOUT_MS (default 300000) bounds the whole run.
// Exits 0 when every test passed, 1 when one failed, 2 when the run itself went wrong.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { format } from 'node:util';
import {
  FIXTURE_WORKSPACE,
  ROOT,
  ensureCodeServer,
  ensureSystemPackages,
  freshRunDir,
  launchChromium,
  pruneRunDirs,
  screenshot,
  startCodeServer,
  tailFile,
  writeUserSettings,
} from './lib/index.mjs';

const TESTS_DIR = path.join(ROOT, 'out', 'integration');
const TESTS_ENTRY = path.join(TESTS_DIR, 'index');
const TIMEOUT_MS = Number(process.env.DISTILLERY_INTEGRATION_TIMEOUT_MS) || 300_000;

function log(message) {
  console.log(`[integration] ${message}`);
}

function build() {
  log('building (node esbuild.js --tests)');
  fs.rmSync(TESTS_DIR, { recursive: true, force: true });
  const r = spawnSync(process.execPath, ['esbuild.js', '--tests'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`build failed (exit ${r.status ?? r.signal})`);
  if (!fs.existsSync(`${TESTS_ENTRY}.js`)) throw new Error(`build produced no ${path.relative(ROOT, TESTS_ENTRY)}.js`);
}

async function runInElectron() {
  const { runTests, TestRunFailedError } = await import('@vscode/test-electron');
  log('host: @vscode/test-electron');
  try {
    await runTests({
      extensionDevelopmentPath: ROOT,
      extensionTestsPath: TESTS_ENTRY,
      launchArgs: [FIXTURE_WORKSPACE, '--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes'],
      extensionTestsEnv: { ...process.env },
    });
    return 0;
  } catch (error) {
    console.error(`[integration] ${error instanceof Error ? error.message : error}`);
    // TestRunFailedError: VS Code ran and a test failed (code 1). Anything else (a failed
    // download, a crash, a signal) means the run itself went wrong.
    return error instanceof TestRunFailedError && !error.signal ? 1 : 2;
  }
}

/** codeAutomationLog receives (type, args): args are console.log's arguments, format string first. */
function formatLogArgs(args) {
  return Array.isArray(args) ? format(...args) : format(args);
}

// The workbench's own start-up chatter also arrives through codeAutomationLog. It goes to the
// run's automation.log; the console shows the rest (mocha's report, anything the tests print).
const VERBOSE = !!process.env.DISTILLERY_TEST_VERBOSE;
const WORKBENCH_NOISE = [
  /^Resolv(ing|ed) connection token/,
  /^Creating a socket \(renderer-/,
  /^Updating additional builtin extensions cache/,
  /^\[Service Worker\]/,
  /^ChatSessionStore:/,
  /^Creation of workbench contribution '[^']+' took \d+ms/,
  /ENOTFOUND open-vsx\.org/, // code-server's extension gallery, unreachable offline: harmless
];

async function runInCodeServer() {
  pruneRunDirs();
  const runDir = freshRunDir('int');
  const userDataDir = path.join(runDir, 'user-data');
  const extensionsDir = path.join(runDir, 'extensions');
  const automationLog = path.join(runDir, 'automation.log');
  writeUserSettings(userDataDir);
  let server;
  let browser;
  let timer;
  const cleanup = async () => {
    clearTimeout(timer);
    await browser?.close();
    await server?.stop();
  };
  const onSignal = (signal) => {
    console.error(`[integration] ${signal}: stopping`);
    cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    server = await startCodeServer({
      folder: FIXTURE_WORKSPACE,
      userDataDir,
      extensionsDir,
      env: { DISTILLERY_TEST: '1', DISTILLERY_FIXTURE_WORKSPACE: FIXTURE_WORKSPACE },
    });
    log(`host: code-server at ${server.url} (log ${path.relative(ROOT, server.logFile)})`);
    browser = await launchChromium({ profileDir: path.join(runDir, 'chromium') });
    const { page } = browser;

    let finish;
    const result = new Promise((resolve) => {
      let done = false;
      finish = (value) => {
        if (!done) {
          done = true;
          resolve(value);
        }
      };
    });
    // The workbench calls these while it runs the tests: mocha's output, then the verdict.
    // Both must exist before the page loads.
    await page.exposeFunction('codeAutomationLog', (type, args) => {
      const text = formatLogArgs(args);
      fs.appendFileSync(automationLog, `[${type}] ${text}\n`);
      if (!VERBOSE && WORKBENCH_NOISE.some((re) => re.test(text))) return;
      if (type === 'error') process.stderr.write(`${text}\n`);
      else process.stdout.write(`${text}\n`);
    });
    await page.exposeFunction('codeAutomationExit', (code) => finish({ code: Number(code) }));
    page.on('crash', () => finish({ error: 'the browser page crashed' }));
    server.child.once('exit', (code, signal) => finish({ error: `code-server exited (${code ?? signal})` }));
    timer = setTimeout(
      () => finish({ error: `timed out after ${TIMEOUT_MS / 1000} s without a result from the extension host` }),
      TIMEOUT_MS,
    );

    const payload = [
      ['extensionDevelopmentPath', `vscode-remote://127.0.0.1:${server.port}${ROOT}`],
      ['extensionTestsPath', `vscode-remote://127.0.0.1:${server.port}${TESTS_ENTRY}`],
    ];
    const url = `${server.url}/?folder=${encodeURIComponent(FIXTURE_WORKSPACE)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
    await page.goto(url, { waitUntil: 'domcontentloaded' });
    const outcome = await result;
    if (outcome.error) {
      await screenshot(page, runDir, 'failure');
      console.error(`[integration] ${outcome.error}`);
      console.error(`[integration] code-server log (${server.logFile}):\n${tailFile(server.logFile)}`);
      return 2;
    }
    return outcome.code === 0 ? 0 : 1;
  } finally {
    await cleanup();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function main() {
  const started = Date.now();
  const electron = process.env.DISTILLERY_TEST_HOST === 'electron';
  if (!electron) {
    ensureSystemPackages();
    ensureCodeServer();
  }
  build();
  const code = electron ? await runInElectron() : await runInCodeServer();
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  log(code === 0 ? `passed in ${seconds} s` : code === 1 ? `FAILED in ${seconds} s` : `ERROR after ${seconds} s`);
  return code;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`[integration] ${error instanceof Error ? error.stack || error.message : error}`);
    process.exit(2);
  },
);
