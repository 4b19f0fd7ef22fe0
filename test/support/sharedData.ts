/**
 * The real public datasets in ../shared/data (see its README), read in place, never copied.
 * DISTILLERY_DATA_DIR points elsewhere. A missing directory fails the tests that need it:
 * a skipped test would hide that they never ran.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

export const sharedDataDir = process.env.DISTILLERY_DATA_DIR ?? path.resolve(__dirname, '../../../shared/data');

/** The path of one shared dataset; throws, saying where it looked, when the data is not there. */
export function sharedDataFile(name: string): string {
  if (!existsSync(path.join(sharedDataDir, 'README.md'))) {
    throw new Error(`the real datasets are missing: expected ${sharedDataDir} (set DISTILLERY_DATA_DIR to where shared/data is)`);
  }
  return path.join(sharedDataDir, name);
}
