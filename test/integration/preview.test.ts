// The row preview: opens beside the editor on the row under the cursor, moves with next/previous
// and with the cursor, follows edits, and refuses editors that are not datasets.
// Fixture: test/fixtures/workspace/preview-rows.jsonl — line 1 chat (with metadata), 2 blank,
// 3 malformed, 4 preference, 5 chat. The panel's tab reads "Row <line> · <file>".
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { EXTENSION_ID, fixtureUri, until } from '../support/extensionHost';

const FILE = 'preview-rows.jsonl';

function previewTabs(): vscode.Tab[] {
  return vscode.window.tabGroups.all
    .flatMap((group) => group.tabs)
    .filter((tab) => tab.input instanceof vscode.TabInputWebview && tab.input.viewType.endsWith('distillery.rowPreview'));
}

function previewShows(label: string): Promise<true> {
  return until(`a preview tab "${label}"`, () => (previewTabs().length === 1 && previewTabs()[0]?.label === label ? true : undefined));
}

async function openAt(line1: number): Promise<vscode.TextEditor> {
  const editor = await vscode.window.showTextDocument(fixtureUri(FILE), { viewColumn: vscode.ViewColumn.One });
  const position = new vscode.Position(line1 - 1, 0);
  editor.selection = new vscode.Selection(position, position);
  return editor;
}

describe('row preview', function () {
  this.timeout(60_000);

  before(async () => {
    await vscode.extensions.getExtension(EXTENSION_ID)?.activate();
  });

  afterEach(async () => {
    await vscode.workspace.getConfiguration('distillery').update('preview.followCursor', undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('opens beside the editor on the row under the cursor, keeping the focus in the editor', async () => {
    const editor = await openAt(1);
    await vscode.commands.executeCommand('distillery.showRowPreview');
    await previewShows(`Row 1 · ${FILE}`);
    const tab = previewTabs()[0];
    assert.ok(tab && tab.group.viewColumn !== editor.viewColumn, 'the preview is in another editor group');
    assert.equal(vscode.window.activeTextEditor?.document.uri.toString(), editor.document.uri.toString(), 'the editor keeps the focus');
  });

  it('moves to the next and previous rows, skipping blank and malformed lines, and moves the cursor along', async () => {
    const editor = await openAt(1);
    await vscode.commands.executeCommand('distillery.showRowPreview');
    await previewShows(`Row 1 · ${FILE}`);
    await vscode.commands.executeCommand('distillery.previewNextRow');
    await previewShows(`Row 4 · ${FILE}`);
    assert.equal(editor.selection.active.line, 3, 'the cursor is on the shown row');
    await vscode.commands.executeCommand('distillery.previewNextRow');
    await previewShows(`Row 5 · ${FILE}`);
    await vscode.commands.executeCommand('distillery.previewNextRow');
    await previewShows(`Row 5 · ${FILE}`); // the last row: nothing further
    await vscode.commands.executeCommand('distillery.previewPreviousRow');
    await previewShows(`Row 4 · ${FILE}`);
    await vscode.commands.executeCommand('distillery.previewPreviousRow');
    await previewShows(`Row 1 · ${FILE}`);
    assert.equal(editor.selection.active.line, 0);
  });

  it('opens on the row given as (uri, line)', async () => {
    await openAt(1);
    await vscode.commands.executeCommand('distillery.showRowPreview', fixtureUri(FILE), 4);
    await previewShows(`Row 4 · ${FILE}`);
  });

  it('follows the cursor, shows a malformed line, and stays put on a blank line', async () => {
    const editor = await openAt(1);
    await vscode.commands.executeCommand('distillery.showRowPreview');
    await previewShows(`Row 1 · ${FILE}`);
    editor.selection = new vscode.Selection(4, 3, 4, 3);
    await previewShows(`Row 5 · ${FILE}`);
    editor.selection = new vscode.Selection(2, 0, 2, 0);
    await previewShows(`Row 3 · ${FILE}`);
    editor.selection = new vscode.Selection(1, 0, 1, 0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await previewShows(`Row 3 · ${FILE}`);
  });

  it('does not follow the cursor when distillery.preview.followCursor is off', async () => {
    await vscode.workspace.getConfiguration('distillery').update('preview.followCursor', false, vscode.ConfigurationTarget.Global);
    const editor = await openAt(1);
    await vscode.commands.executeCommand('distillery.showRowPreview');
    await previewShows(`Row 1 · ${FILE}`);
    editor.selection = new vscode.Selection(4, 0, 4, 0);
    await new Promise((resolve) => setTimeout(resolve, 400));
    await previewShows(`Row 1 · ${FILE}`);
  });

  it('keeps showing the same row when lines are inserted above it', async () => {
    const editor = await openAt(4);
    await vscode.workspace.getConfiguration('distillery').update('preview.followCursor', false, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('distillery.showRowPreview');
    await previewShows(`Row 4 · ${FILE}`);
    assert.ok(await editor.edit((edit) => edit.insert(new vscode.Position(0, 0), '{"prompt":"new","completion":"row"}\n\n')));
    await previewShows(`Row 6 · ${FILE}`);
    await vscode.window.showTextDocument(editor.document);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('refuses an editor that is not a dataset, opening nothing', async () => {
    await vscode.window.showTextDocument(fixtureUri('README.md'));
    await vscode.commands.executeCommand('distillery.showRowPreview');
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(previewTabs().length, 0);
  });
});
