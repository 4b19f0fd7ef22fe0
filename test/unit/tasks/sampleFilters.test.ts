import * as assert from 'node:assert/strict';
import type { TestServer } from '../../support/openaiServer';
import { startTestServer } from '../../support/openaiServer';
import { generateForRow } from '../../../src/core/tasks/generate';
import { filterSamples } from '../../../src/core/tasks/sampleFilters';
import { VerifierStartError } from '../../../src/core/tasks/verifier';
import type { GenerateSettings } from '../../../src/core/tasks/types';
import { nodeVerifier, tempDir, testChatModel, type TestChatModel } from './support';
import { within } from '../../support/within';

const LONG_A = 'The mitochondrion produces most of the chemical energy a cell needs, stored as ATP, through respiration.';
const LONG_B = 'Photosynthesis in chloroplasts turns light, water and carbon dioxide into sugar and oxygen for the plant.';
/** LONG_A with its last word changed: 14 of its 15 word 3-grams survive (Jaccard 14/16 = 0.875). */
const NEAR_A = 'The mitochondrion produces most of the chemical energy a cell needs, stored as ATP, through breathing.';

describe('tasks: sample filters', function () {
  this.timeout(20_000);
  let server: TestServer;
  let teacher: TestChatModel;
  let other: TestChatModel;

  before(async () => {
    server = await startTestServer({ seed: 9 });
  });
  beforeEach(() => {
    teacher = testChatModel(server, 'teacher-a', 'model-a');
    other = testChatModel(server, 'teacher-b', 'model-b');
  });
  afterEach(() => server.reset());
  after(() => server.close());

  /** Scripts the reply of each (model, seed); seeds are 0.. (settings.seed 0 + sample). */
  function script(replies: Record<string, string | { content: string; latency?: number }>): void {
    for (const [key, reply] of Object.entries(replies)) {
      const [model, seed] = key.split('/');
      const spec = typeof reply === 'string' ? { content: reply } : reply;
      server.addRule({
        name: key,
        match: { predicate: (r) => r.model === model && r.seed === Number(seed) },
        reply: spec.content,
        ...(spec.latency !== undefined ? { latency: spec.latency } : {}),
      });
    }
  }

  const settings = (n: number, filters: GenerateSettings['filters']): GenerateSettings => ({ n, output: 'sft', seed: 0, ...(filters ? { filters } : {}) });
  const verdicts = (result: Awaited<ReturnType<typeof generateForRow>>) =>
    result.samples.map((s) => (s.kept ? `${s.teacher}/${s.sample}:kept` : `${s.teacher}/${s.sample}:${s.rejectedBy ?? '?'}`));

  it('length bounds count trimmed characters', async () => {
    script({ 'model-a/0': '   short   ', 'model-a/1': LONG_A, 'model-a/2': `${LONG_A} ${LONG_B} ${LONG_A}` });
    const result = await generateForRow({ prompt: 'Explain.' }, 'k', [teacher], settings(3, { minChars: 6, maxChars: 200 }));
    assert.deepEqual(verdicts(result), ['teacher-a/0:length', 'teacher-a/1:kept', 'teacher-a/2:length']);
    assert.match(result.samples[0]?.reason ?? '', /5 characters, fewer than the minimum 6/);
    assert.match(result.samples[2]?.reason ?? '', /more than the maximum 200/);
    assert.equal(result.rows.length, 1);
    // The kept sample is the one written.
    assert.equal((result.rows[0] as { completion: string }).completion, LONG_A);
  });

  it('an empty answer is dropped even without bounds (a reply that only refused through the refusal field)', async () => {
    server.addRule({ match: { predicate: (r) => r.seed === 0 }, reply: { refusal: 'I cannot help with that.' } });
    script({ 'model-a/1': LONG_A });
    const result = await generateForRow({ prompt: 'Explain.' }, 'k', [teacher], settings(2, { dedupe: 'off', rejectRefusals: false }));
    assert.deepEqual(verdicts(result), ['teacher-a/0:length', 'teacher-a/1:kept']);
    assert.equal(result.samples[0]?.reason, 'the answer is empty');
  });

  it('refusals are dropped by default and kept when the filter is off', async () => {
    script({ 'model-a/0': 'I’m sorry, but I cannot assist with that request.', 'model-a/1': LONG_A });
    const on = await generateForRow({ prompt: 'Explain.' }, 'k', [teacher], settings(2, undefined));
    assert.deepEqual(verdicts(on), ['teacher-a/0:refusal', 'teacher-a/1:kept']);
    assert.match(on.samples[0]?.reason ?? '', /refusal/);
    const off = await generateForRow({ prompt: 'Explain.' }, 'k', [teacher], settings(2, { rejectRefusals: false }));
    assert.deepEqual(verdicts(off), ['teacher-a/0:kept', 'teacher-a/1:kept']);
  });

  it('exact duplicates (whitespace and case folded) across teachers: the first in teacher, sample order wins, whichever answered first', async () => {
    // The first sample answers last: the order is still teacher order, then sample index.
    script({
      'model-a/0': { content: LONG_A, latency: 150 },
      'model-a/1': `  ${LONG_A.toUpperCase().replace(/ /g, '\n ')} `,
      'model-b/0': LONG_B,
      'model-b/1': LONG_A,
    });
    const result = await generateForRow({ prompt: 'Explain.' }, 'k', [teacher, other], settings(2, { dedupe: 'exact' }));
    assert.deepEqual(verdicts(result), ['teacher-a/0:kept', 'teacher-a/1:duplicate', 'teacher-b/0:kept', 'teacher-b/1:duplicate']);
    assert.match(result.samples[3]?.reason ?? '', /the same text as sample 0 of teacher-a/);
    assert.deepEqual(result.rows.map((r) => (r as { completion: string }).completion), [LONG_A, LONG_B]);
    const again = await generateForRow({ prompt: 'Explain.' }, 'k', [teacher, other], settings(2, { dedupe: 'exact' }));
    assert.deepEqual(verdicts(again), verdicts(result), 'a re-run keeps the same samples');
  });

  it('near-duplicates by word 3-gram Jaccard: caught at the default 0.8 only in near mode, kept below the threshold', async () => {
    script({ 'model-a/0': LONG_A, 'model-a/1': NEAR_A, 'model-a/2': LONG_B });
    const near = await generateForRow({ prompt: 'Explain.' }, 'k', [teacher], settings(3, undefined));
    assert.deepEqual(verdicts(near), ['teacher-a/0:kept', 'teacher-a/1:duplicate', 'teacher-a/2:kept']);
    assert.match(near.samples[1]?.reason ?? '', /near-duplicate of sample 0 of teacher-a \(word 3-gram Jaccard 0\.8\d ≥ 0\.8\)/);
    const exact = await generateForRow({ prompt: 'Explain.' }, 'k', [teacher], settings(3, { dedupe: 'exact' }));
    assert.deepEqual(verdicts(exact), ['teacher-a/0:kept', 'teacher-a/1:kept', 'teacher-a/2:kept']);
    const strict = await generateForRow({ prompt: 'Explain.' }, 'k', [teacher], settings(3, { nearThreshold: 0.95 }));
    assert.deepEqual(verdicts(strict), ['teacher-a/0:kept', 'teacher-a/1:kept', 'teacher-a/2:kept']);
    const off = await generateForRow({ prompt: 'Explain.' }, 'k', [teacher], settings(3, { dedupe: 'off' }));
    assert.equal(off.rows.length, 3);
  });

  describe('the verifier command', () => {
    let dir: string;
    let remove: () => Promise<void>;
    before(async () => ({ dir, remove } = await tempDir()));
    after(() => remove());

    // Accepts answers that hold the right sum of the two numbers in the prompt; says why otherwise.
    const ARITHMETIC = `
      let input = '';
      process.stdin.on('data', (c) => (input += c));
      process.stdin.on('end', () => {
        const { prompt, answer, messages } = JSON.parse(input);
        if (!Array.isArray(messages) || messages.at(-1).content !== prompt) { console.error('bad payload'); process.exit(3); }
        const [a, b] = prompt.match(/\\d+/g).map(Number);
        if (answer.includes(String(a + b))) process.exit(0);
        console.error('wrong sum: expected ' + (a + b) + '\\nsecond line');
        process.exit(1);
      });`;

    it('exit 0 accepts; any other exit rejects with the first line of stderr; it gets prompt, answer and messages', async () => {
      const verifier = await nodeVerifier(dir, 'sum.js', ARITHMETIC);
      script({ 'model-a/0': 'The sum is 5.', 'model-a/1': 'The sum is 6.', 'model-a/2': 'It is five, I think, more or less.' });
      const result = await generateForRow(
        { messages: [{ role: 'system', content: 'Be exact.' }, { role: 'user', content: 'What is 2 + 3?' }] }, 'k', [teacher], settings(3, { verifier }),
      );
      assert.deepEqual(verdicts(result), ['teacher-a/0:kept', 'teacher-a/1:verifier', 'teacher-a/2:verifier']);
      assert.equal(result.samples[1]?.reason, 'wrong sum: expected 5');
      assert.equal(result.rows.length, 1);
    });

    it('a verifier that runs too long is killed and rejects; one that exits without reading is fine', async () => {
      const slow = await nodeVerifier(dir, 'slow.js', 'setTimeout(() => process.exit(0), 60000);', 300);
      script({ 'model-a/0': LONG_A });
      const result = await within(generateForRow({ prompt: 'Explain.' }, 'k', [teacher], settings(1, { verifier: slow })), 10_000, 'a timed-out verifier');
      assert.equal(result.samples[0]?.rejectedBy, 'verifier');
      assert.match(result.samples[0]?.reason ?? '', /longer than 300 ms/);

      const silent = await nodeVerifier(dir, 'silent.js', 'process.exit(2);');
      const rejected = await generateForRow({ prompt: 'Explain.' }, 'k', [teacher], settings(1, { verifier: silent }));
      assert.match(rejected.samples[0]?.reason ?? '', /exit code 2, nothing on stderr/);
    });

    it('a verifier that cannot be started fails the whole call, clearly', async () => {
      script({ 'model-a/0': LONG_A });
      const missing = { command: `${dir}/no-such-verifier`, args: ['--strict'] };
      await assert.rejects(
        generateForRow({ prompt: 'Explain.' }, 'k', [teacher], settings(1, { verifier: missing })),
        (error: unknown) => error instanceof VerifierStartError && error.message.includes('no-such-verifier --strict') && /ENOENT/.test(error.message),
      );
    });

    it('runs only on samples that passed the other filters', async () => {
      const counter = await nodeVerifier(dir, 'count.js', `require('fs').appendFileSync(${JSON.stringify(`${dir}/calls.txt`)}, 'x'); process.exit(0);`);
      const verdictsOf = await filterSamples([LONG_A, 'I cannot help with that.', LONG_A, 'tiny'], { minChars: 10, verifier: counter }, { prompt: [{ role: 'user', content: 'Q' }] });
      assert.deepEqual(verdictsOf.map((v) => (v.kept ? 'kept' : v.rejectedBy)), ['kept', 'refusal', 'duplicate', 'length']);
      const { readFile } = await import('node:fs/promises');
      assert.equal(await readFile(`${dir}/calls.txt`, 'utf8'), 'x');
    });
  });
});
