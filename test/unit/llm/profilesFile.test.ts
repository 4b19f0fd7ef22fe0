import * as assert from 'node:assert/strict';
import { InputError } from '../../../src/core/errors/located';
import { DEFAULT_SAMPLING } from '../../../src/core/llm/profile';
import { ProfilesFileError, parseProfilesText, profilesFromSettings } from '../../../src/core/llm/profilesFile';

/** Every problem line of a file that must be refused. */
function problems(text: string): string[] {
  try {
    parseProfilesText(text, 'p.jsonc');
  } catch (error) {
    assert.ok(error instanceof InputError, String(error));
    return error.message.split('\n');
  }
  assert.fail('expected the file to be refused');
}

/** Lines are joined with \n so that each test shows where things are. */
const file = (...lines: string[]): string => lines.join('\n');

describe('llm: the profiles file', () => {
  it('reads profiles from presets and fields, the default and the roles', () => {
    const config = parseProfilesText(file(
      '{',
      '  // the local server and a paid one',
      '  "default": "local",',
      '  "profiles": {',
      '    "local": { "preset": "vllm", "model": "qwen", "concurrency": 32 },',
      '    "gpt": { "preset": "openai", "model": "gpt-4o-mini", "pricePerMillionInput": 0.15, "pricePerMillionOutput": 0.6,',
      '             "sampling": { "temperature": 0.2, "max_tokens": 512 } },',
      '    "router": { "baseURL": "https://openrouter.ai/api/v1", "model": "meta/llama", "apiKeyEnv": "ROUTER_KEY", "requestsPerMinute": 60 },',
      '  },',
      '  "roles": { "teacher": ["gpt", "router"], "critic": "gpt", "judge": "local" },',
      '}',
    ), 'p.jsonc');
    assert.equal(config.defaultProfile, 'local');
    assert.deepEqual(config.profiles.get('local'), {
      name: 'local', baseURL: 'http://127.0.0.1:8000/v1', model: 'qwen', sampling: DEFAULT_SAMPLING, concurrency: 32,
    });
    assert.deepEqual(config.profiles.get('gpt'), {
      name: 'gpt', model: 'gpt-4o-mini', apiKeyRef: 'OPENAI_API_KEY', concurrency: 8, pricePerMillionInput: 0.15, pricePerMillionOutput: 0.6,
      sampling: { temperature: 0.2, top_p: 1, max_tokens: 512 },
    });
    assert.equal(config.profiles.get('router')?.apiKeyRef, 'ROUTER_KEY', 'apiKeyEnv is the apiKeyRef');
    assert.equal(config.profiles.get('router')?.requestsPerMinute, 60);
    assert.deepEqual(config.roles, { teachers: ['gpt', 'router'], critic: 'gpt', judges: ['local'] });
  });

  it('without roles, the role lists are empty', () => {
    const config = parseProfilesText('{"profiles": {"a": {"model": "m"}}}', 'p.jsonc');
    assert.deepEqual(config.roles, { teachers: [], judges: [] });
    assert.equal(config.defaultProfile, undefined);
  });

  it('refuses a key written into the file at its place, without repeating it', () => {
    const lines = problems(file('{ "profiles": { "a": {', '  "model": "m",', '  "apiKey": "sk-canary-in-file-123456789" } } }'));
    assert.deepEqual(lines, ['p.jsonc:3:3: keys do not belong in a profiles file: name the variable that holds it with "apiKeyEnv"']);
    const asRef = problems(file('{ "profiles": { "a": {', '  "model": "m",', '  "apiKeyEnv": "sk-abcdefghijklmnopqrstuvwx" } } }'));
    assert.equal(asRef.length, 1);
    assert.match(asRef[0] as string, /^p\.jsonc:3:16: "apiKeyEnv" looks like a key itself/);
    assert.ok(!asRef[0]?.includes('sk-abcdefghijklmnopqrstuvwx'));
    assert.match(problems('{"apiKey": "x", "profiles": {}}')[0] as string, /^p\.jsonc:1:2: keys do not belong/);
  });

  it('lists every problem, in file order, each at its line and column', () => {
    const lines = problems(file(
      '{',
      '  "profiles": {',
      '    "a": { "model": "m", "sampling": { "temperature": 3, "topP": 1 } },',
      '    "b": { "preset": "vlm", "model": "m" },',
      '    "c": { "baseURL": "ftp://x" },',
      '    "d": { "model": "m", "concurrency": 0, "colour": "red" }',
      '  },',
      '  "roles": { "teacher": ["a", "zz"], "critic": "b", "jury": "a" },',
      '  "default": "nope"',
      '}',
    ));
    assert.deepEqual(lines, [
      'p.jsonc:3:55: "sampling.temperature" must be a number from 0 to 2',
      'p.jsonc:3:58: unknown field "sampling.topP" (expected temperature, top_p, max_tokens, seed)',
      'p.jsonc:4:22: "preset" must be one of openai, azure-openai, openrouter, vllm, ollama, llama.cpp, lm-studio',
      'p.jsonc:5:5: profile "c" needs "model"',
      'p.jsonc:5:23: "baseURL" must be an http or https URL (or left out for the openai package default)',
      'p.jsonc:6:41: "concurrency" must be an integer from 1 to 1024',
      'p.jsonc:6:44: unknown field "colour" (expected preset, baseURL, model, apiKeyEnv, apiKeyRef, sampling, concurrency, requestsPerMinute, tokensPerMinute, pricePerMillionInput, pricePerMillionOutput)',
      'p.jsonc:8:31: "roles.teacher" names no profile: "zz" (known: a, b, c, d)',
      'p.jsonc:8:53: unknown role "jury" (expected teacher, critic, judge)',
      'p.jsonc:9:14: "default" names no profile: "nope" (known: a, b, c, d)',
    ]);
  });

  it('a role naming a profile that is declared but broken is not also reported as unknown', () => {
    const lines = problems('{"profiles": {"a": {}}, "roles": {"teacher": "a"}}');
    assert.deepEqual(lines, ['p.jsonc:1:15: profile "a" needs "model"']);
  });

  it('points at a syntax error, a duplicated name, a repeated role member, and a preset that needs a URL', () => {
    assert.deepEqual(problems('{\n  "profiles": {\n    "a": { "model": }\n  }\n}'), ['p.jsonc:3:21: value expected']);
    assert.deepEqual(problems('{"profiles": {"a": {"model": "m"},\n "a": {"model": "n"}}}'), ['p.jsonc:2:2: "a" appears twice in one object']);
    assert.deepEqual(problems('{"profiles": {"a": {"model": "m"}}, "roles": {"judge": ["a", "a"]}}'), ['p.jsonc:1:62: "roles.judge" names "a" twice']);
    assert.deepEqual(problems('{"profiles": {"az": {"preset": "azure-openai", "model": "dep"}}}'),
      ['p.jsonc:1:32: preset "azure-openai" needs "baseURL" (https://{resource}.openai.azure.com/openai/v1/)']);
    assert.deepEqual(problems('{"profiles": {"a": {"model": "m"}}, "roles": {"critic": ["a"]}}'), ['p.jsonc:1:57: "roles.critic" must be a profile name']);
    assert.deepEqual(problems('[]'), ['p.jsonc:1:1: a profiles file must hold a JSON object']);
  });

  it('the error carries every problem with its place, for the editor to show as diagnostics', () => {
    try {
      parseProfilesText('{"profiles": {"a": {}, "b": {}}}', 'p.jsonc');
      assert.fail('expected an error');
    } catch (error) {
      assert.ok(error instanceof ProfilesFileError);
      assert.deepEqual(error.problems.map((p) => [p.location?.line, p.location?.column, p.message]), [
        [1, 15, 'profile "a" needs "model"'],
        [1, 24, 'profile "b" needs "model"'],
      ]);
    }
  });

  it('from settings: the same rules, each problem named by its path', () => {
    assert.throws(
      () => profilesFromSettings({ profiles: { a: { model: 'm', apiKey: 'x' } }, roles: { teacher: 'b' } }, 'distillery'),
      (error: unknown) => {
        assert.ok(error instanceof InputError);
        assert.equal(error.message, [
          'distillery.profiles.a.apiKey: keys do not belong in a profiles file: name the variable that holds it with "apiKeyEnv"',
          'distillery.roles.teacher: "roles.teacher" names no profile: "b" (known: a)',
        ].join('\n'));
        return true;
      },
    );
    assert.equal(profilesFromSettings({ profiles: { a: { model: 'm' } } }, 'distillery').profiles.get('a')?.model, 'm');
  });
});
