#!/usr/bin/env node
// npm run sandbox [-- --port 8080]
//
// A VS Code in the browser to try Distillery by hand: packages the extension, installs the
// .vsix into a local code-server (its settings and state persist in .cache/sandbox/), points
// `distillery.endpoint.baseUrl` at the project's simulated model endpoint (or at
// OPENAI_BASE_URL when that is set: a real endpoint), and opens the examples/ folder.
// Serves on 127.0.0.1 only. Ctrl-C stops everything.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import {
  CACHE,
  ROOT,
  VSIX,
  ensureCodeServer,
  ensureSystemPackages,
  installVsix,
  startCodeServer,
  startSimulator,
  displayUrl,
  tailFile,
  writeUserSettings,
} from './lib/index.mjs';

const SANDBOX = path.join(CACHE, 'sandbox');
const FOLDER = path.join(ROOT, 'examples');

function parsePort(argv) {
  let port = 8080;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = arg.startsWith('--port=') ? arg.slice('--port='.length) : arg === '--port' ? argv[++i] : undefined;
    if (arg === '--help' || arg === '-h') {
      console.log('usage: npm run sandbox [-- --port 8080]');
      process.exit(0);
    }
    if (value === undefined) {
      console.error(`unknown argument: ${arg} (usage: npm run sandbox [-- --port 8080])`);
      process.exit(2);
    }
    port = Number(value);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      console.error(`--port needs a port number, not "${value}"`);
      process.exit(2);
    }
  }
  return port;
}

function portIsFree(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function main() {
  const port = parsePort(process.argv.slice(2));
  if (!(await portIsFree(port))) {
    throw new Error(`port ${port} on 127.0.0.1 is in use: choose another with npm run sandbox -- --port N`);
  }
  ensureSystemPackages();
  ensureCodeServer();

  console.log('[sandbox] building and packaging (npm run package)');
  const r = spawnSync('npm', ['run', '--silent', 'package'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0 || !fs.existsSync(VSIX)) throw new Error(`npm run package failed (exit ${r.status ?? r.signal})`);

  const userDataDir = path.join(SANDBOX, 'user-data');
  const extensionsDir = path.join(SANDBOX, 'extensions');
  installVsix(VSIX, { userDataDir, extensionsDir });

  let simulator;
  let server;
  let stopping = false;
  const stopAll = async () => {
    await Promise.allSettled([server?.stop(), simulator?.stop()]);
  };
  const onSignal = (signal) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n[sandbox] ${signal}: stopping`);
    stopAll().finally(() => process.exit(0));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    let endpoint;
    let kind;
    if (process.env.OPENAI_BASE_URL) {
      endpoint = process.env.OPENAI_BASE_URL.trim();
      kind = 'real (OPENAI_BASE_URL)';
    } else {
      simulator = await startSimulator();
      endpoint = simulator.baseURL;
      kind = 'simulated (test/support/sim.ts, no real model)';
      simulator.child.once('exit', (code, signal) => {
        if (!stopping) console.error(`[sandbox] the simulator stopped (${code ?? signal}); model requests will fail`);
      });
    }
    // Only the URL goes into settings: an API key never does (the extension keeps keys in
    // VS Code's secret storage).
    const settingsFile = writeUserSettings(userDataDir, { 'distillery.endpoint.baseUrl': endpoint });

    server = await startCodeServer({
      folder: FOLDER,
      userDataDir,
      extensionsDir,
      port,
      logFile: path.join(SANDBOX, 'code-server.log'),
    });
    server.child.once('exit', (code, signal) => {
      if (stopping) return;
      stopping = true;
      console.error(`[sandbox] code-server exited (${code ?? signal}); log ${server.logFile}:\n${tailFile(server.logFile)}`);
      stopAll().finally(() => process.exit(1));
    });

    console.log('');
    console.log(`[sandbox] VS Code with Distillery: ${server.url}/?folder=${encodeURIComponent(FOLDER)}`);
    console.log(`[sandbox] folder:    ${path.relative(ROOT, FOLDER) || '.'}/`);
    console.log(`[sandbox] endpoint:  ${kind}: ${displayUrl(endpoint)}`);
    console.log(`[sandbox] settings:  ${path.relative(ROOT, settingsFile)} (kept between runs)`);
    console.log(`[sandbox] log:       ${path.relative(ROOT, server.logFile)}`);
    console.log('[sandbox] Ctrl-C stops everything.');
  } catch (error) {
    stopping = true;
    await stopAll();
    throw error;
  }
}

main().catch((error) => {
  console.error(`[sandbox] ${error instanceof Error ? error.message : error}`);
  process.exit(1);
});
