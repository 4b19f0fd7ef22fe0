import { strict as assert } from 'node:assert';
import { describeEndpoint, parseProfilesFile, resolveEndpoint } from '../../../src/core/llm/endpoint';
import { InputError } from '../../../src/core/errors/located';

describe('resolveEndpoint', () => {
  it('reads OPENAI_BASE_URL and OPENAI_API_KEY as the openai package does', () => {
    const endpoint = resolveEndpoint({ OPENAI_BASE_URL: 'http://127.0.0.1:9/v1', OPENAI_API_KEY: 'sk-abc' });
    assert.equal(endpoint.baseURL, 'http://127.0.0.1:9/v1');
    assert.equal(endpoint.apiKey, 'sk-abc');
    assert.equal(endpoint.profile, undefined);
  });

  it('lets a profile override the environment, with its own key variable', () => {
    const profiles = parseProfilesFile(
      `{
        // local vLLM
        "default": "local",
        "profiles": { "local": { "baseURL": "http://127.0.0.1:8000/v1", "model": "qwen", "apiKeyEnv": "VLLM_KEY" } },
      }`,
      'profiles.jsonc',
    );
    const endpoint = resolveEndpoint({ OPENAI_BASE_URL: 'http://elsewhere/v1', VLLM_KEY: 'k-123' }, profiles);
    assert.deepEqual([endpoint.baseURL, endpoint.model, endpoint.apiKey, endpoint.profile], ['http://127.0.0.1:8000/v1', 'qwen', 'k-123', 'local']);
  });

  it('never shows the key, only where it comes from', () => {
    const description = describeEndpoint(resolveEndpoint({ OPENAI_API_KEY: 'sk-secret-canary' }));
    assert.ok(!JSON.stringify(description).includes('sk-secret-canary'));
    assert.equal(description.apiKey, 'set (from OPENAI_API_KEY)');
  });

  it('rejects an unknown profile name', () => {
    assert.throws(() => resolveEndpoint({}, undefined, 'nope'), /unknown profile "nope"/);
  });
});

describe('parseProfilesFile', () => {
  const problem = (text: string) => {
    try {
      parseProfilesFile(text, 'p.jsonc');
    } catch (error) {
      assert.ok(error instanceof InputError);
      return error.message;
    }
    assert.fail('expected an InputError');
  };

  it('points at a syntax error', () => {
    assert.equal(problem('{\n  "profiles": {\n    "a": { "model": }\n  }\n}'), 'p.jsonc:3:21: value expected');
  });

  it('refuses a key stored in the file, at the field', () => {
    assert.match(problem('{"profiles": {"a": {\n"apiKey": "sk-x"}}}'), /^p\.jsonc:2:1: keys do not belong in a profiles file/);
  });

  it('names an unknown field and a bad URL at their places', () => {
    assert.match(problem('{"profiles": {"a": {"baseUrl": "x"}}}'), /^p\.jsonc:1:21: unknown field "baseUrl"/);
    assert.match(problem('{"profiles": {"a": {"baseURL": "ftp://x"}}}'), /^p\.jsonc:1:32: "baseURL" must be an http or https URL/);
  });

  it('checks that the default names a profile', () => {
    assert.match(problem('{"default": "b", "profiles": {"a": {}}}'), /^p\.jsonc:1:13: "default" names no profile/);
  });
});
