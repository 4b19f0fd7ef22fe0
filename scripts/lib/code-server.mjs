// code-server (a real VS Code, served to a browser) for the integration and end-to-end tests:
// installed on demand into .cache/code-server/, started per run with fresh directories,
// stopped by ending its process group.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { CACHE, CODE_SERVER_DIR, CODE_SERVER_VERSION, TEST_HOME, TEST_TMP, isolatedEnv } from './paths.mjs';

const MARKER = path.join(CODE_SERVER_DIR, '.installed');
const PACKAGE_DIR = path.join(CODE_SERVER_DIR, 'node_modules', 'code-server');
export const CODE_SERVER_ENTRY = path.join(PACKAGE_DIR, 'out', 'node', 'entry.js');

// Packages whose install scripts must run: code-server's postinstall (which installs VS Code's own
// dependencies in nested `npm install`s in lib/vscode and lib/vscode/extensions) and the native
// modules built there. npm 11 gates dependency install scripts on an allowScripts policy: the
// top-level install reads the `allowScripts` field of the package.json written below. The nested
// installs have no policy of their own (their package.json is code-server's), so their scripts run
// as "unreviewed", which npm allows with a notice unless strict-allow-scripts is on: the install
// environment turns that off. The list cannot go into an npmrc or the environment instead: npm
// exports it to the nested installs as npm_config_allow_scripts, and there an environment
// allow-scripts policy is an error (EALLOWSCRIPTS) for a project install.
export const ALLOWED_SCRIPTS = [
  'code-server',
  'argon2',
  'kerberos',
  'node-pty',
  '@vscode/ripgrep',
  '@vscode/spdlog',
  '@vscode/sqlite3',
  '@vscode/windows-registry',
  '@vscode/deviceid',
  '@vscode/policy-watcher',
  '@parcel/watcher',
  'native-watchdog',
  'native-keymap',
  'native-is-elevated',
  'keytar',
];

// @vscode/ripgrep's postinstall downloads ripgrep, but first looks for this cached archive.
const RIPGREP_CACHE = ['vscode-ripgrep-cache-1.15.11', 'ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz'];

export function codeServerInstalled() {
  try {
    return fs.readFileSync(MARKER, 'utf8').trim() === CODE_SERVER_VERSION && fs.existsSync(CODE_SERVER_ENTRY);
  } catch {
    return false;
  }
}

