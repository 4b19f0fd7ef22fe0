import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseConstitution } from '../../../src/core/constitution/parse';
import type { ModelEngine } from '../../../src/core/llm/engine';
import { runJudgeBatch } from '../../../src/core/pipeline/judgeBatch';
import type { BatchProgress } from '../../../src/core/pipeline/types';
import { JudgeSettingsError } from '../../../src/core/tasks/judgePair';
import type { JudgeSettings, PairVerdict } from '../../../src/core/tasks/judgeTypes';
import { startTestServer, type TestServer } from '../../support/openaiServer';
import { readFailures, readJsonl, testEngine, writeJsonl } from './support';

const CONSTITUTION = parseConstitution([
  '# Judging',
  '',
  '## Principle: kind',
  'Compare: Which answer is kinder?',
  '',
  '## Principle: true',
  'Weight: 2',
  'Compare: Which answer is more accurate?',
  '',
  '## Principle: critique-only',
  'Critique: c',
  'Revision: r',
  '',
  '## Rubric: clarity',
  'Criterion: Is the answer easy to follow?',
  'Score 1: No.',
  'Score 5: Yes.',
  '',
].join('\n'));

const SETTINGS: JudgeSettings = { samples: 1, bothOrders: true, logprobs: true, seed: 1 };

const rows = [
  { prompt: 'Why is the sky blue? <<r0>>', chosen: 'Rayleigh scattering. [[quality:0.9]]', rejected: 'Paint. [[quality:0.1]]' },
  { prompt: 'Capital of France? <<r1>>', chosen: 'Lyon. [[quality:0.2]]', rejected: 'Paris. [[quality:0.8]]', distillery: { human: { winner: 'B', by: 'ana', time: '2026-01-01T00:00:00Z' } } },
  {
    messages: [{ role: 'user', content: 'Name a tree. <<r2>>' }],
    distillery: { candidates: [{ teacher: { profile: 't', model: 'sim-judge' }, content: 'Oak. [[quality:0.7]]' }, { teacher: { profile: 'u', model: 'other' }, content: 'Rose. [[quality:0.3]]' }] },
  },
  { messages: [{ role: 'user', content: 'Only one answer <<r3>>' }, { role: 'assistant', content: 'So nothing to compare.' }] },
];

const judgementOf = (row: Record<string, unknown>) => (row.distillery as { judgement: PairVerdict }).judgement;

