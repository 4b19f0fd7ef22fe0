import { strict as assert } from 'node:assert';
import { critiqueSettingDefaults, readCritiqueSettings, type CritiqueSettingKey } from '../../../src/extension/critique/critiqueSettings';
import packageJson from '../../../package.json';

describe('critique settings', () => {
  const contributed = packageJson.contributes.configuration.properties as Record<string, { default: unknown; markdownDescription?: string }>;
  const read = (raw: Partial<Record<CritiqueSettingKey, unknown>>) => readCritiqueSettings((key) => raw[key]);

  it('declares every distillery.critique.* setting in package.json with the same default and a description', () => {
    const declared = Object.keys(contributed).filter((key) => key.startsWith('distillery.critique.')).sort();
    assert.deepEqual(declared, Object.keys(critiqueSettingDefaults).map((key) => `distillery.${key}`).sort());
    for (const [key, value] of Object.entries(critiqueSettingDefaults)) {
      assert.deepEqual(contributed[`distillery.${key}`]?.default, value, key);
      assert.ok(contributed[`distillery.${key}`]?.markdownDescription, `${key} has a description`);
    }
  });

  it('gives the defaults when nothing is set, and the same for the contributed defaults', () => {
    assert.deepEqual(read({}), { settings: { rounds: 2, seed: 1, tags: [], fewShotFile: undefined, constitution: undefined }, problems: [] });
    assert.deepEqual(read({ ...critiqueSettingDefaults }), read({}));
  });

  it('passes set values through, trimming paths and tags and dropping repeated tags', () => {
    const { settings, problems } = read({
      'critique.rounds': 4,
      'critique.seed': 0,
      'critique.tags': [' safety ', 'style', 'safety'],
      'critique.fewShotFile': ' examples/critiques.jsonl ',
      'critique.constitution': 'rules.constitution.md',
    });
    assert.deepEqual(problems, []);
    assert.deepEqual(settings, { rounds: 4, seed: 0, tags: ['safety', 'style'], fewShotFile: 'examples/critiques.jsonl', constitution: 'rules.constitution.md' });
  });

  it('ignores wrong values with a problem naming the setting, and keeps the default', () => {
    const { settings, problems } = read({ 'critique.rounds': 0, 'critique.seed': 1.5, 'critique.tags': ['ok', 3, ''], 'critique.fewShotFile': 7 });
    assert.equal(settings.rounds, 2);
    assert.equal(settings.seed, 1);
    assert.deepEqual(settings.tags, ['ok']);
    assert.equal(settings.fewShotFile, undefined);
    assert.deepEqual(problems, [
      'distillery.critique.rounds: 0 is not a whole number from 1 to 16; 2 is used.',
      'distillery.critique.seed: 1.5 is not a whole number from 0 to 9007199254740991; 1 is used.',
      'distillery.critique.tags[1]: 3 is not a tag; ignored.',
      'distillery.critique.tags[2]: "" is not a tag; ignored.',
      'distillery.critique.fewShotFile: 7 is not a path; ignored.',
    ]);
    assert.match(read({ 'critique.tags': 'safety' }).problems[0] ?? '', /^distillery\.critique\.tags: "safety" is not a list of tags/);
    assert.equal(read({ 'critique.rounds': 17 }).settings.rounds, 2, 'above the cap');
  });
});
