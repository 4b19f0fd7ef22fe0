import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseConstitution } from '../../../src/core/constitution/parse';
import { detectRowKind } from '../../../src/core/dataset/rowKinds';
import { runCritiqueBatch, rowSeed } from '../../../src/core/pipeline/critiqueBatch';
import { InputRowKeys } from '../../../src/core/pipeline/inputKeys';
import { CritiqueSettingsError } from '../../../src/core/tasks/critiqueRevise';
import { samplePrinciples } from '../../../src/core/constitution/sample';
import type { CritiqueSettings } from '../../../src/core/tasks/critiqueTypes';
import { startTestServer, type TestServer } from '../../support/openaiServer';
import { CONSTITUTION_TEXT, criticRules, schemaName } from '../tasks/critiqueScript';
import { readFailures, readJsonl, sourceOf, testEngine, writeJsonl } from './support';

const constitution = parseConstitution(CONSTITUTION_TEXT);
const rows = [
  { messages: [{ role: 'user', content: 'Name a tree <<r0>>.' }, { role: 'assistant', content: 'Oak, obviously, you fool.' }] },
  { instruction: 'Name a river <<r1>>.', input: '', output: 'The Nile, idiot.' },
  { prompt: 'Name a bird <<r2>>.', completion: 'Owl.' },
];

interface Critique {
  rounds: { principle: string; revision: string | null }[];
  seed: number;
  original: string;
  constitution: { path: string; sha256: string };
}
const critiqueOf = (row: Record<string, unknown>) => (row.distillery as { critique: Critique }).critique;

