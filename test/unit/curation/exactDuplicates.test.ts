import { strict as assert } from 'node:assert';
import { curationText } from '../../../src/core/curation/curationText';
import { dedupeFile } from '../../../src/core/curation/dedupe';
import { exactDuplicateClusters } from '../../../src/core/curation/exactDuplicates';
import { sharedDataFile } from '../../support/sharedData';

describe('exact duplicates', () => {
  it('clusters texts equal after whitespace and case normalisation, the first one representing', () => {
    const clusters = exactDuplicateClusters(['Hello  world', 'other', 'hello world\n', '', ' ', 'HELLO WORLD', 'other']);
    assert.deepEqual(clusters, [
      { representative: 0, members: [0, 2, 5] },
      { representative: 1, members: [1, 6] },
    ]);
  });

  it('normalisation can be turned off', () => {
    assert.deepEqual(exactDuplicateClusters(['Hello world', 'hello world', 'hello  world'], { foldCase: false, collapseWhitespace: false }), []);
    assert.deepEqual(exactDuplicateClusters(['Hello world', 'hello world', 'hello  world'], { foldCase: false }), [{ representative: 1, members: [1, 2] }]);
  });

  it('compares whole rows without their "distillery" metadata', () => {
    const a = curationText({ instruction: 'x', output: 'y', distillery: { teacher: { model: 'a' } } }, 'row');
    const b = curationText({ output: 'y', instruction: 'x', distillery: { teacher: { model: 'b' } } }, 'row');
    assert.equal(a, b);
  });

  it('finds the 14 exact duplicate rows of the Alpaca demo, read in place', async () => {
    const report = await dedupeFile(sharedDataFile('llamafactory-alpaca_en_demo.json'), undefined, { field: 'row', exactOnly: true, foldCase: false, collapseWhitespace: false });
    assert.equal(report.rows, 999);
    assert.equal(report.exactDuplicates, 14);
    assert.equal(report.clusters.reduce((sum, cluster) => sum + cluster.duplicateLines.length, 0), 14);
    assert.deepEqual(report.clusters[0], { kind: 'exact', representativeLine: 93, duplicateLines: [611] });
  });

  it('finds the 5 exact duplicate rows of the DPO demo, by row and by prompt', async () => {
    for (const field of ['row', 'prompt'] as const) {
      const report = await dedupeFile(sharedDataFile('llamafactory-dpo_en_demo.json'), undefined, { field, exactOnly: true });
      assert.equal(report.rows, 300);
      assert.equal(report.exactDuplicates, 5, field);
    }
  });
});
