// The test tooling's entry points, for scripts/test.mjs, the runners and the sandbox.
import { ensureSystemPackages } from './system.mjs';
import { ensureCodeServer } from './code-server.mjs';

export * from './paths.mjs';
export * from './system.mjs';
export * from './code-server.mjs';
export * from './browser.mjs';

/** Everything the integration and end-to-end tests need on the machine: Debian packages, then code-server. */
export function ensureTestPrerequisites() {
  ensureSystemPackages();
  return ensureCodeServer();
}
export * from './simulator.mjs';
