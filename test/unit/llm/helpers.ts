import * as assert from 'node:assert/strict';
import { within } from '../../support/within';
export { within };

/** Resolves when `condition` holds, polling; fails after `ms` (a generous bound, not a timing). */
export async function eventually(condition: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}


export const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
