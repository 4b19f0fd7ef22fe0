import { strict as assert } from 'node:assert';
import { describeEndpoint, parseProfilesFile, resolveEndpoint } from '../../../src/core/llm/endpoint';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { InputError } from '../../../src/core/errors/located';
import type { CliEngine } from '../../../src/cli/engineOptions';
import { buildCliEngine, engineOptions, formatProfileDescriptions } from '../../../src/cli/engineOptions';
import { startTestServer, type TestServer } from '../../support/openaiServer';
import { fakeIo } from '../cli/fakeIo';

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

describe('parseProfilesFile reads the whole profiles format', () => {
  it('accepts presets, sampling, prices and roles; a profile may leave the model to OPENAI_MODEL', () => {
    const profiles = parseProfilesFile(
      `{
        "default": "local",
        "profiles": {
          "local": { "preset": "vllm" },
          "gpt": { "preset": "openai", "model": "gpt-4o-mini", "pricePerMillionInput": 0.15, "sampling": { "temperature": 0 } }
        },
        "roles": { "teacher": ["gpt", "local"] }
      }`,
      'profiles.jsonc',
    );
    const local = resolveEndpoint({ OPENAI_MODEL: 'qwen' }, profiles);
    assert.deepEqual([local.baseURL, local.model, local.profile], ['http://127.0.0.1:8000/v1', 'qwen', 'local']);
    const gpt = resolveEndpoint({ OPENAI_API_KEY: 'sk-x' }, profiles, 'gpt');
    assert.deepEqual([gpt.model, gpt.apiKeyVariable, gpt.apiKey], ['gpt-4o-mini', 'OPENAI_API_KEY', 'sk-x']);
  });
});