describe('judge batch', function () {
  this.timeout(20_000);
  let server: TestServer;
  let dir: string;
  let engine: ModelEngine;
  const at = (name: string) => path.join(dir, name);

  before(async () => {
    server = await startTestServer({ seed: 4 });
  });
  after(() => server.close());
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'distillery-judge-batch-'));
    writeJsonl(at('in.jsonl'), rows);
    engine = testEngine(server, dir, { profiles: [{ name: 'judge', model: 'sim-judge' }] });
  });
  afterEach(() => {
    engine.dispose();
    server.reset();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes each row with its verdict, draws principles per row, reports cost, and resumes', async () => {
    const progress: BatchProgress[] = [];
    const run = () => runJudgeBatch({
      input: at('in.jsonl'), inputName: 'in.jsonl', output: at('out.jsonl'), judges: [engine.model('judge')],
      criteria: { kind: 'principles', constitution: CONSTITUTION, count: 1 }, settings: SETTINGS, seed: 3, onProgress: (p) => progress.push(p),
    });
    const summary = await run();
    assert.deepEqual([summary.done, summary.failed, summary.written], [3, 1, 3]);
    assert.deepEqual(summary.verdicts, { A: 2, B: 1, tie: 0 });
    assert.equal(summary.positionInconsistent, 0);
    assert.equal(summary.selfPreference, 1, 'the candidates row: the judge model wrote candidate A');
    assert.ok(summary.costUsd > 0);
    assert.equal(progress.at(-1)?.done, 3);
    assert.match(readFailures(at('out.jsonl'))[0]?.error ?? '', /a chat \(messages\) row has no pair to judge/);

    const out = readJsonl(at('out.jsonl'));
    const byMarker = (marker: string) => out.find((row) => JSON.stringify(row).includes(marker)) as Record<string, unknown>;
    const sky = judgementOf(byMarker('<<r0>>'));
    assert.equal(sky.winner, 'A');
    assert.equal(sky.samples.length, 2);
    assert.ok(sky.pA !== undefined && sky.pA > 0.9, `P(A) ${sky.pA}`);
    assert.equal(sky.criteria.kind, 'principles');
    const france = byMarker('<<r1>>');
    assert.equal(judgementOf(france).winner, 'B');
    assert.deepEqual((france.distillery as { human: unknown }).human, rows[1]?.distillery?.human, 'the human label stays');
    assert.deepEqual(judgementOf(byMarker('<<r2>>')).selfPreference, [{ judge: 'judge', model: 'sim-judge', answer: 'A' }]);
    // Each row its own draw, among the principles with a Compare question only.
    const drawn = out.map((row) => (judgementOf(row).criteria as { readonly ids?: readonly string[] }).ids ?? []);
    assert.ok(drawn.every((ids) => ids.length === 1 && ['kind', 'true'].includes(ids[0] as string)));
    const asked = server.chatRequests().length;
    assert.equal(asked, 6);

    const again = await run();
    assert.deepEqual([again.resumed, again.written, again.failed], [3, 0, 1]);
    assert.equal(server.chatRequests().length, asked, 'nothing asked again');
    // The same run into another file: answered from the response cache, the same principles drawn.
    const replay = await runJudgeBatch({
      input: at('in.jsonl'), output: at('replay.jsonl'), judges: [engine.model('judge')],
      criteria: { kind: 'principles', constitution: CONSTITUTION, count: 1 }, settings: SETTINGS, seed: 3,
    });
    assert.equal(replay.cached, 6);
    assert.equal(server.chatRequests().length, asked);
    assert.deepEqual(readJsonl(at('replay.jsonl')).map((row) => judgementOf(row).winner).sort(), out.map((row) => judgementOf(row).winner).sort());
  });

  it('a rubric criterion, an ensemble, and a verdict that breaks the schema failing its row only', async () => {
    engine.dispose();
    engine = testEngine(server, dir, { profiles: [{ name: 'judge', model: 'sim-judge' }, { name: 'judge-2', model: 'sim-large' }] });
    server.addRule({ match: { marker: '<<r1>>' }, reply: { json: { reasoning: 'x', winner: 'neither', confidence: 1 } } });
    const summary = await runJudgeBatch({
      input: at('in.jsonl'), output: at('out.jsonl'), judges: [engine.model('judge'), engine.model('judge-2')],
      criteria: { kind: 'rubric', constitution: CONSTITUTION, id: 'clarity' }, settings: { ...SETTINGS, samples: 2 },
    });
    assert.deepEqual([summary.done, summary.failed], [2, 2]);
    const failures = readFailures(at('out.jsonl')).sort((a, b) => a.line - b.line);
    assert.equal(failures[0]?.line, 2);
    assert.match(failures[0]?.error ?? '', /^judge "judge(-2)?", order (AB|BA), sample \d: the verdict did not match the expected JSON \(3 attempts\)/);
    const sky = judgementOf(readJsonl(at('out.jsonl')).find((row) => JSON.stringify(row).includes('<<r0>>')) as Record<string, unknown>);
    assert.deepEqual(sky.criteria, { kind: 'rubric', id: 'clarity', criterion: 'Is the answer easy to follow?' });
    assert.equal(sky.samples.length, 8, '2 judges × 2 orders × 2 samples');
    assert.ok(server.chatRequests().some((r) => r.rawBody.includes('Is the answer easy to follow?')));
  });

  it('a candidates row its teachers\' filters left one answer goes through unjudged, counted, not failed', async () => {
    const single = { messages: [{ role: 'user', content: 'Name a river. <<r9>>' }], distillery: { candidates: [{ teacher: { profile: 't', model: 'm' }, content: 'The Nile.' }], source: { key: 'earlier#candidates', input: 'earlier' } } };
    writeJsonl(at('single.jsonl'), [rows[2], single]);
    const run = () => runJudgeBatch({
      input: at('single.jsonl'), output: at('single-out.jsonl'), judges: [engine.model('judge')],
      criteria: { kind: 'principles', constitution: CONSTITUTION, count: 1 }, settings: SETTINGS, seed: 3,
    });
    const summary = await run();
    assert.deepEqual([summary.done, summary.failed, summary.written, summary.singleAnswer], [2, 0, 2, 1]);
    const out = readJsonl(at('single-out.jsonl'));
    const passed = out.find((row) => JSON.stringify(row).includes('<<r9>>')) as { distillery: Record<string, unknown> };
    assert.equal(passed.distillery.judgement, undefined, 'no verdict');
    assert.deepEqual(passed.distillery.candidates, single.distillery.candidates, 'its answer as it was');
    assert.notEqual((passed.distillery.source as { key: string }).key, 'earlier#candidates', 'this run\'s key');
    assert.equal(server.chatRequests().length, 2, 'only the pair was judged (both orders)');
    const again = await run();
    assert.deepEqual([again.resumed, again.written, again.failed], [2, 0, 0], 'done, not retried');
  });

  it('refuses criteria that cannot work before sending anything', async () => {
    const judges = [engine.model('judge')];
    const base = { input: at('in.jsonl'), output: at('out.jsonl'), judges, settings: SETTINGS };
    await assert.rejects(runJudgeBatch({ ...base, criteria: { kind: 'rubric', constitution: CONSTITUTION, id: 'nope' } }), (error: unknown) =>
      error instanceof JudgeSettingsError && /rubric: the constitution has no rubric "nope" \(known: clarity\)/.test(error.message));
    await assert.rejects(runJudgeBatch({ ...base, criteria: { kind: 'principles', constitution: parseConstitution('# x\n\n## Principle: a\nCritique: c\nRevision: r\n'), count: 1 } }), /no principle with a Compare question/);
    await assert.rejects(runJudgeBatch({ ...base, judges: [], criteria: { kind: 'default' } }), /judges: at least one judge is needed/);
    assert.equal(server.chatRequests().length, 0);
  });
});
