/** Loading the real datasets (test/support/sharedData.ts says where they are). */
import { readFileSync } from 'node:fs';
import { parseJsonArray } from '../../../../src/core/dataset/jsonArray';
import { sharedDataFile } from '../../../support/sharedData';

/** Fails the calling suite, with the reason, when the data directory is missing. */
export function requireData(): void {
  sharedDataFile('README.md');
}

export function readDataText(file: string): string {
  return readFileSync(sharedDataFile(file), 'utf8');
}

/** The rows of a JSONL file (every non-blank line is JSON) or of a JSON array file. */
export function loadRows(file: string): unknown[] {
  const text = readDataText(file);
  if (file.endsWith('.json')) {
    const parsed = parseJsonArray(text);
    if (!parsed.ok) throw new Error(`${file}: ${parsed.message} at ${parsed.offset}`);
    if (parsed.problems.length > 0) throw new Error(`${file}: ${parsed.problems[0]?.message}`);
    return [...parsed.rows];
  }
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as unknown);
}