function seedRipgrepCache(tmpdir) {
  const rg = '/usr/bin/rg';
  if (!fs.existsSync(rg)) throw new Error('ripgrep (/usr/bin/rg) is missing: install the Debian package ripgrep');
  const dir = path.join(tmpdir, RIPGREP_CACHE[0]);
  const archive = path.join(dir, RIPGREP_CACHE[1]);
  if (fs.existsSync(archive)) return;
  fs.mkdirSync(dir, { recursive: true });
  const r = spawnSync('tar', ['-czf', archive, '-C', path.dirname(rg), path.basename(rg)], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('could not build the ripgrep cache archive');
}

/**
 * Installs code-server@CODE_SERVER_VERSION into .cache/code-server/ unless it is already there.
 * Fast (a file read) when installed; about a minute the first time. Returns the entry script.
 */
export function ensureCodeServer() {
  if (codeServerInstalled()) return CODE_SERVER_ENTRY;
  return withInstallLock(() => (codeServerInstalled() ? CODE_SERVER_ENTRY : installCodeServer()));
}

function pidAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

/** One install at a time, across processes (a lock directory holding the owner's pid). */
function withInstallLock(fn) {
  const lock = path.join(CACHE, 'code-server.lock');
  fs.mkdirSync(CACHE, { recursive: true });
  const deadline = Date.now() + 10 * 60_000;
  let told = false;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      fs.writeFileSync(path.join(lock, 'pid'), String(process.pid));
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      let owner;
      try {
        owner = Number(fs.readFileSync(path.join(lock, 'pid'), 'utf8'));
      } catch {
        owner = undefined; // being created right now
      }
      if (owner && !pidAlive(owner)) {
        fs.rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new Error(`timed out waiting for another code-server install (lock ${lock})`, { cause: error });
      }
      if (!told) {
        console.log('[code-server] waiting for another process that is installing code-server...');
        told = true;
      }
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
    }
  }
  try {
    return fn();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

function installCodeServer() {
  console.log(
    `[code-server] installing code-server@${CODE_SERVER_VERSION} into ${path.relative(process.cwd(), CODE_SERVER_DIR) || CODE_SERVER_DIR} (about a minute, once)...`,
  );
  const started = Date.now();
  fs.rmSync(MARKER, { force: true });
  fs.rmSync(path.join(CODE_SERVER_DIR, 'node_modules'), { recursive: true, force: true });
  fs.rmSync(path.join(CODE_SERVER_DIR, 'package-lock.json'), { force: true });
  const home = path.join(CODE_SERVER_DIR, '.home');
  const tmp = path.join(CODE_SERVER_DIR, '.tmp');
  fs.mkdirSync(home, { recursive: true });
  fs.mkdirSync(tmp, { recursive: true });
  seedRipgrepCache(tmp);

  const allowScripts = Object.fromEntries(ALLOWED_SCRIPTS.map((name) => [name, true]));
  fs.writeFileSync(
    path.join(CODE_SERVER_DIR, 'package.json'),
    JSON.stringify(
      {
        name: 'distillery-code-server',
        private: true,
        description: 'code-server for Distillery tests, installed on demand by scripts/lib/code-server.mjs',
        dependencies: { 'code-server': CODE_SERVER_VERSION },
        allowScripts,
      },
      null,
      2,
    ) + '\n',
  );
  const npmrc = path.join(CODE_SERVER_DIR, '.npmrc-install');
  fs.writeFileSync(
    npmrc,
    [
      // (no allow-scripts here: npm exports it to nested installs, where an env policy is an error)
      'audit=false',
      'fund=false',
      'update-notifier=false',
      '',
    ].join('\n'),
  );

  const env = {
    ...process.env,
    HOME: home,
    TMPDIR: tmp,
    npm_config_userconfig: npmrc,
    npm_config_nodedir: '/usr',
    npm_config_unsafe_perm: 'true',
    npm_config_yes: 'true',
    // Unreviewed install scripts of the nested installs (whose package.json has no allowScripts)
    // must run with a notice, not fail, even where a global npmrc turns strict mode on.
    npm_config_strict_allow_scripts: 'false',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
  };
  for (const key of Object.keys(env)) {
    // A parent `npm run` exports its own settings (npm_config_*, the project's package.json);
    // they must not leak into this separate install.
    if (/^npm_(config|package|lifecycle)_/i.test(key) && !/^npm_config_(userconfig|nodedir|unsafe_perm|yes|strict_allow_scripts|audit|fund|update_notifier|cache|cafile|registry)$/i.test(key)) {
      delete env[key];
    }
  }
  const log = path.join(CODE_SERVER_DIR, 'install.log');
  const out = fs.openSync(log, 'w');
  const r = spawnSync('npm', ['install', '--no-save', '--no-package-lock', '--loglevel=warn'], {
    cwd: CODE_SERVER_DIR,
    env,
    stdio: ["ignore", out, out],
  });
  fs.closeSync(out);
  const failed = r.error || r.status !== 0;
  const tail = fs.readFileSync(log, 'utf8').split('\n').slice(-40).join('\n');
  if (failed) {
    throw new Error(`installing code-server failed (exit ${r.status ?? r.error}); last lines of ${log}:\n${tail}`);
  }
  if (!fs.existsSync(CODE_SERVER_ENTRY)) throw new Error(`code-server installed without ${CODE_SERVER_ENTRY}`);
  // The postinstall builds VS Code's server dependencies; without them the server cannot start.
  const vscodeModules = path.join(PACKAGE_DIR, 'lib', 'vscode', 'node_modules');
  if (!fs.existsSync(vscodeModules)) {
    throw new Error(`code-server's postinstall did not run (no ${vscodeModules}); last lines of ${log}:\n${tail}`);
  }
  fs.writeFileSync(MARKER, CODE_SERVER_VERSION + '\n');
  fs.rmSync(tmp, { recursive: true, force: true });
  console.log(`[code-server] installed in ${Math.round((Date.now() - started) / 1000)} s`);
  return CODE_SERVER_ENTRY;
}

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Settings that keep the workbench quiet and predictable under test (see TESTING.md). */
export const TEST_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.tips.enabled': false,
  'extensions.autoCheckUpdates': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  // The fixture workspace sits inside this repository: no "open the parent repository?" toast.
  'git.openRepositoryInParentFolders': 'never',
};

