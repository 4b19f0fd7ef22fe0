// The editor's model layer in a real extension host: profiles and roles from the settings, API keys
// in SecretStorage per origin, origin approval, and the usage status bar, against the project's
// OpenAI-compatible test server started here, inside the host.
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { OriginChoice } from '../../src/extension/models/modelPrompts';
import type { DistilleryTestApi } from '../../src/extension/models/testApi';
import { EXTENSION_ID, until } from '../support/extensionHost';
import { startTestServer, type TestServer } from '../support/openaiServer';

const settings = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration('distillery');

async function distilleryTestApi(): Promise<DistilleryTestApi> {
  const api = await vscode.extensions.getExtension<DistilleryTestApi | undefined>(EXTENSION_ID)?.activate();
  assert.ok(api, 'activate() returns the test API when DISTILLERY_TEST=1');
  return api;
}

/** Sets user settings and waits until the model service has read them. */
async function setUserSettings(values: { profiles?: unknown; roles?: unknown }, ready: () => boolean): Promise<void> {
  await settings().update('profiles', values.profiles, vscode.ConfigurationTarget.Global);
  await settings().update('roles', values.roles, vscode.ConfigurationTarget.Global);
  await until('the model settings to be read', () => (ready() ? true : undefined));
}

/** Every file under `dir`, read as text. */
function readAll(dir: string): string {
  if (!fs.existsSync(dir)) return '';
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => fs.readFileSync(path.join(entry.parentPath, entry.name), 'utf8'))
    .join('\n');
}

const hello = { messages: [{ role: 'user' as const, content: 'Name a prime number.' }] };

