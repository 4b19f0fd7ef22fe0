// The extension activates in a real VS Code when a JSON Lines file of the workspace is opened.
// Assertions here hold in code-server and in a desktop VS Code alike (no vscode.env.remoteName).
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

const EXTENSION_ID = 'distillery.distillery';

async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function fixtureUri(name: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'a workspace folder is open (test/fixtures/workspace)');
  return vscode.Uri.joinPath(folder.uri, name);
}

describe('activation', function () {
  this.timeout(60_000);

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('is installed in the extension host under its id', () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension, `extension ${EXTENSION_ID} is known to the extension host`);
    assert.equal(extension.packageJSON.publisher, 'distillery');
    assert.equal(extension.packageJSON.name, 'distillery');
  });

  it('opens the fixture workspace', async () => {
    const found = await vscode.workspace.findFiles('**/*.jsonl');
    const names = found.map((uri) => uri.path.split('/').pop()).sort();
    assert.ok(names.includes('sample.jsonl'), `sample.jsonl is in the workspace (found: ${names.join(', ')})`);
    assert.ok(names.includes('messy.jsonl'), `messy.jsonl is in the workspace (found: ${names.join(', ')})`);
  });

  it('activates when a .jsonl file is opened', async () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension);
    const document = await vscode.workspace.openTextDocument(fixtureUri('sample.jsonl'));
    await vscode.window.showTextDocument(document);
    assert.equal(document.languageId, 'jsonl', 'VS Code gives .jsonl files the jsonl language');
    assert.equal(document.lineCount >= 3, true);
    await waitFor(`${EXTENSION_ID} to become active`, () => extension.isActive);
    assert.equal(extension.isActive, true);
  });
});
