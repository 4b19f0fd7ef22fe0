import { strict as assert } from 'node:assert';
import { generateSettingDefaults, readGenerateSettings, splitCommandLine, type GenerateSettingKey } from '../../../src/extension/generate/generateSettings';
import packageJson from '../../../package.json';

describe('generate settings', () => {
  const contributed = packageJson.contributes.configuration.properties as Record<string, { default: unknown; description?: string; markdownDescription?: string; scope?: string }>;
  const read = (raw: Partial<Record<GenerateSettingKey, unknown>>, cwd?: string) => readGenerateSettings((key) => raw[key], cwd);

  it('declares every distillery.generate.* setting in package.json with the same default and a description', () => {
    const declared = Object.keys(contributed).filter((key) => key.startsWith('distillery.generate.')).sort();
    assert.deepEqual(declared, Object.keys(generateSettingDefaults).map((key) => `distillery.${key}`).sort());
    for (const [key, value] of Object.entries(generateSettingDefaults)) {
      const property = contributed[`distillery.${key}`];
      assert.deepEqual(property?.default, value, key);
      assert.ok(property?.description ?? property?.markdownDescription, `${key} has a description`);
    }
  });

  it('keeps a workspace from choosing the verifier program in an untrusted workspace', () => {
    assert.ok(packageJson.capabilities.untrustedWorkspaces.restrictedConfigurations.includes('distillery.generate.verifier'));
    assert.notEqual(contributed['distillery.generate.verifier']?.scope, 'resource', 'not settable per folder beyond the workspace');
  });

  it('gives the documented defaults when nothing is set', () => {
    assert.deepEqual(read({}), {
      settings: { n: 1, output: 'sft', filters: { rejectRefusals: true, dedupe: 'near' } },
      problems: [],
    });
    // The contributed defaults read the same as nothing at all.
    assert.deepEqual(read({ ...generateSettingDefaults }), read({}));
  });

  it('passes every set value through, with the verifier split into program and arguments', () => {
    const { settings, problems } = read(
      {
        'generate.samples': 3,
        'generate.systemPrompt': 'You are terse. Topic: {{topic}}',
        'generate.temperature': 0.7,
        'generate.maxTokens': 512,
        'generate.output': 'candidates',
        'generate.filters.minChars': 10,
        'generate.filters.maxChars': 2000,
        'generate.filters.rejectRefusals': false,
        'generate.filters.dedupe': 'exact',
        'generate.verifier': `python3 "checks/math check.py" --strict 'a b'`,
      },
      '/work/ds',
    );
    assert.deepEqual(problems, []);
    assert.deepEqual(settings, {
      n: 3,
      systemPrompt: 'You are terse. Topic: {{topic}}',
      temperature: 0.7,
      max_tokens: 512,
      output: 'candidates',
      filters: {
        minChars: 10,
        maxChars: 2000,
        rejectRefusals: false,
        dedupe: 'exact',
        verifier: { command: 'python3', args: ['checks/math check.py', '--strict', 'a b'], cwd: '/work/ds' },
      },
    });
  });

  it('ignores out-of-range and wrongly typed values, naming each setting', () => {
    const { settings, problems } = read({
      'generate.samples': 1000,
      'generate.temperature': 'hot',
      'generate.maxTokens': 1.5,
      'generate.output': 'dpo',
      'generate.filters.dedupe': 42,
      'generate.filters.rejectRefusals': 'yes',
    });
    assert.deepEqual(settings, { n: 1, output: 'sft', filters: { rejectRefusals: true, dedupe: 'near' } });
    assert.equal(problems.length, 3);
    assert.match(problems[0] ?? '', /^distillery\.generate\.samples: 1000 is not a whole number from 1 to 32/);
    assert.match(problems[1] ?? '', /^distillery\.generate\.temperature: "hot" is not a number from 0 to 2/);
    assert.match(problems[2] ?? '', /^distillery\.generate\.maxTokens: 1\.5 is not a whole number/);
  });

  it('reports a verifier command line it cannot split, with the column, and uses no verifier', () => {
    const { settings, problems } = read({ 'generate.verifier': 'node "check.js' });
    assert.equal(settings.filters?.verifier, undefined);
    assert.deepEqual(problems, ['distillery.generate.verifier: the double quote at column 6 is never closed; no verifier is used.']);
  });

  it('says so when the length bounds leave no room for any answer', () => {
    const { problems } = read({ 'generate.filters.minChars': 50, 'generate.filters.maxChars': 20 });
    assert.equal(problems.length, 1);
    assert.match(problems[0] ?? '', /minChars \(50\) is above distillery\.generate\.filters\.maxChars \(20\)/);
  });

  describe('splitCommandLine', () => {
    it('splits words as a shell does, without expanding anything', () => {
      assert.deepEqual(splitCommandLine('  node   verify.js  '), ['node', 'verify.js']);
      assert.deepEqual(splitCommandLine(`a 'b c' "d \\"e\\" \\\\" f\\ g ''`), ['a', 'b c', 'd "e" \\', 'f g', '']);
      assert.deepEqual(splitCommandLine('echo $HOME *.py | cat'), ['echo', '$HOME', '*.py', '|', 'cat']);
      assert.deepEqual(splitCommandLine(`x"y z"'w'`), ['xy zw']);
    });

    it('names the column of an unclosed quote or a trailing backslash', () => {
      assert.throws(() => splitCommandLine("run 'oops"), /single quote at column 5 is never closed/);
      assert.throws(() => splitCommandLine('run oops\\'), /backslash ends the command line at column 9/);
    });
  });
});
