import { strict as assert } from 'node:assert';
import { readSettings, settingDefaults } from '../../../src/extension/settings';
import packageJson from '../../../package.json';

describe('settings', () => {
  const contributed = packageJson.contributes.configuration.properties as Record<string, { default: unknown; description?: string; markdownDescription?: string }>;

  it('declares every setting the reader knows in package.json, with the same default and a description', () => {
    const declared = Object.keys(contributed).sort();
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
    };
    const settings = readSettings((key) => raw[key]);
    assert.deepEqual(settings, {
      endpointBaseUrl: 'http://127.0.0.1:8000/v1',
      endpointModel: '',
      codeLensEnabled: true,
      diagnosticsEnabled: false,
      previewFollowCursor: true,
      statisticsEncoding: 'auto',
    });
  });
});
