import { strict as assert } from 'node:assert';
import { judgeSettingDefaults, readJudgeSettings, type JudgeSettingKey } from '../../../src/extension/judging/judgeSettings';
import packageJson from '../../../package.json';

describe('judge settings', () => {
  const contributed = packageJson.contributes.configuration.properties as Record<string, { default: unknown; markdownDescription?: string }>;
  const read = (raw: Partial<Record<JudgeSettingKey, unknown>>) => readJudgeSettings((key) => raw[key]);

  it('declares every distillery.judge.* setting in package.json with the same default and a description', () => {
    const declared = Object.keys(contributed).filter((key) => key.startsWith('distillery.judge.')).sort();
    assert.deepEqual(declared, Object.keys(judgeSettingDefaults).map((key) => `distillery.${key}`).sort());
    for (const [key, value] of Object.entries(judgeSettingDefaults)) {
      assert.deepEqual(contributed[`distillery.${key}`]?.default, value, key);
      assert.ok(contributed[`distillery.${key}`]?.markdownDescription, `${key} has a description`);
    }
  });

  it('gives one sample, both orders, one principle and no constitution by default', () => {
    assert.deepEqual(read({}), { settings: { samples: 1, bothOrders: true, principles: 1, constitution: undefined }, problems: [] });
    assert.deepEqual(read({ ...judgeSettingDefaults }), read({}));
  });

  it('passes set values through, trimming the path', () => {
    const { settings, problems } = read({ 'judge.samples': 3, 'judge.bothOrders': false, 'judge.principles': 2, 'judge.constitution': ' rules.constitution.md ' });
    assert.deepEqual(problems, []);
    assert.deepEqual(settings, { samples: 3, bothOrders: false, principles: 2, constitution: 'rules.constitution.md' });
  });

  it('ignores wrong values with a problem naming the setting, and keeps the default', () => {
    const { settings, problems } = read({ 'judge.samples': 0, 'judge.bothOrders': 'yes', 'judge.principles': 1.5, 'judge.constitution': 7 });
    assert.deepEqual(settings, { samples: 1, bothOrders: true, principles: 1, constitution: undefined });
    assert.equal(problems.length, 4);
    for (const [index, key] of ['judge.samples', 'judge.principles', 'judge.bothOrders', 'judge.constitution'].entries()) {
      assert.ok(problems.some((p) => p.startsWith(`distillery.${key}:`)), `problem ${index} names distillery.${key}`);
    }
  });
});
