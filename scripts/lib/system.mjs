// Checks (and, as root on Debian, installs) the system packages the editor tests need.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

/** Debian packages: compilers and headers for code-server's native modules, the browser, search. */
export const SYSTEM_PACKAGES = [
  'build-essential',
  'python3',
  'pkg-config',
  'libkrb5-dev',
  'libsecret-1-dev',
  'libx11-dev',
  'libxkbfile-dev',
  'chromium',
  'ripgrep',
];

/** Returns the packages of `names` that dpkg does not report as installed. */
export function missingPackages(names = SYSTEM_PACKAGES) {
  const hasDpkg = spawnSync('sh', ['-c', 'command -v dpkg-query'], { encoding: 'utf8' }).status === 0;
  if (!hasDpkg) return [...names];
  return names.filter((name) => {
    const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', name], { encoding: 'utf8' });
    return r.status !== 0 || !/\binstall ok installed\b/.test(r.stdout);
  });
}

function run(cmd, args, env) {
  console.log(`[system] ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status ?? r.signal}`);
}

/**
 * Makes sure the Debian packages are there. When some are missing: as root with apt-get,
 * installs them; otherwise throws, naming them.
 */
export function ensureSystemPackages(names = SYSTEM_PACKAGES) {
  const missing = missingPackages(names);
  if (missing.length === 0) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const hasApt = fs.existsSync('/usr/bin/apt-get');
  if (!isRoot || !hasApt) {
    throw new Error(
      `Missing system packages needed by the editor tests: ${missing.join(' ')}.\n` +
        `Install them with: sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing.join(' ')}`,
    );
  }
  console.log(`[system] installing missing Debian packages: ${missing.join(' ')}`);
  const env = { DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update'], env);
  run('apt-get', ['install', '-y', '--no-install-recommends', ...missing], env);
  const still = missingPackages(missing);
  if (still.length) throw new Error(`apt-get did not install: ${still.join(' ')}`);
}
