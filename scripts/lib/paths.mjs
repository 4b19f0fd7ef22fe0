// Where the test tooling keeps its things. Everything lives under the git-ignored
// .cache/ and .test-output/ folders of the project, never in the real home.
import path from 'node:path';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CACHE = path.join(ROOT, '.cache');
export const CODE_SERVER_VERSION = '4.100.3';
export const CODE_SERVER_DIR = path.join(CACHE, 'code-server');
export const RUNS_DIR = path.join(CACHE, 'runs');
export const TEST_HOME = path.join(CACHE, 'home');
export const TEST_TMP = path.join(CACHE, 'tmp');
export const OUTPUT_DIR = path.join(ROOT, '.test-output');
export const SCREENSHOTS_DIR = path.join(OUTPUT_DIR, 'screenshots');
export const FIXTURE_WORKSPACE = path.join(ROOT, 'test', 'fixtures', 'workspace');
export const VSIX = path.join(ROOT, 'distillery.vsix');
export const EXTENSION_ID = 'distillery.distillery';

/** Environment with HOME and TMPDIR inside .cache/, so nothing writes into the real home. */
export function isolatedEnv(extra = {}) {
  fs.mkdirSync(TEST_HOME, { recursive: true });
  fs.mkdirSync(TEST_TMP, { recursive: true });
  return {
    ...process.env,
    HOME: TEST_HOME,
    TMPDIR: TEST_TMP,
    XDG_CONFIG_HOME: path.join(TEST_HOME, '.config'),
    XDG_CACHE_HOME: path.join(TEST_HOME, '.cache'),
    XDG_DATA_HOME: path.join(TEST_HOME, '.local', 'share'),
    ...extra,
  };
}

/**
 * A fresh, uniquely named directory for one run: .cache/runs/<kind>-<time><pid>/ (base 36).
 * Kept short on purpose: code-server puts unix sockets under it, and their paths must stay
 * under 108 bytes.
 */
export function freshRunDir(kind) {
  const dir = path.join(RUNS_DIR, `${kind}-${Date.now().toString(36)}${process.pid.toString(36)}`);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** Keeps only the newest `keep` run directories, so .cache/runs does not grow without bound. */
export function pruneRunDirs(keep = 6) {
  if (!fs.existsSync(RUNS_DIR)) return;
  const entries = fs
    .readdirSync(RUNS_DIR, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => ({ dir: path.join(RUNS_DIR, e.name), mtime: fs.statSync(path.join(RUNS_DIR, e.name)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime);
  for (const { dir } of entries.slice(keep)) fs.rmSync(dir, { recursive: true, force: true });
}