/** Writes (merges into) USER_DATA_DIR/User/settings.json. */
export function writeUserSettings(userDataDir, settings = {}, { merge = true } = {}) {
  const dir = path.join(userDataDir, 'User');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'settings.json');
  let current = {};
  if (merge && fs.existsSync(file)) {
    try {
      current = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch {
      current = {};
    }
  }
  const next = { ...TEST_SETTINGS, ...current, ...settings };
  fs.writeFileSync(file, JSON.stringify(next, null, 2) + '\n');
  return file;
}

/** Runs code-server's CLI once (e.g. --install-extension) and returns its output. */
export function codeServerCli(args, { userDataDir, extensionsDir, env = {} } = {}) {
  const full = [CODE_SERVER_ENTRY];
  for (const dir of [userDataDir, extensionsDir]) if (dir) fs.mkdirSync(dir, { recursive: true });
  if (userDataDir) full.push('--user-data-dir', userDataDir);
  if (extensionsDir) full.push('--extensions-dir', extensionsDir);
  full.push(...args);
  const r = spawnSync(process.execPath, full, { env: isolatedEnv(env), encoding: 'utf8', timeout: 120_000 });
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  if (r.error || r.status !== 0) {
    throw new Error(`code-server ${args.join(' ')} failed (exit ${r.status ?? r.error}):\n${output}`);
  }
  return output;
}

/** Installs a .vsix into the given extensions dir. */
export function installVsix(vsix, { userDataDir, extensionsDir, env } = {}) {
  const output = codeServerCli(['--install-extension', vsix, '--force'], { userDataDir, extensionsDir, env });
  if (!/successfully installed|already installed/i.test(output)) {
    throw new Error(`code-server did not confirm installing ${vsix}:\n${output}`);
  }
  return output;
}

async function sleep(ms) {
  await new Promise((r) => setTimeout(r, ms));
}

/**
 * Starts code-server detached, in its own process group, and waits for GET /healthz.
 * Returns { url, port, pid, logFile, stop() }.
 */
export async function startCodeServer({
  folder,
  userDataDir,
  extensionsDir,
  port,
  workspaceTrust = false,
  env = {},
  logFile,
  timeoutMs = 60_000,
} = {}) {
  if (!codeServerInstalled()) ensureCodeServer();
  port = port || (await freePort());
  fs.mkdirSync(userDataDir, { recursive: true });
  fs.mkdirSync(extensionsDir, { recursive: true });
  logFile = logFile || path.join(path.dirname(userDataDir), 'code-server.log');
  const args = [
    CODE_SERVER_ENTRY,
    '--auth',
    'none',
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--user-data-dir',
    userDataDir,
    '--extensions-dir',
    extensionsDir,
    '--disable-telemetry',
    '--disable-update-check',
  ];
  if (!workspaceTrust) args.push('--disable-workspace-trust');
  if (folder) args.push(folder);
  // TMPDIR stays the short shared .cache/tmp: code-server creates unix sockets there, and a
  // socket path must stay under 108 bytes.
  const out = fs.openSync(logFile, 'a');
  const child = spawn(process.execPath, args, {
    detached: true,
    stdio: ['ignore', out, out],
    env: isolatedEnv(env),
  });
  fs.closeSync(out);
  let exited = null;
  child.on('exit', (code, signal) => {
    exited = { code, signal };
  });
  const handle = {
    url: `http://127.0.0.1:${port}`,
    port,
    pid: child.pid,
    logFile,
    child,
    stop: () => stopProcessGroup(child),
  };
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited) {
      throw new Error(
        `code-server exited during start-up (${exited.code ?? exited.signal}); log ${logFile}:\n${tailFile(logFile)}`,
      );
    }
    try {
      const res = await fetch(`${handle.url}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return handle;
    } catch {
      /* not listening yet */
    }
    await sleep(150);
  }
  await handle.stop();
  throw new Error(`code-server did not answer /healthz within ${timeoutMs / 1000} s; log ${logFile}:\n${tailFile(logFile)}`);
}

/** Ends a detached child's whole process group: SIGTERM, then SIGKILL after a grace period. */
export async function stopProcessGroup(child, graceMs = 3000) {
  if (!child || child.pid === undefined) return;
  const alive = () => {
    try {
      process.kill(-child.pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (!alive()) return;
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    /* already gone */
  }
  const deadline = Date.now() + graceMs;
  while (alive() && Date.now() < deadline) await sleep(50);
  if (alive()) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
    while (alive()) await sleep(50);
  }
}

export function tailFile(file, lines = 30) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

export { CACHE, TEST_HOME, TEST_TMP };