describe('CLI: the engine from options and the environment', function () {
  this.timeout(15_000);
  let server: TestServer;
  let dir: string;
  const built: CliEngine[] = [];

  before(async () => {
    server = await startTestServer({ seed: 3 });
  });
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'distillery-engine-options-'));
  });
  afterEach(async () => {
    for (const cli of built.splice(0)) cli.engine.dispose();
    server.reset();
    await rm(dir, { recursive: true, force: true });
  });
  after(() => server.close());

  async function build(args: string[], env: Record<string, string>, needs?: ('teacher' | 'critic' | 'judge')[]): Promise<CliEngine> {
    const { values } = parseArgs({ args, options: engineOptions, strict: true });
    const cli = await buildCliEngine(values, fakeIo({ env, cwd: dir }).io, {}, needs);
    built.push(cli);
    return cli;
  }

  const problem = async (args: string[], env: Record<string, string>): Promise<string> => {
    try {
      await build(args, env);
    } catch (error) {
      assert.ok(error instanceof InputError, String(error));
      return error.message;
    }
    assert.fail('expected an InputError');
  };

  it('a command needs only its own roles: a file with a critic and no teacher serves critique, not generate', async () => {
    const file = path.join(dir, 'profiles.jsonc');
    await writeFile(file, JSON.stringify({ profiles: { a: { baseURL: server.baseURL, model: 'sim-small' }, b: { baseURL: server.baseURL, model: 'sim-large' } }, roles: { critic: 'b' } }));
    const cli = await build(['--profiles', file], {}, ['critic']);
    assert.equal(cli.critic?.model, 'sim-large');
    assert.deepEqual(cli.teachers, []);
    assert.match(await problem(['--profiles', file], {}), /no teacher/);
  });

  it('without a profiles file: one profile "default" from OPENAI_BASE_URL, OPENAI_API_KEY and --model; cached under .distillery/cache', async () => {
    const cli = await build(['--model', 'sim-large'], { OPENAI_BASE_URL: server.baseURL, OPENAI_API_KEY: 'sk-env-key-123456', OPENAI_MODEL: 'sim-small' });
    assert.deepEqual(cli.teachers.map((t) => [t.profile, t.model]), [['default', 'sim-large']]);
    assert.equal(cli.cacheDirectory, path.join(dir, '.distillery', 'cache'));
    const description = cli.describe();
    assert.deepEqual(description, [{ profile: 'default', roles: ['teacher', 'critic', 'judge'], baseURL: server.baseURL, model: 'sim-large', apiKey: 'set (from OPENAI_API_KEY)' }]);
    assert.ok(!formatProfileDescriptions(description).join('\n').includes('sk-env-key-123456'));
    const answer = await cli.teachers[0]?.complete({ messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(answer?.cached, false);
    assert.equal(server.chatRequests()[0]?.headers.authorization, 'Bearer sk-env-key-123456');
    const again = await (await build(['--model', 'sim-large'], { OPENAI_BASE_URL: server.baseURL, OPENAI_API_KEY: 'sk-env-key-123456' })).teachers[0]?.complete({ messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(again?.cached, true, 'the second run replays from .distillery/cache');
    const fresh = await (await build(['--model', 'sim-large', '--no-cache'], { OPENAI_BASE_URL: server.baseURL })).teachers[0]?.complete({ messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(fresh?.cached, false, '--no-cache asks again');
    assert.equal(server.chatRequests()[1]?.headers.authorization, undefined, 'no OPENAI_API_KEY: no Authorization header');
  });

  it('with a profiles file: --teacher (repeatable) wins over roles.teacher, which wins over the default; keys from each profile\'s variable', async () => {
    await writeFile(path.join(dir, 'profiles.jsonc'), `{
      "default": "a",
      "profiles": {
        "a": { "baseURL": "${server.baseURL}", "model": "sim-small", "apiKeyEnv": "A_KEY" },
        "b": { "baseURL": "${server.baseURL}", "model": "sim-large" },
        "c": { "preset": "ollama", "model": "llama3" }
      },
      "roles": { "teacher": ["b", "a"], "judge": ["a", "b"] }
    }`);
    const fromRoles = await build(['--profiles', 'profiles.jsonc', '--cache-dir', 'cache'], { A_KEY: 'sk-a-key-0000000000' });
    assert.deepEqual(fromRoles.teachers.map((t) => t.profile), ['b', 'a']);
    assert.deepEqual(fromRoles.judges.map((t) => t.profile), ['a', 'b']);
    assert.equal(fromRoles.critic?.profile, 'a', 'no critic role: the default');
    assert.equal(fromRoles.cacheDirectory, path.join(dir, 'cache'));
    assert.deepEqual(fromRoles.describe().map((d) => [d.profile, d.roles.join('+'), d.apiKey]), [
      ['b', 'teacher+judge', 'none (the profile names no key variable)'],
      ['a', 'teacher+critic+judge', 'set (from A_KEY)'],
    ]);
    const chosen = await build(['--teacher', 'c', '--teacher', 'a'], { DISTILLERY_PROFILES: 'profiles.jsonc' });
    assert.deepEqual(chosen.teachers.map((t) => t.profile), ['c', 'a'], 'DISTILLERY_PROFILES names the file too');
    assert.equal(chosen.describe()[0]?.baseURL, 'http://127.0.0.1:11434/v1');
    const overridden = await build(['--profiles', 'profiles.jsonc', '--model', 'sim-judge'], {});
    assert.equal(overridden.engine.model('a').model, 'sim-judge', '--model replaces the default profile\'s model');
  });

  it('bad input is an InputError naming the place: unknown teacher, no model, a broken file, a missing file', async () => {
    await writeFile(path.join(dir, 'profiles.jsonc'), '{ "profiles": { "a": { "model": "m" } } }');
    assert.match(await problem(['--profiles', 'profiles.jsonc', '--teacher', 'zz'], {}), /^--teacher: no profile named "zz" \(known: a\)$/);
    assert.match(await problem([], { OPENAI_BASE_URL: server.baseURL }), /no model: pass --model M, set OPENAI_MODEL/);
    assert.match(await problem(['--model', 'm'], { OPENAI_BASE_URL: 'ftp://x' }), /^OPENAI_BASE_URL: "baseURL" must be an http or https URL/);
    await writeFile(path.join(dir, 'broken.jsonc'), '{ "profiles": {\n  "a": { "model": "m", "apiKey": "sk-in-file" } } }');
    assert.match(await problem(['--profiles', 'broken.jsonc'], {}), /^broken\.jsonc:2:24: keys do not belong in a profiles file/);
    assert.match(await problem(['--profiles', 'missing.jsonc'], {}), /^missing\.jsonc: cannot read profiles file \(ENOENT\)$/);
    await writeFile(path.join(dir, 'two.jsonc'), '{ "profiles": { "a": { "model": "m" }, "b": { "model": "n" } } }');
    assert.match(await problem(['--profiles', 'two.jsonc'], {}), /no teacher: name one with --teacher/);
    assert.match(await problem(['--profiles', 'two.jsonc', '--model', 'x'], {}), /^--model: two\.jsonc has no "default" profile/);
  });
});
