import { strict as assert } from 'node:assert';
import { readModelSettings } from '../../../src/extension/models/profileSettings';

const none = { endpointBaseUrl: '', endpointModel: '', profiles: {}, roles: {} };

describe('model settings: profiles and roles', () => {
  it('makes the endpoint settings the profile "default", which every role uses', () => {
    const settings = readModelSettings({ ...none, endpointBaseUrl: 'http://127.0.0.1:8000/v1', endpointModel: 'Qwen/Qwen2.5-7B-Instruct' });
    assert.deepEqual(settings.problems, []);
    assert.equal(settings.profiles.get('default')?.baseURL, 'http://127.0.0.1:8000/v1');
    assert.equal(settings.profiles.get('default')?.model, 'Qwen/Qwen2.5-7B-Instruct');
    assert.equal(settings.settingOf.get('default'), 'distillery.endpoint');
    assert.deepEqual(settings.roles, { teachers: ['default'], critic: 'default', judges: ['default'] });
  });

  it('configures nothing (and complains about nothing) when nothing is set', () => {
    const settings = readModelSettings(none);
    assert.equal(settings.profiles.size, 0);
    assert.deepEqual(settings.roles, { teachers: [], judges: [] });
    assert.deepEqual(settings.problems, []);
  });

  it('makes no profile of a model name without an endpoint URL', () => {
    const settings = readModelSettings({ ...none, endpointModel: 'gpt-4o-mini' });
    assert.equal(settings.profiles.size, 0);
    assert.deepEqual(settings.problems, []);
  });

  it('names the endpoint setting when its URL is bad', () => {
    const settings = readModelSettings({ ...none, endpointBaseUrl: 'localhost:8000', endpointModel: 'm' });
    assert.equal(settings.profiles.size, 0);
    assert.match(settings.problems.join('\n'), /^distillery\.endpoint\.baseUrl: "baseURL" must be an http or https URL/);
  });

  it('says the endpoint URL is unused without a model name', () => {
    const settings = readModelSettings({ ...none, endpointBaseUrl: 'http://127.0.0.1:8000/v1' });
    assert.equal(settings.profiles.size, 0);
    assert.match(settings.problems.join('\n'), /^distillery\.endpoint\.model: empty/);
  });

  it('reads profiles with presets, and gives every profile an explicit base URL', () => {
    const settings = readModelSettings({
      ...none,
      profiles: {
        local: { preset: 'vllm', model: 'qwen', concurrency: 32 },
        gpt: { preset: 'openai', model: 'gpt-4o-mini', pricePerMillionInput: 0.15, pricePerMillionOutput: 0.6 },
        plain: { model: 'm', apiKeyEnv: 'MY_KEY' },
      },
      roles: { teacher: ['gpt', 'local'], critic: 'gpt', judge: 'plain' },
    });
    assert.deepEqual(settings.problems, []);
    assert.equal(settings.profiles.get('local')?.baseURL, 'http://127.0.0.1:8000/v1');
    assert.equal(settings.profiles.get('local')?.concurrency, 32);
    // Not left to the openai package, which would follow OPENAI_BASE_URL from the editor's environment.
    assert.equal(settings.profiles.get('gpt')?.baseURL, 'https://api.openai.com/v1');
    assert.equal(settings.profiles.get('plain')?.baseURL, 'https://api.openai.com/v1');
    assert.equal(settings.profiles.get('plain')?.apiKeyRef, 'MY_KEY');
    assert.equal(settings.profiles.get('gpt')?.pricePerMillionOutput, 0.6);
    assert.deepEqual(settings.roles, { teachers: ['gpt', 'local'], critic: 'gpt', judges: ['plain'] });
  });

  it('lets a "default" profile in distillery.profiles replace the endpoint settings', () => {
    const settings = readModelSettings({
      ...none, endpointBaseUrl: 'http://127.0.0.1:1/v1', endpointModel: 'old', profiles: { default: { preset: 'ollama', model: 'llama3' } },
    });
    assert.equal(settings.profiles.get('default')?.baseURL, 'http://127.0.0.1:11434/v1');
    assert.equal(settings.settingOf.get('default'), 'distillery.profiles');
  });

  it('falls back to the only profile when roles say nothing and there is no "default"', () => {
    const settings = readModelSettings({ ...none, profiles: { only: { baseURL: 'http://127.0.0.1:9/v1', model: 'm' } } });
    assert.deepEqual(settings.roles, { teachers: ['only'], critic: 'only', judges: ['only'] });
    const two = readModelSettings({ ...none, profiles: { a: { model: 'm' }, b: { model: 'm' } } });
    assert.deepEqual(two.roles, { teachers: [], judges: [] });
  });

  it('reports each bad profile with its name and field, keeps the good ones, and never throws', () => {
    const settings = readModelSettings({
      ...none,
      profiles: {
        good: { model: 'm', baseURL: 'http://127.0.0.1:9/v1' },
        noModel: { baseURL: 'http://127.0.0.1:9/v1' },
        badUrl: { model: 'm', baseURL: 'ftp://example.com' },
        badPreset: { preset: 'bedrock', model: 'm' },
        withKey: { model: 'm', apiKey: 'sk-abcdefghijklmnopqrstuvwxyz' },
        typo: { model: 'm', temprature: 0.2 },
        notObject: 'gpt-4o',
        'vscode-lm:x/y': { model: 'm' },
      },
    });
    assert.deepEqual([...settings.profiles.keys()], ['good']);
    const text = settings.problems.join('\n');
    assert.match(text, /^distillery\.profiles\.noModel: profile "noModel" needs "model"$/m);
    assert.match(text, /^distillery\.profiles\.badUrl\.baseURL: "baseURL" must be an http or https URL/m);
    assert.match(text, /^distillery\.profiles\.badPreset\.preset: "preset" must be one of openai, /m);
    assert.match(text, /^distillery\.profiles\.withKey\.apiKey: keys never go in settings: store it with "Distillery: Set API Key…"/m);
    assert.match(text, /^distillery\.profiles\.typo\.temprature: unknown field "temprature"/m);
    assert.match(text, /^distillery\.profiles\.notObject: profile "notObject" must be an object$/m);
    assert.match(text, /^distillery\.profiles\.vscode-lm:x\/y: names starting with "vscode-lm:" are VS Code's/m);
    // The key a user pasted by mistake is not repeated in the problems.
    assert.doesNotMatch(text, /sk-abcdefghijklmnopqrstuvwxyz/);
  });

  it('reports roles that name unknown profiles or have the wrong shape, and keeps vscode-lm names for the editor to check', () => {
    const settings = readModelSettings({
      ...none,
      profiles: { a: { model: 'm' } },
      roles: { teacher: ['a', 'missing', 'vscode-lm:copilot/gpt-4o', 'a'], critic: ['a'], judge: 7, jduge: 'a' },
    });
    assert.deepEqual(settings.roles.teachers, ['a', 'vscode-lm:copilot/gpt-4o']);
    // Wrong shapes fall back like an unset role.
    assert.equal(settings.roles.critic, 'a');
    assert.deepEqual(settings.roles.judges, ['a']);
    const text = settings.problems.join('\n');
    assert.match(text, /^distillery\.roles\.teacher: no profile named "missing" \(known: a\)$/m);
    assert.match(text, /^distillery\.roles\.critic: must be a profile name$/m);
    assert.match(text, /^distillery\.roles\.judge: must be a profile name or a list of them$/m);
    assert.match(text, /^distillery\.roles\.jduge: unknown role \(expected teacher, critic, judge\)$/m);
  });
});
