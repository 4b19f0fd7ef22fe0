// Runs an extension-tests bundle inside a real VS Code extension host (code-server driven by
// headless Chromium): what scripts/run-integration.mjs does for the integration tests, and what
// benchmarks that must measure inside the host (bench/codeLensInHost.bench.ts) reuse.
import fs from 'node:fs';
import path from 'node:path';
import { format } from 'node:util';
import { ROOT, freshRunDir, pruneRunDirs } from './paths.mjs';
import { startCodeServer, tailFile, writeUserSettings } from './code-server.mjs';
import { launchChromium, screenshot } from './browser.mjs';

/** codeAutomationLog receives (type, args): args are console.log's arguments, format string first. */
export function formatLogArgs(args) {
  return Array.isArray(args) ? format(...args) : format(args);
}

// The workbench's own start-up chatter also arrives through codeAutomationLog. It goes to the
// run's automation.log; the console shows the rest (mocha's report, anything the tests print).
export const WORKBENCH_NOISE = [
  /^Resolv(ing|ed) connection token/,
  /^Creating a socket \(renderer-/,
  /^Updating additional builtin extensions cache/,
  /^\[Service Worker\]/,
  /^ChatSessionStore:/,
  /^Creation of workbench contribution '[^']+' took \d+ms/,
  /ENOTFOUND open-vsx\.org/, // code-server's extension gallery, unreachable offline: harmless
];

/**
 * Starts code-server on `folder`, opens the workbench in headless Chromium with `testsEntry`
 * (a bundle exporting `run()`, without `.js`) as the extension tests of the extension at
 * `extensionPath`, and waits for the verdict.
 *
 * Returns 0 when `run()` resolved, 1 when it rejected, 2 when the run itself went wrong (the
 * server died, the page crashed, `timeoutMs` passed).
 *
 * Options: `env` reaches the extension host's process.env; `workspaceTrust` turns Workspace Trust
 * on (off by default: every folder is trusted), `userSettings` are merged into the run's user
 * settings; `runKind` names the run directory
 * under .cache/runs; `verbose` prints the workbench noise too; `onOutput(type, text)` replaces
 * the default printing of the host's console; `log(message)` reports progress.
 */
export async function runExtensionTestsInCodeServer({
  folder,
  testsEntry,
  extensionPath = ROOT,
  env = {},
  workspaceTrust = false,
  userSettings = {},
  timeoutMs = 300_000,
  runKind = 'int',
  verbose = false,
  onOutput,
  log = () => {},
}) {
  pruneRunDirs();
  const runDir = freshRunDir(runKind);
  const userDataDir = path.join(runDir, 'user-data');
  const extensionsDir = path.join(runDir, 'extensions');
  const automationLog = path.join(runDir, 'automation.log');
  writeUserSettings(userDataDir, userSettings);
  let server;
  let browser;
  let timer;
  const cleanup = async () => {
    clearTimeout(timer);
    await browser?.close();
    await server?.stop();
  };
  const onSignal = (signal) => {
    console.error(`[${runKind}] ${signal}: stopping`);
    cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    server = await startCodeServer({ folder, userDataDir, extensionsDir, env, workspaceTrust });
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
    // The workbench calls these while it runs the tests: their output, then the verdict.
    // Both must exist before the page loads.
    await page.exposeFunction('codeAutomationLog', (type, args) => {
      const text = formatLogArgs(args);
      fs.appendFileSync(automationLog, `[${type}] ${text}\n`);
      if (!verbose && WORKBENCH_NOISE.some((re) => re.test(text))) return;
      if (onOutput) onOutput(type, text);
      else if (type === 'error') process.stderr.write(`${text}\n`);
      else process.stdout.write(`${text}\n`);
    });
    await page.exposeFunction('codeAutomationExit', (code) => finish({ code: Number(code) }));
    page.on('crash', () => finish({ error: 'the browser page crashed' }));
    server.child.once('exit', (code, signal) => finish({ error: `code-server exited (${code ?? signal})` }));
    timer = setTimeout(
      () => finish({ error: `timed out after ${timeoutMs / 1000} s without a result from the extension host` }),
      timeoutMs,
    );

    const payload = [
      ['extensionDevelopmentPath', `vscode-remote://127.0.0.1:${server.port}${extensionPath}`],
      ['extensionTestsPath', `vscode-remote://127.0.0.1:${server.port}${testsEntry}`],
    ];
    const url = `${server.url}/?folder=${encodeURIComponent(folder)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
    await page.goto(url, { waitUntil: 'domcontentloaded' });
    const outcome = await result;
    if (outcome.error) {
      await screenshot(page, runDir, 'failure');
      console.error(`[${runKind}] ${outcome.error}`);
      console.error(`[${runKind}] code-server log (${server.logFile}):\n${tailFile(server.logFile)}`);
      return 2;
    }
    return outcome.code === 0 ? 0 : 1;
  } finally {
    await cleanup();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
