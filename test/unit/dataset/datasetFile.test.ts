import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describeLocation, readDatasetFile } from '../../../src/core/dataset/datasetFile';

describe('readDatasetFile', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'distillery-datasetfile-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a JSON array, locating elements that are not rows', async () => {
    const file = path.join(dir, 'a.json');
    writeFileSync(file, '[\n  {"a": 1},\n  42,\n  {"a": 2}\n]\n');
    const contents = await readDatasetFile(file);
    assert.equal(contents.format, 'json');
    assert.deepEqual(
      contents.rows.map((row) => [describeLocation('a.json', row.location), row.value]),
      [
        ['a.json[0]', { a: 1 }],
        ['a.json[2]', { a: 2 }],
      ],
    );
    assert.deepEqual(contents.problems.map((problem) => describeLocation('a.json', problem.location)), ['a.json:3:3 (element 1)']);
  });

  it('reads JSONL by line, with malformed lines as problems at their place', async () => {
    const file = path.join(dir, 'b.jsonl');
    writeFileSync(file, '{"a":1}\n\n{"a" 1}\n');
    const contents = await readDatasetFile(file);
    assert.equal(contents.format, 'jsonl');
    assert.deepEqual(contents.rows.map((row) => describeLocation('b.jsonl', row.location)), ['b.jsonl:1:1']);
    assert.deepEqual(contents.problems.map((problem) => `${describeLocation('b.jsonl', problem.location)} ${problem.message}`), ['b.jsonl:3:6 colon expected']);
  });

  it('reports a file that is not a JSON array at all', async () => {
    const file = path.join(dir, 'c.json');
    writeFileSync(file, '{"not": "an array"}');
    const contents = await readDatasetFile(file);
    assert.equal(contents.rows.length, 0);
    assert.match(contents.problems[0]?.message ?? '', /not a JSON array/);
  });
});
