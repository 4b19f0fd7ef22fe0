// The command table and package.json agree, and the commands do what the palette promises.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { EXTENSION_ID, fixtureUri, until } from '../support/extensionHost';

async function lensTitles(uri: vscode.Uri): Promise<string[]> {
  // The provider command needs the document's model to exist.
  await vscode.workspace.openTextDocument(uri);
  const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 10);
  return lenses.map((lens) => lens.command?.title ?? '').filter((title) => title.startsWith('Distillery'));
}

function webviewTabLabels(): string[] {
  return vscode.window.tabGroups.all.flatMap((group) => group.tabs).filter((tab) => tab.input instanceof vscode.TabInputWebview).map((tab) => tab.label);
}

describe('commands', function () {
  this.timeout(60_000);

  before(async () => {
    await vscode.extensions.getExtension(EXTENSION_ID)?.activate();
  });

  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('registers exactly the commands package.json declares', async () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension?.isActive);
    const declared = (extension.packageJSON.contributes.commands as Array<{ command: string }>).map((c) => c.command).sort();
    const registered = (await vscode.commands.getCommands(true)).filter((id) => id.startsWith('distillery.')).sort();
    assert.deepEqual(registered, declared);
  });

  it('gives every palette command the Distillery category', () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    for (const command of extension?.packageJSON.contributes.commands as Array<{ command: string; category?: string }>) {
      assert.equal(command.category, 'Distillery', command.command);
    }
  });

  it('shows the row count of a dataset as a CodeLens, and follows unsaved edits', async () => {
    const uri = fixtureUri('messy.jsonl');
    assert.deepEqual(await lensTitles(uri), ['Distillery: 2 rows, 1 malformed']);

    const editor = await vscode.window.showTextDocument(uri);
    const end = editor.document.lineAt(editor.document.lineCount - 1).range.end;
    assert.ok(await editor.edit((edit) => edit.insert(end, '{"prompt":"p","chosen":"a","rejected":"b"}\n')));
    assert.deepEqual(await lensTitles(uri), ['Distillery: 3 rows, 1 malformed']);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('hides the CodeLens when distillery.codeLens.enabled is off', async () => {
    const uri = fixtureUri('sample.jsonl');
    const settings = vscode.workspace.getConfiguration('distillery');
    await settings.update('codeLens.enabled', false, vscode.ConfigurationTarget.Global);
    try {
      await until('the lens to go', async () => ((await lensTitles(uri)).length === 0 ? true : undefined));
    } finally {
      await settings.update('codeLens.enabled', undefined, vscode.ConfigurationTarget.Global);
    }
    await until('the lens to return', async () => ((await lensTitles(uri)).length === 1 ? true : undefined));
  });

  it('Dataset Statistics opens a panel for the dataset in the active editor', async () => {
    await vscode.window.showTextDocument(fixtureUri('sample.jsonl'));
    await vscode.commands.executeCommand('distillery.datasetStatistics');
    await until('the statistics panel', () => (webviewTabLabels().includes('Statistics: sample.jsonl') ? true : undefined));
  });

  it('Dataset Statistics on a CodeLens argument re-points the one panel', async () => {
    await vscode.commands.executeCommand('distillery.datasetStatistics', fixtureUri('sample.jsonl'));
    await vscode.commands.executeCommand('distillery.datasetStatistics', fixtureUri('messy.jsonl'));
    await until('the panel to show messy.jsonl', () => (webviewTabLabels().includes('Statistics: messy.jsonl') ? true : undefined));
    assert.deepEqual(webviewTabLabels().filter((label) => label.startsWith('Statistics:')), ['Statistics: messy.jsonl']);
  });
});