describe('model layer', function () {
  this.timeout(60_000);
  let api: DistilleryTestApi;
  let server: TestServer;
  let origin: string;
  let restorePrompts: (() => void) | undefined;

  before(async () => {
    api = await distilleryTestApi();
    server = await startTestServer({ seed: 5 });
    origin = new URL(server.baseURL).origin;
  });

  afterEach(async () => {
    restorePrompts?.();
    restorePrompts = undefined;
    await setUserSettings({}, () => api.models.settings.profiles.size === 0);
    await api.models.clearApiKey(origin);
    await api.models.forgetApprovals();
    server.reset();
  });

  after(async () => {
    await server.close();
  });

  it('resolves roles to the profiles of the settings, and reports bad profiles without failing', async () => {
    await setUserSettings(
      {
        profiles: {
          simA: { baseURL: server.baseURL, model: 'sim-small' },
          simB: { preset: 'vllm', model: 'sim-large' },
          broken: { baseURL: 'ftp://example.com', model: 'm' },
        },
        roles: { teacher: ['simA', 'simB'], critic: 'simB', judge: 'simA' },
      },
      () => api.models.settings.profiles.has('simA'),
    );
    assert.deepEqual((await api.models.teachers()).map((model) => [model.profile, model.model]), [['simA', 'sim-small'], ['simB', 'sim-large']]);
    assert.equal((await api.models.critic()).profile, 'simB');
    assert.deepEqual((await api.models.judges()).map((model) => model.profile), ['simA']);
    assert.ok(!api.models.settings.profiles.has('broken'));
    assert.match(api.models.settings.problems.join('\n'), /^distillery\.profiles\.broken\.baseURL: "baseURL" must be an http or https URL/m);
  });

  it('says what to set when no model is configured', async () => {
    assert.equal(api.models.settings.profiles.size, 0);
    await assert.rejects(api.models.teachers(), /^ModelSetupError: No teacher model: set distillery\.roles\.teacher to a profile of distillery\.profiles, or set distillery\.endpoint\.baseUrl/);
    await assert.rejects(api.models.critic(), /No critic model/);
  });

  it('offers VS Code language models as vscode-lm profiles, and says so when a role names one that is not there', async () => {
    // code-server offers no language models: what can be checked is the naming and the message.
    const offered = (await vscode.lm.selectChatModels()).length;
    await assert.rejects(
      api.models.modelFor('vscode-lm:copilot/gpt-4o'),
      offered === 0 ? /VS Code offers no language model "vscode-lm:copilot\/gpt-4o" now \(it offers none/ : /VS Code offers no language model|vscode-lm/,
    );
  });

  it('Set API Key stores the key for the picked origin; it reaches the server and nothing else', async () => {
    await setUserSettings(
      { profiles: { sim: { baseURL: server.baseURL, model: 'sim-small' } } },
      () => api.models.settings.profiles.has('sim'),
    );
    const canary = `sk-canary-${randomBytes(12).toString('hex')}`;
    let offered: readonly OriginChoice[] = [];
    const asked: Array<[string, string]> = [];
    restorePrompts = api.answerPrompts({
      pickOrigin: async (_title, choices) => {
        offered = choices;
        return origin;
      },
      inputKey: async () => canary,
      approveOrigin: async (approving, source) => {
        asked.push([approving, source]);
        return true;
      },
    });
    await vscode.commands.executeCommand('distillery.setApiKey');
    assert.deepEqual(offered.map((choice) => choice.origin), [origin]);
    assert.match(offered[0]?.detail ?? '', /profile sim/);
    assert.equal(await api.models.apiKeys.get(origin), canary);
    // Picking a configured origin is not approving it: the first request still asks.
    assert.equal(api.models.approval.isApproved(origin), false);

    const [teacher] = await api.models.teachers();
    assert.ok(teacher);
    const first = await teacher.complete(hello, { cache: 'off' });
    await teacher.complete(hello, { cache: 'off', sample: 1 });
    assert.ok(first.content.length > 0);
    assert.deepEqual(asked, [[origin, 'profile "sim" from user settings']], 'asked once, naming where the profile came from');
    const sent = server.chatRequests();
    assert.equal(sent.length, 2);
    for (const request of sent) assert.equal(request.headers.authorization, `Bearer ${canary}`);

    // The key is in neither the settings nor the log (which does record the key being stored).
    const allSettings = JSON.stringify(['endpoint.baseUrl', 'endpoint.model', 'profiles', 'roles'].map((key) => settings().inspect(key)));
    assert.ok(!allSettings.includes(canary));
    await vscode.commands.executeCommand('distillery.showModelUsage');
    const log = await until('the log to record the key being stored', () => {
      const text = readAll(api.logDirectory);
      return text.includes(`API key stored for ${origin}`) && text.includes('model usage') ? text : undefined;
    });
    assert.ok(!log.includes(canary), 'the key never reaches the log');
  });

  it('Clear API Key removes the key: later requests carry no Authorization header at all', async () => {
    await setUserSettings({ profiles: { sim: { baseURL: server.baseURL, model: 'sim-small' } } }, () => api.models.settings.profiles.has('sim'));
    await api.models.setApiKey(origin, 'sk-to-be-cleared-0123456789');
    await api.models.approval.approve(origin);
    restorePrompts = api.answerPrompts({ pickOrigin: async (_title, choices) => choices.find((choice) => choice.origin === origin)?.origin });
    await vscode.commands.executeCommand('distillery.clearApiKey');
    assert.equal(await api.models.apiKeys.get(origin), undefined);
    const [teacher] = await api.models.teachers();
    await teacher?.complete(hello, { cache: 'off' });
    const [request] = server.chatRequests();
    assert.ok(request);
    assert.equal(request.headers.authorization, undefined);
  });

  it('an origin typed into Set API Key is approved by that act; Forget Approved Endpoints makes it ask again', async () => {
    await setUserSettings({ profiles: { sim: { baseURL: server.baseURL, model: 'sim-small' } } }, () => api.models.settings.profiles.has('sim'));
    let asked = 0;
    restorePrompts = api.answerPrompts({
      pickOrigin: async () => 'other',
      inputUrl: async () => `${server.baseURL}/`,
      inputKey: async () => 'sk-typed-0123456789abcdef',
      approveOrigin: async () => {
        asked++;
        return false;
      },
    });
    await vscode.commands.executeCommand('distillery.setApiKey');
    assert.equal(api.models.approval.isApproved(origin), true);
    const [teacher] = await api.models.teachers();
    await teacher?.complete(hello, { cache: 'off' });
    assert.equal(asked, 0);
    assert.equal(server.chatRequests().length, 1);

    await vscode.commands.executeCommand('distillery.forgetApprovedEndpoints');
    assert.equal(api.models.approval.isApproved(origin), false);
    const [again] = await api.models.teachers();
    await assert.rejects(again?.complete(hello, { cache: 'off', sample: 1 }) ?? Promise.resolve(), /requests to http:\/\/127\.0\.0\.1:\d+ were not approved, so nothing was sent/);
    assert.equal(asked, 1);
    assert.equal(server.chatRequests().length, 1, 'nothing more was sent');
  });

  it('shows the session\'s tokens and cost in the status bar, from the first call on', async () => {
    await setUserSettings(
      { profiles: { priced: { baseURL: server.baseURL, model: 'sim-small', pricePerMillionInput: 1000, pricePerMillionOutput: 2000 } } },
      () => api.models.settings.profiles.has('priced'),
    );
    await api.models.approval.approve(origin);
    api.models.ledger.reset();
    await until('the status bar to hide', () => (api.statusBarText() === undefined ? true : undefined));
    const [teacher] = await api.models.teachers();
    const result = await teacher?.complete(hello, { cache: 'off' });
    const usage = server.chatRequests()[0]?.usage;
    assert.ok(usage && result);
    const cost = (usage.prompt_tokens * 1000 + usage.completion_tokens * 2000) / 1e6;
    const expected = `$(pulse) ${usage.prompt_tokens} in · ${usage.completion_tokens} out · $${cost.toFixed(4)}`;
    assert.equal(await until('the status bar to show the call', () => api.statusBarText()), expected);
  });
});
