import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { countRowLines } from '../../../src/core/pipeline/rowCount';

describe('pipeline: counting the rows of an input file', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'distillery-row-count-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('counts lines with content (malformed ones too), not blank ones or a BOM, and only the selected lines', async () => {
    const file = path.join(dir, 'rows.jsonl');
    writeFileSync(file, '\ufeff{"a":1}\r\n\r\n  \t\n{"b":\n{"c":3}');
    assert.equal(await countRowLines(file), 3);
    assert.equal(await countRowLines(file, (line) => line !== 4), 2);
    writeFileSync(file, '\ufeff\n\n');
    assert.equal(await countRowLines(file), 0);
  });
});
