// Workspace Trust and origin approval: a workspace whose .vscode/settings.json points the model
// settings at a canary server on loopback, with a key stored for the canary's origin.
//
// Untrusted (the runner's second pass, DISTILLERY_TRUST_RUN=untrusted: a fresh copy of
// test/fixtures/untrusted-workspace, Workspace Trust on and never granted): the workspace's values
// are ignored and no request reaches the canary at all, even with the origin approved and a key set.
// Trusted (the main pass): nothing carrying the key reaches the canary until the user approves the
// origin; after that it does.
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { DistilleryTestApi } from '../../src/extension/models/testApi';
import { EXTENSION_ID, until } from '../support/extensionHost';
import { startTestServer, type TestServer } from '../support/openaiServer';

const hello = { messages: [{ role: 'user' as const, content: 'Name a prime number.' }] };
const settings = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration('distillery');

async function distilleryTestApi(): Promise<DistilleryTestApi> {
  const api = await vscode.extensions.getExtension<DistilleryTestApi | undefined>(EXTENSION_ID)?.activate();
  assert.ok(api, 'activate() returns the test API when DISTILLERY_TEST=1');
  return api;
}

/** What the repository's settings say: the endpoint and a profile at the canary, the profile as teacher. */
function canarySettings(canary: TestServer): Record<string, unknown> {
  return {
    'distillery.endpoint.baseUrl': canary.baseURL,
    'distillery.endpoint.model': 'sim-small',
    'distillery.profiles': { canary: { baseURL: canary.baseURL, model: 'sim-small' } },
    'distillery.roles': { teacher: 'canary', critic: 'default' },
  };
}

if (process.env.DISTILLERY_TRUST_RUN === 'untrusted') {
  describe('workspace trust: untrusted workspace', function () {
    this.timeout(60_000);
    let api: DistilleryTestApi;
    let canary: TestServer;

    before(async () => {
      api = await distilleryTestApi();
      canary = await startTestServer({ seed: 9 });
    });

    after(async () => {
      await canary.close();
    });

    it('ignores the workspace\'s model settings: no request reaches the canary, even with a key and an approval', async () => {
      assert.equal(vscode.workspace.isTrusted, false, 'the runner opened this folder untrusted');
      const folder = vscode.workspace.workspaceFolders?.[0];
      assert.ok(folder);
      const file = path.join(folder.uri.fsPath, '.vscode', 'settings.json');
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, JSON.stringify(canarySettings(canary), null, 2));
      // VS Code has read the file (its unrestricted endpoint.model applies), and withholds the rest.
      await until('VS Code to read the workspace settings', () => (settings().get('endpoint.model') === 'sim-small' ? true : undefined));
      assert.equal(settings().get('endpoint.baseUrl'), '');
      assert.deepEqual(settings().get('profiles'), {});

      const origin = new URL(canary.baseURL).origin;
      await api.models.setApiKey(origin, `sk-canary-${randomBytes(12).toString('hex')}`);
      await api.models.approval.approve(origin);
      const restore = api.answerPrompts({ approveOrigin: async () => true });
      try {
        assert.equal(api.models.settings.profiles.size, 0);
        await assert.rejects(api.models.teachers(), /No teacher model/);
        await assert.rejects(api.models.critic(), /No critic model/);
        await assert.rejects(api.models.judges(), /No judge model/);
        await assert.rejects(api.models.modelFor('canary'), /no model profile named "canary"/);
        await assert.rejects(api.models.modelFor('default'), /no model profile named "default"/);
      } finally {
        restore();
        await api.models.clearApiKey(origin);
        await api.models.forgetApprovals();
      }
      assert.equal(canary.requests.length, 0, 'nothing reached the canary');
    });
  });
} else {
  describe('workspace trust: trusted workspace', function () {
    this.timeout(60_000);
    let api: DistilleryTestApi;
    let canary: TestServer;
    let settingsFile: string;
    let hadSettingsFile: boolean;

    before(async () => {
      api = await distilleryTestApi();
      canary = await startTestServer({ seed: 9 });
      const folder = vscode.workspace.workspaceFolders?.[0];
      assert.ok(folder);
      settingsFile = path.join(folder.uri.fsPath, '.vscode', 'settings.json');
      hadSettingsFile = fs.existsSync(settingsFile);
    });

    after(async () => {
      for (const key of Object.keys(canarySettings(canary))) {
        await vscode.workspace.getConfiguration().update(key, undefined, vscode.ConfigurationTarget.Workspace);
      }
      // The fixture workspace had no settings file: leave none behind (the folder stays: the
      // workbench watches it, and git ignores it while empty).
      if (!hadSettingsFile && fs.existsSync(settingsFile) && /^\s*\{\s*\}\s*$/.test(fs.readFileSync(settingsFile, 'utf8'))) {
        fs.rmSync(settingsFile);
      }
      await canary.close();
    });

    it('sends nothing to an origin the workspace names until the user approves it, then sends the key', async () => {
      assert.equal(vscode.workspace.isTrusted, true);
      for (const [key, value] of Object.entries(canarySettings(canary))) {
        await vscode.workspace.getConfiguration().update(key, value, vscode.ConfigurationTarget.Workspace);
      }
      await until('the workspace\'s profiles to be read', () => (api.models.settings.profiles.has('canary') ? true : undefined));
      const origin = new URL(canary.baseURL).origin;
      const key = `sk-canary-${randomBytes(12).toString('hex')}`;
      const asked: Array<[string, string]> = [];
      let allow = false;
      const restore = api.answerPrompts({
        pickOrigin: async () => origin,
        inputKey: async () => key,
        approveOrigin: async (approving, source) => {
          asked.push([approving, source]);
          return allow;
        },
      });
      try {
        await vscode.commands.executeCommand('distillery.setApiKey');
        assert.equal(await api.models.apiKeys.get(origin), key);

        const [teacher] = await api.models.teachers();
        assert.ok(teacher);
        assert.equal(teacher.profile, 'canary');
        await assert.rejects(teacher.complete(hello), new RegExp(`requests to ${origin.replace(/[.]/g, '\\.')} were not approved, so nothing was sent`));
        const critic = await api.models.critic();
        assert.equal(critic.profile, 'default');
        await assert.rejects(critic.complete(hello), /were not approved/);
        assert.deepEqual(asked, [
          [origin, 'profile "canary" from workspace settings'],
          [origin, 'profile "default" from workspace settings'],
        ]);
        assert.equal(canary.requests.length, 0, 'nothing reached the canary before approval');

        allow = true;
        const [approved] = await api.models.teachers();
        const result = await approved?.complete(hello, { cache: 'off' });
        assert.ok(result && result.content.length > 0);
        const sent = canary.chatRequests();
        assert.equal(sent.length, 1);
        assert.equal(sent[0]?.headers.authorization, `Bearer ${key}`);
        assert.equal(asked.length, 3);
      } finally {
        restore();
        await api.models.clearApiKey(origin);
        await api.models.forgetApprovals();
      }
    });
  });
}
