import { strict as assert } from 'node:assert';
import { readSettings, restrictedSettingKeys, settingDefaults } from '../../../src/extension/settings';
import packageJson from '../../../package.json';

describe('settings', () => {
  const contributed = packageJson.contributes.configuration.properties as Record<string, { default: unknown; description?: string; markdownDescription?: string }>;

  it('declares every setting the reader knows in package.json, with the same default and a description', () => {
    // distillery.generate.*, .critique.*, .judge.* and .duplicates.* are read by their features (generate/, critique/, judging/, curation/).
    const ownReaders = ['distillery.generate.', 'distillery.critique.', 'distillery.judge.', 'distillery.duplicates.', 'distillery.mix.', 'distillery.score.'];
    const declared = Object.keys(contributed).filter((key) => !ownReaders.some((prefix) => key.startsWith(prefix))).sort();
    assert.deepEqual(declared, Object.keys(settingDefaults).map((key) => `distillery.${key}`).sort());
    for (const [key, value] of Object.entries(settingDefaults)) {
      const property = contributed[`distillery.${key}`];
      assert.deepEqual(property?.default, value, key);
      assert.ok(property?.description ?? property?.markdownDescription, `${key} has a description`);
    }
  });

  it('normalises raw values and falls back to defaults for values of the wrong type', () => {
    const raw: Record<string, unknown> = {
      'endpoint.baseUrl': ' http://127.0.0.1:8000/v1/ ',
      'endpoint.model': 42,
      'codeLens.enabled': 'no',
      'diagnostics.enabled': false,
      'statistics.encoding': 'p50k',
      profiles: ['not', 'an', 'object'],
      roles: { teacher: 'local' },
      'cache.enabled': 'yes',
    };
    const settings = readSettings((key) => raw[key]);
    assert.deepEqual(settings, {
      endpointBaseUrl: 'http://127.0.0.1:8000/v1',
      endpointModel: '',
      codeLensEnabled: true,
      diagnosticsEnabled: false,
      previewFollowCursor: true,
      statisticsEncoding: 'auto',
      profiles: {},
      roles: { teacher: 'local' },
      cacheEnabled: true,
    });
  });

  it('restricts exactly the settings that decide where model requests go in untrusted workspaces', () => {
    const restricted = packageJson.capabilities.untrustedWorkspaces.restrictedConfigurations;
    for (const key of restrictedSettingKeys) assert.ok(restricted.includes(`distillery.${key}`), key);
    for (const key of ['distillery.endpoint.baseUrl', 'distillery.profiles', 'distillery.roles']) assert.ok(restricted.includes(key), key);
  });
});
