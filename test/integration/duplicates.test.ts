// Find Duplicates, its quick fixes and Write Deduplicated Copy…, in a real extension host.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { EXTENSION_ID, fixtureUri, until } from '../support/extensionHost';

// duplicates.jsonl (1-based): 4 is an exact duplicate of 1 (prompt differs in case and spacing),
// 5 a near-duplicate of 1 (last words changed), 6 an exact duplicate of 2; 3 and 7 are unique.
// No two rows are identical, so the row check's "Duplicate row" flags none of them.
const SOURCE = 'Distillery duplicates';

function findings(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages
    .getDiagnostics(uri)
    .filter((d) => d.source === SOURCE)
    .sort((a, b) => a.range.start.line - b.range.start.line);
}

async function copyOfFixture(): Promise<string> {
  const directory = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'distillery-dups-test-'));
  const file = path.join(directory, 'rows.jsonl');
  await fs.promises.copyFile(fixtureUri('duplicates.jsonl').fsPath, file);
  return file;
}

async function openAndFind(file: string): Promise<vscode.TextDocument> {
  const document = await vscode.workspace.openTextDocument(file);
  await vscode.window.showTextDocument(document);
  await vscode.commands.executeCommand('distillery.findDuplicates', undefined, { field: 'prompt', threshold: 0.8 });
  await until('the duplicate findings', () => (findings(document.uri).length === 3 ? true : undefined));
  return document;
}

async function fixesAt(uri: vscode.Uri, line: number): Promise<vscode.CodeAction[]> {
  const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, new vscode.Range(line, 0, line, 0));
  return actions.filter((a) => a.kind?.value === vscode.CodeActionKind.QuickFix.value);
}

