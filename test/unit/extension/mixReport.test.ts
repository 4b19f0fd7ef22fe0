// The mix report's settings and its worker thread, in plain Node (the panel itself is tested in
// the extension host: test/integration/mixReport.test.ts).
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { mixReport } from '../../../src/core/curation/mixReport';
import { rowFacts } from '../../../src/core/curation/rowFacts';
import { mixSettingDefaults, readMixSettings, type MixSettingKey } from '../../../src/extension/curation/mixSettings';
import { runMixWorker } from '../../../src/extension/curation/runMixWorker';
import packageJson from '../../../package.json';

const WORKER = path.resolve(__dirname, '../../../src/extension/curation/mixReportWorker.ts');
const run = (request: Parameters<typeof runMixWorker>[0]['request'], signal?: AbortSignal) =>
  // The worker runs the TypeScript source: tsx's require hook is registered in it first.
  runMixWorker({ script: `require('tsx/cjs'); require(${JSON.stringify(WORKER)});`, workerOptions: { eval: true }, request, ...(signal ? { signal } : {}) });

const row = (answer: string, meta?: Record<string, unknown>) =>
  JSON.stringify({ messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: answer }], ...(meta ? { distillery: meta } : {}) });

describe('mix report (editor)', function () {
  this.timeout(30_000);

  it('declares every distillery.mix.* setting in package.json with the same default and a description', () => {
    const contributed = packageJson.contributes.configuration.properties as Record<string, { default: unknown; markdownDescription?: string }>;
    const declared = Object.keys(contributed).filter((key) => key.startsWith('distillery.mix.')).sort();
    assert.deepEqual(declared, Object.keys(mixSettingDefaults).map((key) => `distillery.${key}`).sort());
    for (const [key, value] of Object.entries(mixSettingDefaults)) {
      assert.deepEqual(contributed[`distillery.${key}`]?.default, value, key);
      assert.ok(contributed[`distillery.${key}`]?.markdownDescription, `${key} has a description`);
    }
  });

  it('reads thresholds: the core defaults when unset, set values as they are, wrong values named and ignored', () => {
    const read = (raw: Partial<Record<MixSettingKey, unknown>>) => readMixSettings((key) => raw[key]);
    assert.deepEqual(read({}), { thresholds: { maxDistinctDrop: 0.05 }, problems: [] });
    assert.deepEqual(read({ ...mixSettingDefaults }), read({}));
    assert.deepEqual(read({ 'mix.maxTeacherShare': 0.5, 'mix.maxSyntheticShare': 0.9, 'mix.maxDistinctDrop': 0.1 }).thresholds, { maxTeacherShare: 0.5, maxSyntheticShare: 0.9, maxDistinctDrop: 0.1 });
    const wrong = read({ 'mix.maxTeacherShare': 1.5, 'mix.maxDistinctDrop': 'a lot' });
    assert.deepEqual(wrong.thresholds, { maxDistinctDrop: 0.05 });
    assert.equal(wrong.problems.length, 2);
    assert.match(wrong.problems[0] ?? '', /^distillery\.mix\.maxTeacherShare: 1\.5 is not a share/);
    assert.match(wrong.problems[1] ?? '', /^distillery\.mix\.maxDistinctDrop: "a lot" is not a share/);
  });

  it('the worker computes what the core computes, skipping lines that are not rows and counting them', async () => {
    const rows = [
      row('the cat sat on the mat', { provenance: 'synthetic', teacher: 'model-a' }),
      row('a dog ran in the park', { provenance: 'synthetic', teacher: 'model-a' }),
      row('birds sing at dawn', { provenance: 'human' }),
      row('the cat sat on the mat', { provenance: 'synthetic', teacher: 'model-b' }),
    ];
    const source = [row('one two three four'), row('five six seven eight'), row('nine ten eleven twelve'), row('red green blue yellow')];
    const text = [rows[0], '{"broken": ', rows[1], '', rows[2], rows[3]].join('\n');
    const thresholds = { maxTeacherShare: 0.4, maxSyntheticShare: 0.5 };
    const result = await run({ text, sourceText: `${source.join('\r\n')}\r\n`, thresholds });
    const expected = mixReport(
      rows.map((r) => rowFacts(JSON.parse(r) as Record<string, unknown>)),
      thresholds,
      source.map((r) => rowFacts(JSON.parse(r) as Record<string, unknown>)),
    );
    assert.deepEqual(result.report, expected);
    assert.equal(result.skippedLines, 1);
    assert.equal(result.sourceSkippedLines, 0);
    // model-a made 2 of 4 rows, 3 of 4 are synthetic; the repeated answer lowers distinct-n against the source.
    assert.deepEqual(result.report.warnings.map((w) => w.code).sort(), ['distinct-drop', 'distinct-drop', 'distinct-drop', 'near-duplicate-rise', 'synthetic-share', 'teacher-share']);
  });

  it('stops the worker when cancelled: the run rejects with the reason', async () => {
    const text = Array.from({ length: 20_000 }, (_, i) => row(`answer number ${i} with some words ${i % 97} and more ${i % 89}`)).join('\n');
    const controller = new AbortController();
    const reason = new Error('panel closed');
    const pending = run({ text, thresholds: {} }, controller.signal);
    controller.abort(reason);
    await assert.rejects(pending, (error) => error === reason);
  });
});
