import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ExitCode } from '../../../src/cli/exitCodes';
import { runCli } from '../../../src/cli/run';
import { parseConstitution } from '../../../src/core/constitution/parse';
import { sharedDataFile } from '../../support/sharedData';
import { fakeIo } from './fakeIo';

const examples = path.resolve(__dirname, '../../../examples');

describe('distillery constitution', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'distillery-constitution-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const at = (name: string) => path.join(dir, name);
  const run = async (...args: string[]) => {
    const { io, stdout, stderr } = fakeIo({ cwd: dir });
    const code = await runCli(['constitution', ...args], io);
    return { code, stdout: stdout.text, stderr: stderr.text };
  };

  describe('check', () => {
    it('passes the examples (exit 0)', async () => {
      const result = await run('check', path.join(examples, 'harmlessness.constitution.md'), path.join(examples, 'rubrics.constitution.md'));
      assert.equal(result.code, ExitCode.Success);
      assert.match(result.stdout, /harmlessness\.constitution\.md: 6 principles, 0 rubrics, 0 errors, 0 warnings/);
      assert.match(result.stdout, /rubrics\.constitution\.md: 0 principles, 4 rubrics, 0 errors, 0 warnings/);
    });

    it('prints FILE:LINE:COLUMN: error|warning: message (1-based) and exits 2 on errors', async () => {
      writeFileSync(at('bad.constitution.md'), ['# S', '## Principle: Bad Id', 'Critque: x', 'Compare: c', 'Weight: -2', ''].join('\r\n'));
      const result = await run('check', 'bad.constitution.md');
      assert.equal(result.code, ExitCode.BadInput);
      assert.equal(
        result.stdout,
        [
          'bad.constitution.md:2:15: error: the principle id "Bad Id" is not a slug (lowercase letters and digits joined by hyphens); try "bad-id"',
          'bad.constitution.md:3:1: warning: unknown field "Critque": did you mean "Critique"?',
          'bad.constitution.md:5:9: error: the weight must be a positive number, not "-2"',
          'bad.constitution.md: 1 principle, 0 rubrics, 2 errors, 1 warning',
          '',
        ].join('\n'),
      );
    });

    it('warnings alone pass (exit 0); a missing file is bad input', async () => {
      writeFileSync(at('warn.constitution.md'), '## Principle: ok\nCompare: c\nNote: x\n');
      assert.equal((await run('check', 'warn.constitution.md')).code, ExitCode.Success);
      const missing = await run('check', 'nope.constitution.md');
      assert.equal(missing.code, ExitCode.BadInput);
      assert.match(missing.stderr, /nope\.constitution\.md: cannot read \(ENOENT\)/);
    });
  });

  describe('import', () => {
    it('writes the CAI critique/revision file as a .constitution.md that checks clean', async () => {
      const result = await run('import', sharedDataFile('cai-CritiqueRevisionInstructions.json'), '-o', 'cai.constitution.md');
      assert.equal(result.code, ExitCode.Success, result.stderr);
      assert.equal(result.stdout, 'cai.constitution.md: 16 principles, 0 rubrics imported from cai-critique-revision\n');
      const document = parseConstitution(readFileSync(at('cai.constitution.md'), 'utf8'));
      assert.deepEqual(document.problems, []);
      assert.equal(document.principles[15]?.id, 'harmful15');
      assert.equal((await run('check', 'cai.constitution.md')).code, ExitCode.Success);
    });

    it('writes the RL list, under the given title', async () => {
      const result = await run('import', sharedDataFile('cai-RLMadisonInstructions.json'), '-o', 'rl.constitution.md', '--title', 'Phase 2');
      assert.equal(result.code, ExitCode.Success, result.stderr);
      const text = readFileSync(at('rl.constitution.md'), 'utf8');
      assert.match(text, /^<!-- Imported by Distillery from cai-RLMadisonInstructions\.json \(cai-comparison\)\. -->\n\n# Phase 2\n\n## Principle: harmless-ethical-toxic-racist\nCompare: Please choose/);
      assert.equal(parseConstitution(text).principles.length, 16);
    });

    it('reports bad JSON at its place, writes nothing and exits 2', async () => {
      writeFileSync(at('bad.json'), '{\n  "x": [1,\n}');
      const result = await run('import', 'bad.json', '-o', 'from-bad-json.constitution.md');
      assert.equal(result.code, ExitCode.BadInput);
      assert.match(result.stderr, /distillery: error: bad\.json:3:1: value expected/);
      assert.equal(existsSync(at('from-bad-json.constitution.md')), false);
    });

    it('needs -o, and refuses to write over its input', async () => {
      assert.equal((await run('import', 'x.json')).code, ExitCode.BadInput);
      assert.equal((await run('import', 'x.json', '-o', 'x.json')).code, ExitCode.BadInput);
    });
  });

  describe('export', () => {
    it('writes the documented JSON shape, which imports back to the same constitution', async () => {
      const source = path.join(examples, 'helpfulness-honesty.constitution.md');
      const result = await run('export', source, '-o', 'hh.json');
      assert.equal(result.code, ExitCode.Success, result.stderr);
      const json = JSON.parse(readFileSync(at('hh.json'), 'utf8')) as { format: string; version: number; sections: string[]; principles: Array<{ id: string }> };
      assert.equal(json.format, 'distillery-constitution');
      assert.equal(json.version, 1);
      assert.deepEqual(json.sections, ['Helpfulness', 'Honesty']);
      assert.equal(json.principles[0]?.id, 'answer-the-question');
      assert.equal((await run('import', 'hh.json', '-o', 'hh.constitution.md')).code, ExitCode.Success);
      const original = parseConstitution(readFileSync(source, 'utf8'));
      const again = parseConstitution(readFileSync(at('hh.constitution.md'), 'utf8'));
      const strip = (document: typeof original) => document.principles.map(({ id, section, critique, revision, compare, weight, tags }) => ({ id, section, critique, revision, compare, weight, tags }));
      assert.deepEqual(strip(again), strip(original));
    });

    it('exports the critic/revision list, and the CAI file back to itself', async () => {
      assert.equal((await run('export', path.join(examples, 'harmlessness.constitution.md'), '-o', 'list.json', '--format', 'critic-revision')).code, ExitCode.Success);
      const list = JSON.parse(readFileSync(at('list.json'), 'utf8')) as Array<{ critic: string; revision: string }>;
      assert.equal(list.length, 6);
      assert.deepEqual(Object.keys(list[0] ?? {}), ['critic', 'revision']);

      const original = sharedDataFile('cai-CritiqueRevisionInstructions.json');
      assert.equal((await run('import', original, '-o', 'cai2.constitution.md')).code, ExitCode.Success);
      assert.equal((await run('export', 'cai2.constitution.md', '-o', 'cai2.json', '--format', 'cai-critique-revision')).code, ExitCode.Success);
      assert.deepEqual(JSON.parse(readFileSync(at('cai2.json'), 'utf8')), JSON.parse(readFileSync(original, 'utf8')));
    });

    it('refuses a constitution with errors (exit 2, nothing written) and an unknown format', async () => {
      writeFileSync(at('broken.constitution.md'), '## Principle: p\nCritique: only\n');
      const result = await run('export', 'broken.constitution.md', '-o', 'broken.json');
      assert.equal(result.code, ExitCode.BadInput);
      assert.match(result.stdout, /^broken\.constitution\.md:1:1: error: this principle has a Critique but no Revision/);
      assert.equal(existsSync(at('broken.json')), false);
      assert.equal((await run('export', path.join(examples, 'rubrics.constitution.md'), '-o', 'r.json', '--format', 'yaml')).code, ExitCode.BadInput);
    });
  });

  describe('sample', () => {
    const harmlessness = path.join(examples, 'harmlessness.constitution.md');

    it('prints the drawn ids, one per line, the same for the same seed', async () => {
      const first = await run('sample', harmlessness, '--k', '3', '--seed', 'ci-42');
      assert.equal(first.code, ExitCode.Success);
      const ids = first.stdout.trim().split('\n');
      assert.equal(ids.length, 3);
      assert.equal(new Set(ids).size, 3);
      assert.equal((await run('sample', harmlessness, '--k', '3', '--seed', 'ci-42')).stdout, first.stdout);
    });

    it('filters by tags (any, or all with --match all) and says when fewer than k match', async () => {
      const any = await run('sample', harmlessness, '--k', '10', '--seed', 's', '--tags', 'privacy,legal');
      assert.deepEqual(any.stdout.trim().split('\n').sort(), ['no-illegal-facilitation', 'privacy']);
      assert.match(any.stderr, /note: asked for 10 principles but only 2 match \(with any of the tags privacy, legal\): all 2 are drawn, in sampled order/);
      const all = await run('sample', harmlessness, '--k', '10', '--seed', 's', '--tags', 'safety,wellbeing', '--match', 'all');
      assert.equal(all.stdout, 'self-harm-care\n');
    });

    it('without --seed, draws with a random seed and prints it so the draw can be repeated', async () => {
      const result = await run('sample', harmlessness, '--k', '2');
      assert.equal(result.code, ExitCode.Success);
      const seed = /^seed: (\S+)$/m.exec(result.stderr)?.[1];
      assert.ok(seed);
      assert.equal((await run('sample', harmlessness, '--k', '2', '--seed', seed)).stdout, result.stdout);
    });

    it('rejects a missing or bad --k, a bad --match and an unknown action (exit 2)', async () => {
      for (const args of [
        ['sample', harmlessness],
        ['sample', harmlessness, '--k', 'three'],
        ['sample', harmlessness, '--k', '1', '--match', 'some'],
        ['sample', harmlessness, '--k', '1', '--for', 'judging'],
        ['frobnicate', harmlessness],
        ['sample', harmlessness, harmlessness, '--k', '1'],
      ]) {
        assert.equal((await run(...args)).code, ExitCode.BadInput, args.join(' '));
      }
    });
  });
});
