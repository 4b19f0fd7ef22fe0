import * as assert from 'node:assert/strict';
import { DEFAULT_SAMPLING, PROFILE_PRESETS, ProfileError, profileFromPreset, validateProfile, validateProfiles } from '../../../src/core/llm/profile';

describe('llm: model profiles', () => {
  it('accepts a minimal profile and fills the defaults', () => {
    const profile = validateProfile({ name: 'local', model: 'qwen', baseURL: 'http://127.0.0.1:8000/v1' });
    assert.deepEqual(profile, { name: 'local', model: 'qwen', baseURL: 'http://127.0.0.1:8000/v1', sampling: DEFAULT_SAMPLING, concurrency: 1 });
  });

  it('keeps every field of a full profile', () => {
    const full = {
      name: 'teacher', model: 'gpt-4o-mini', apiKeyRef: 'OPENAI_API_KEY',
      sampling: { temperature: 0, top_p: 0.9, max_tokens: 256, seed: 7 },
      concurrency: 8, requestsPerMinute: 500, tokensPerMinute: 200_000, pricePerMillionInput: 0.15, pricePerMillionOutput: 0.6,
    };
    assert.deepEqual(validateProfile(full), full);
  });

  it('lists every problem, each naming its field', () => {
    assert.throws(
      () => validateProfile({ model: '', baseURL: 'ftp://x', concurrency: 0, sampling: { temperature: 3, max_tokens: 1.5, topP: 1 }, requestsPerMinute: -1, extra: 1 }),
      (error: unknown) => {
        assert.ok(error instanceof ProfileError);
        const text = error.message;
        for (const part of ['"name"', '"model"', '"baseURL"', '"concurrency"', 'sampling.temperature', 'sampling.max_tokens', 'sampling.topP', 'requestsPerMinute', 'unknown field "extra"']) {
          assert.ok(text.includes(part), `${part} in: ${text}`);
        }
        return true;
      },
    );
  });

  it('refuses a key in the profile, and a key given as apiKeyRef, without repeating it', () => {
    const key = 'sk-proj-abcdefghijklmnopqrstuvwxyz0123456789';
    for (const value of [{ name: 'a', model: 'm', apiKey: key }, { name: 'a', model: 'm', apiKeyRef: key }]) {
      assert.throws(() => validateProfile(value), (error: unknown) => {
        assert.ok(error instanceof ProfileError);
        assert.ok(!error.message.includes(key), error.message);
        assert.match(error.message, /apiKeyRef/);
        return true;
      });
    }
  });

  it('refuses duplicate names and non-objects', () => {
    assert.throws(() => validateProfiles([{ name: 'a', model: 'm' }, { name: 'a', model: 'n' }]), /same name/);
    assert.throws(() => validateProfile('a'), /must be an object/);
  });

  it('presets: local servers on their default ports, OpenAI on the package default, Azure from a template', () => {
    assert.equal(PROFILE_PRESETS.openai.baseURL, undefined);
    assert.equal(PROFILE_PRESETS.vllm.baseURL, 'http://127.0.0.1:8000/v1');
    assert.equal(PROFILE_PRESETS.ollama.baseURL, 'http://127.0.0.1:11434/v1');
    assert.equal(PROFILE_PRESETS['llama.cpp'].baseURL, 'http://127.0.0.1:8080/v1');
    assert.equal(PROFILE_PRESETS['lm-studio'].baseURL, 'http://127.0.0.1:1234/v1');
    const openai = profileFromPreset('openai', { name: 'o', model: 'gpt-4o-mini' });
    assert.equal(openai.baseURL, undefined);
    assert.equal(openai.apiKeyRef, 'OPENAI_API_KEY');
    const azure = profileFromPreset('azure-openai', { name: 'az', model: 'my-deployment', template: { resource: 'contoso' } });
    assert.equal(azure.baseURL, 'https://contoso.openai.azure.com/openai/v1/');
    assert.throws(() => profileFromPreset('azure-openai', { name: 'az', model: 'd' }), /\{resource\}/);
    const ollama = profileFromPreset('ollama', { name: 'ol', model: 'llama3.2', concurrency: 2 });
    assert.equal(ollama.concurrency, 2);
    assert.equal(ollama.apiKeyRef, undefined);
    for (const preset of Object.values(PROFILE_PRESETS)) {
      const fields = preset.baseURLTemplate ? { name: 'p', model: 'm', template: { resource: 'r' } } : { name: 'p', model: 'm' };
      assert.doesNotThrow(() => profileFromPreset(preset.id, fields), preset.id);
    }
  });
});