describe('duplicates', function () {
  this.timeout(120_000);

  before(async () => {
    await vscode.extensions.getExtension(EXTENSION_ID)?.activate();
  });

  afterEach(async () => {
    await vscode.commands.executeCommand('distillery.clearDuplicateFindings');
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('shows exact and near duplicates on their lines, linked to the representative row', async () => {
    const document = await openAndFind(await copyOfFixture());
    const shown = findings(document.uri);
    assert.deepEqual(
      shown.map((d) => [d.range.start.line + 1, d.relatedInformation?.[0]?.location.range.start.line === undefined ? 0 : d.relatedInformation[0].location.range.start.line + 1]),
      [
        [4, 1],
        [5, 1],
        [6, 2],
      ],
    );
    assert.match(shown[0]?.message ?? '', /^Exact duplicate of line 1\b/);
    assert.match(shown[1]?.message ?? '', /^Near-duplicate \(9\d% similar\) of line 1\b/);
    assert.match(shown[2]?.message ?? '', /^Exact duplicate of line 2\b/);
    assert.ok(shown.every((d) => d.relatedInformation?.[0]?.location.uri.toString() === document.uri.toString()));

    await vscode.commands.executeCommand('distillery.clearDuplicateFindings');
    assert.equal(findings(document.uri).length, 0);
  });

  it('removes one duplicate row with one undo, and keeps the other findings on their moved rows', async () => {
    const document = await openAndFind(await copyOfFixture());
    const before = document.getText();
    const lineFive = document.lineAt(4).text;
    const remove = (await fixesAt(document.uri, 4)).find((a) => a.title.startsWith('Remove this duplicate row'));
    assert.ok(remove?.edit, 'a "Remove this duplicate row" fix on line 5');
    assert.ok(await vscode.workspace.applyEdit(remove.edit));
    assert.equal(document.lineCount, before.split('\n').length - 1);
    assert.ok(!document.getText().includes(lineFive));
    // The near-duplicate's finding went with its row; line 6's is now on line 5 and still links to line 2.
    await until('the findings to follow the edit', () => (findings(document.uri).length === 2 ? true : undefined));
    assert.deepEqual(
      findings(document.uri).map((d) => [d.range.start.line + 1, (d.relatedInformation?.[0]?.location.range.start.line ?? -1) + 1]),
      [
        [4, 1],
        [5, 2],
      ],
    );

    await vscode.commands.executeCommand('undo');
    assert.equal(document.getText(), before);
  });

  it('removes all duplicates found in one edit', async () => {
    const document = await openAndFind(await copyOfFixture());
    const before = document.getText();
    const all = (await fixesAt(document.uri, 3)).find((a) => a.title === 'Remove all 3 duplicates found');
    assert.ok(all?.edit, 'a "Remove all 3 duplicates found" fix');
    assert.ok(await vscode.workspace.applyEdit(all.edit));
    const kept = before.split('\n').filter((_line, index) => ![3, 4, 5].includes(index));
    assert.equal(document.getText(), kept.join('\n'));
    await vscode.commands.executeCommand('undo');
    assert.equal(document.getText(), before);
  });

  it('flags each duplicate row once: identical rows by the row check, the rest by Find Duplicates', async () => {
    // The fixture with two identical copies appended: line 8 repeats line 3, line 9 repeats line 1.
    const file = await copyOfFixture();
    const lines = fs.readFileSync(file, 'utf8').split('\n').filter((line) => line !== '');
    fs.writeFileSync(file, [...lines, lines[2], lines[0]].join('\n') + '\n');
    const document = await vscode.workspace.openTextDocument(file);
    await vscode.window.showTextDocument(document);
    const rowCheck = () => vscode.languages.getDiagnostics(document.uri).filter((d) => d.source === 'Distillery' && d.code === 'duplicate-row');
    await until('the row check', () => (rowCheck().length === 2 ? true : undefined));
    await vscode.commands.executeCommand('distillery.findDuplicates', undefined, { field: 'prompt', threshold: 0.8 });
    await until('the duplicate findings', () => (findings(document.uri).length === 3 ? true : undefined));

    const flagged = new Map<number, string[]>();
    for (const d of [...rowCheck(), ...findings(document.uri)]) flagged.set(d.range.start.line + 1, [...(flagged.get(d.range.start.line + 1) ?? []), d.message]);
    assert.deepEqual([...flagged.keys()].sort((a, b) => a - b), [4, 5, 6, 8, 9]);
    for (const [line, messages] of flagged) assert.equal(messages.length, 1, `line ${line} is flagged once: ${messages.join(' | ')}`);
    assert.match(flagged.get(8)?.[0] ?? '', /^Duplicate row: identical to line 3$/);
    assert.match(flagged.get(9)?.[0] ?? '', /^Duplicate row: identical to line 1$/);
    assert.match(flagged.get(4)?.[0] ?? '', /^Exact duplicate of line 1\b/);
  });

  it('flags identical rows itself while the row check is off', async () => {
    const section = vscode.workspace.getConfiguration('distillery');
    await section.update('diagnostics.enabled', false, vscode.ConfigurationTarget.Global);
    try {
      const file = await copyOfFixture();
      const lines = fs.readFileSync(file, 'utf8').split('\n').filter((line) => line !== '');
      fs.writeFileSync(file, [...lines, lines[2]].join('\n') + '\n');
      const document = await vscode.workspace.openTextDocument(file);
      await vscode.window.showTextDocument(document);
      await vscode.commands.executeCommand('distillery.findDuplicates', undefined, { field: 'prompt', threshold: 0.8 });
      await until('the duplicate findings', () => (findings(document.uri).length === 4 ? true : undefined));
      const eighth = findings(document.uri).find((d) => d.range.start.line === 7);
      assert.match(eighth?.message ?? '', /^Exact duplicate of line 3\b/);
      assert.equal(vscode.languages.getDiagnostics(document.uri).filter((d) => d.source === 'Distillery').length, 0, 'the row check is off');
    } finally {
      await section.update('diagnostics.enabled', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it('writes a deduplicated copy of the saved file', async () => {
    const input = await copyOfFixture();
    const document = await vscode.workspace.openTextDocument(input);
    await vscode.window.showTextDocument(document);
    const output = vscode.Uri.file(path.join(path.dirname(input), 'rows.dedup.jsonl'));
    const report = await vscode.commands.executeCommand<{ kept: number; rows: number; exactDuplicates: number; nearDuplicates: number }>(
      'distillery.writeDeduplicatedCopy',
      undefined,
      { output, field: 'prompt', threshold: 0.8 },
    );
    assert.deepEqual(
      { rows: report.rows, kept: report.kept, exact: report.exactDuplicates, near: report.nearDuplicates },
      { rows: 7, kept: 4, exact: 2, near: 1 },
    );
    const inputLines = fs.readFileSync(input, 'utf8').split('\n');
    const expected = [0, 1, 2, 6].map((index) => inputLines[index]).join('\n') + '\n';
    assert.equal(fs.readFileSync(output.fsPath, 'utf8'), expected);
  });
});