describe('pipeline: critique–revise over a file', function () {
  this.timeout(20_000);
  let server: TestServer;
  let dir: string;
  let input: string;
  let output: string;

  before(async () => {
    server = await startTestServer({ seed: 4 });
  });
  after(() => server.close());
  beforeEach(() => {
    // The bird answer is fine under every principle: its chain stops at the first critique.
    for (const rule of criticRules({ revision: (principle, request) => `Polite answer (${principle}) to ${/<<r\d>>/.exec(JSON.stringify(request.messages))?.[0]}.` })) {
      if (rule.name === 'critique') {
        server.addRule({ ...rule, match: { predicate: (request) => schemaName(request) === 'critique' && JSON.stringify(request.messages).includes('<<r2>>') }, reply: { json: { critique: 'Fine.', needsRevision: false } } });
      }
      server.addRule(rule);
    }
    dir = mkdtempSync(path.join(tmpdir(), 'distillery-critique-batch-'));
    input = path.join(dir, 'in.jsonl');
    output = path.join(dir, 'out.jsonl');
  });
  afterEach(() => {
    server.reset();
    rmSync(dir, { recursive: true, force: true });
  });

  const settings: CritiqueSettings = { rounds: 2, seed: 5 };

  it('SFT: each answer revised in its row\'s own format, the chain recorded, each row with its own seed; a re-run resumes', async () => {
    writeJsonl(input, rows);
    const engine = testEngine(server, dir);
    const critic = engine.model('teacher-a');
    const summary = await runCritiqueBatch({ input, output, critic, constitution, settings, pairs: false, constitutionPath: 'p.constitution.md', constitutionText: CONSTITUTION_TEXT });
    assert.deepEqual([summary.done, summary.written, summary.failed, summary.unrevised], [3, 3, 0, 1]);
    assert.ok(summary.costUsd > 0);
    assert.equal(server.chatRequests().length, 4 + 4 + 1, 'two rounds of two calls for two rows, one critique for the fine one');

    const keys = new InputRowKeys();
    const inputKeys = rows.map((row) => keys.next(row));
    const out = readJsonl(output);
    const byInput = (index: number) => out.find((row) => sourceOf(row).input === inputKeys[index]) as Record<string, unknown>;
    const tree = byInput(0);
    const treeCritique = critiqueOf(tree);
    const seed = rowSeed(5, inputKeys[0] as string);
    assert.equal(treeCritique.seed, seed);
    const drawn = samplePrinciples(constitution.principles, { k: 2, seed: String(seed), purpose: 'critique' }).principles.map((p) => p.id);
    assert.deepEqual(treeCritique.rounds.map((r) => r.principle), drawn, 'the row\'s principles are those its recorded seed draws');
    assert.deepEqual((tree.messages as { content: string }[])[1], { role: 'assistant', content: `Polite answer (${drawn[1]}) to <<r0>>.` });
    assert.equal(treeCritique.original, 'Oak, obviously, you fool.');
    assert.equal(treeCritique.constitution.path, 'p.constitution.md');
    assert.equal(detectRowKind(tree), 'chat');
    const river = byInput(1);
    assert.equal(detectRowKind(river), 'alpaca');
    assert.match(river.output as string, /^Polite answer \([a-z]+\) to <<r1>>\.$/);
    const bird = byInput(2);
    assert.equal(bird.completion, 'Owl.', 'nothing to fix: the answer is written as it was');
    assert.deepEqual(critiqueOf(bird).rounds.map((r) => r.revision), [null]);

    const again = await runCritiqueBatch({ input, output, critic, constitution, settings, pairs: false });
    assert.deepEqual([again.resumed, again.written], [3, 0]);
    assert.equal(server.chatRequests().length, 9, 'nothing asked again');
    engine.dispose();
  });

  it('pairs: revision chosen, original rejected; an unrevised answer gives no pair; rows without an answer fail, clearly', async () => {
    writeJsonl(input, [...rows, { prompt: 'Only a question.' }]);
    const engine = testEngine(server, dir);
    const summary = await runCritiqueBatch({ input, output, critic: engine.model('teacher-a'), constitution, settings, pairs: true });
    assert.deepEqual([summary.done, summary.written, summary.failed], [3, 2, 1]);
    const out = readJsonl(output);
    assert.ok(out.every((row) => detectRowKind(row) === 'preference'));
    const tree = out.find((row) => JSON.stringify(row.prompt).includes('<<r0>>')) as Record<string, unknown>;
    assert.deepEqual(tree.rejected, [{ role: 'assistant', content: 'Oak, obviously, you fool.' }]);
    assert.match((tree.chosen as { content: string }[])[0]?.content ?? '', /^Polite answer \([a-z]+\) to <<r0>>\.$/);
    assert.deepEqual((tree.distillery as { provenance: string; teacher: unknown }).teacher, { profile: 'teacher-a', model: 'sim-small' });
    const failures = readFailures(output);
    assert.equal(failures.length, 1);
    assert.equal(failures[0]?.line, 4);
    assert.match(failures[0]?.error ?? '', /prompt only row cannot be critiqued: it has no answer to critique/);
    engine.dispose();
  });

  it('a critic reply that breaks the schema fails that row only, naming the round and principle; the next run retries it', async () => {
    writeJsonl(input, rows);
    server.fault({ kind: 'schemaViolation', count: Infinity, match: { predicate: (request) => schemaName(request) === 'revision' && JSON.stringify(request.messages).includes('<<r1>>') } });
    const engine = testEngine(server, dir);
    const critic = engine.model('teacher-a');
    const summary = await runCritiqueBatch({ input, output, critic, constitution, settings, pairs: false });
    assert.deepEqual([summary.done, summary.failed], [2, 1]);
    const failure = readFailures(output)[0];
    assert.equal(failure?.line, 2);
    assert.match(failure?.error ?? '', /^round 1 \(principle "[a-z]+"\): the critic's revision did not match the expected JSON/);

    server.clearFaults();
    const again = await runCritiqueBatch({ input, output, critic, constitution, settings, pairs: false });
    assert.deepEqual([again.resumed, again.written, again.failed], [2, 1, 0]);
    assert.equal(readJsonl(output).length, 3);
    engine.dispose();
  });

  it('settings that fit no row are refused before anything is sent', async () => {
    writeJsonl(input, rows);
    const engine = testEngine(server, dir);
    await assert.rejects(
      runCritiqueBatch({ input, output, critic: engine.model('teacher-a'), constitution, settings: { ...settings, tags: ['missing'] }, pairs: false }),
      (error: unknown) => error instanceof CritiqueSettingsError && /any of the tags missing/.test(error.message),
    );
    assert.equal(server.chatRequests().length, 0);
    engine.dispose();
  });
});
