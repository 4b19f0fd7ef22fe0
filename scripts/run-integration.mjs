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
// Under code-server a second pass follows: a copy of test/fixtures/untrusted-workspace opened with
// Workspace Trust on and never granted, running only the "untrusted workspace" tests (trust.test.ts).
// Exits 0 when every test passed, 1 when one failed, 2 when the run itself went wrong.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { FIXTURE_WORKSPACE, ROOT, ensureCodeServer, ensureSystemPackages, freshRunDir } from './lib/index.mjs';
import { runExtensionTestsInCodeServer } from './lib/hostRunner.mjs';

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

async function runInCodeServer() {
  return runExtensionTestsInCodeServer({
    folder: FIXTURE_WORKSPACE,
    testsEntry: TESTS_ENTRY,
    env: { DISTILLERY_TEST: '1', DISTILLERY_FIXTURE_WORKSPACE: FIXTURE_WORKSPACE },
    timeoutMs: TIMEOUT_MS,
    runKind: 'int',
    verbose: !!process.env.DISTILLERY_TEST_VERBOSE,
    log,
  });
}

const UNTRUSTED_TESTS = 'untrusted workspace';

/** Whether DISTILLERY_TEST_GREP (a mocha grep, a regular expression) leaves the untrusted tests in. */
function wantsUntrustedPass() {
  const grep = process.env.DISTILLERY_TEST_GREP;
  return !grep || new RegExp(grep).test(`workspace trust: ${UNTRUSTED_TESTS}`);
}

/** The same tests bundle on a folder code-server has never trusted, with Workspace Trust on. */
async function runUntrustedInCodeServer() {
  const folder = path.join(freshRunDir('untrusted'), 'workspace');
  fs.cpSync(path.join(ROOT, 'test', 'fixtures', 'untrusted-workspace'), folder, { recursive: true });
  log(`untrusted pass: ${path.relative(ROOT, folder)} (Workspace Trust on, not granted)`);
  return runExtensionTestsInCodeServer({
    folder,
    testsEntry: TESTS_ENTRY,
    env: { DISTILLERY_TEST: '1', DISTILLERY_TRUST_RUN: 'untrusted', DISTILLERY_TEST_GREP: UNTRUSTED_TESTS },
    workspaceTrust: true,
    // No "do you trust the authors?" dialog: the folder simply opens in Restricted Mode.
    userSettings: { 'security.workspace.trust.startupPrompt': 'never', 'security.workspace.trust.banner': 'never' },
    timeoutMs: TIMEOUT_MS,
    runKind: 'untr',
    verbose: !!process.env.DISTILLERY_TEST_VERBOSE,
    log,
  });
}

async function main() {
  const started = Date.now();
  const electron = process.env.DISTILLERY_TEST_HOST === 'electron';
  if (!electron) {
    ensureSystemPackages();
    ensureCodeServer();
  }
  build();
  let code = electron ? await runInElectron() : await runInCodeServer();
  if (!electron && code !== 2 && wantsUntrustedPass()) {
    const untrusted = await runUntrustedInCodeServer();
    code = Math.max(code, untrusted);
  }
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
