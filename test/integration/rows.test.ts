// Row CodeLenses, row commands and safe row edits, in a real extension host.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { applyRowEdit, readRow } from '../../src/extension/rows/rowEditor';
import { EXTENSION_ID, fixtureUri, until, chatRow } from '../support/extensionHost';

async function lenses(uri: vscode.Uri): Promise<vscode.CodeLens[]> {
  await vscode.workspace.openTextDocument(uri);
  return vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 10_000);
}

/** Titles of the lenses per 0-based line. */
async function titlesByLine(uri: vscode.Uri): Promise<Map<number, string[]>> {
  const byLine = new Map<number, string[]>();
  for (const lens of await lenses(uri)) {
    const line = lens.range.start.line;
    byLine.set(line, [...(byLine.get(line) ?? []), lens.command?.title ?? '']);
  }
  return byLine;
}


describe('rows', function () {
  this.timeout(120_000);

  before(async () => {
    await vscode.extensions.getExtension(EXTENSION_ID)?.activate();
  });

  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  describe('CodeLenses', () => {
    it('offer the actions that fit each row, after the row count on line 1', async () => {
      const uri = fixtureUri('sample.jsonl');
      const byLine = await titlesByLine(uri);
      assert.deepEqual(byLine.get(0)?.sort(), ['Critique & Revise', 'Distillery: 3 rows', 'Preview', 'Score']);
      assert.deepEqual(byLine.get(1), ['Preview', 'Critique & Revise', 'Score']);
      const preview = (await lenses(uri)).find((l) => l.range.start.line === 2 && l.command?.title === 'Preview');
      assert.equal(preview?.command?.command, 'distillery.previewRow');
      assert.deepEqual(preview.command.arguments?.map(String), [uri.toString(), '3']);
    });

    it('offer Judge (and no Critique & Revise) on preference rows, Preview alone on malformed ones, nothing on blank lines', async () => {
      const byLine = await titlesByLine(fixtureUri('messy.jsonl'));
      assert.deepEqual(byLine.get(0)?.filter((t) => !t.startsWith('Distillery')), ['Preview', 'Judge', 'Score']);
      assert.equal(byLine.get(1), undefined);
      assert.deepEqual(byLine.get(2), ['Preview']);
    });

    it('offer Generate on prompt-only rows', async () => {
      const document = await vscode.workspace.openTextDocument({
        language: 'jsonl',
        content: `{"prompt":"Write a haiku"}\n{"messages":[{"role":"user","content":"Hi"}]}\n${chatRow('a', 'b')}\n`,
      });
      const byLine = await titlesByLine(document.uri);
      assert.deepEqual(byLine.get(1), ['Preview', 'Generate']);
      assert.deepEqual(byLine.get(2), ['Preview', 'Critique & Revise', 'Score']);
    });

    it('cover only the rows near what the editor shows in a 100,000-row file', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'distillery-lens-'));
      const file = path.join(dir, 'big.jsonl');
      fs.writeFileSync(file, Array.from({ length: 100_000 }, (_, i) => `${chatRow(`q${i}`, `a${i}`)}\n`).join(''));
      try {
        const document = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
        const editor = await vscode.window.showTextDocument(document);
        editor.revealRange(new vscode.Range(60_000, 0, 60_000, 0), vscode.TextEditorRevealType.AtTop);
        await until('the editor to scroll', () => (editor.visibleRanges.some((r) => r.contains(new vscode.Position(60_000, 0))) ? true : undefined));
        const shown = editor.visibleRanges[0] as vscode.Range;
        const found = await lenses(document.uri);
        const lines = found.map((l) => l.range.start.line).filter((l) => l > 0);
        assert.ok(lines.length > 0);
        assert.ok(Math.min(...lines) >= shown.start.line - 100, `first lens on line ${Math.min(...lines)}, shown ${shown.start.line}`);
        assert.ok(Math.max(...lines) <= shown.end.line + 100, `last lens on line ${Math.max(...lines)}, shown ${shown.end.line}`);
        assert.ok(lines.includes(60_000));
        // A large file's count comes from the diagnostics' pass, after it.
        await until('the row count', async () => ((await lenses(document.uri)).some((l) => l.command?.title === 'Distillery: 100,000 rows') ? true : undefined), 30_000);
      } finally {
        await vscode.commands.executeCommand('workbench.action.closeAllEditors');
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('commands', () => {
    it('each row action runs from its lens arguments without failing', async () => {
      const uri = fixtureUri('sample.jsonl');
      for (const id of ['distillery.previewRow', 'distillery.generateRow', 'distillery.critiqueRow', 'distillery.judgeRow', 'distillery.scoreRow']) {
        await vscode.commands.executeCommand(id, uri, 2);
      }
    });
  });

  describe('applyRowEdit', () => {
    const ROWS = [chatRow('q1', 'a1'), chatRow('q2', 'a2'), chatRow('q3', 'a3'), chatRow('q4', 'a4'), chatRow('q5', 'a5')];

    async function open(): Promise<vscode.TextEditor> {
      const document = await vscode.workspace.openTextDocument({ language: 'jsonl', content: `${ROWS.join('\n')}\n` });
      return vscode.window.showTextDocument(document);
    }

    afterEach(async () => {
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    });

    it('lands on the row that was read although the user typed above it and elsewhere, and undoes in one step', async () => {
      const editor = await open();
      const { document } = editor;
      const read = readRow(document, 3);
      // The user types while (say) a model call runs: a new row above, text in another row.
      assert.ok(await editor.edit((e) => e.insert(new vscode.Position(0, 0), `${chatRow('new', 'row')}\n`)));
      assert.ok(await editor.edit((e) => e.insert(new vscode.Position(5, document.lineAt(5).text.length - 1), ', "note": "typed"')));
      const typed = document.getText();
      const revised = chatRow('q3', 'a3, revised');
      const result = await applyRowEdit(document, { line: read.line, version: read.version, expectedIdentity: read.identity, newText: revised });
      assert.deepEqual(result, { applied: true, line: 4, moved: true });
      assert.equal(document.lineAt(3).text, revised);
      assert.equal(document.lineAt(0).text, chatRow('new', 'row'));
      assert.equal(document.lineAt(5).text, `${ROWS[4]?.slice(0, -1)}, "note": "typed"}`);
      assert.equal(document.getText(), typed.replace(ROWS[2] as string, revised), 'nothing but that row changed');

      await vscode.window.showTextDocument(document);
      await vscode.commands.executeCommand('undo');
      assert.equal(document.getText(), typed, 'one undo reverts exactly the Distillery edit');
    });

    it('applies in place when nothing changed, checking the exact text when given', async () => {
      const { document } = await open();
      const read = readRow(document, 2);
      const result = await applyRowEdit(document, { line: 2, version: read.version, expectedText: read.text, newText: chatRow('q2', 'better') });
      assert.deepEqual(result, { applied: true, line: 2, moved: false });
      assert.equal(document.lineAt(1).text, chatRow('q2', 'better'));
    });

    it('refuses when the row was edited meanwhile, and when its twins are equally near', async () => {
      const editor = await open();
      const { document } = editor;
      const read = readRow(document, 2);
      assert.ok(await editor.edit((e) => e.replace(document.lineAt(1).range, chatRow('q2', 'edited by hand'))));
      const before = document.getText();
      const result = await applyRowEdit(document, { line: 2, version: read.version, expectedIdentity: read.identity, newText: chatRow('q2', 'model') });
      assert.equal(result.applied, false);
      assert.ok(!result.applied && result.reason === 'removed' && /edited or removed/.test(result.message), JSON.stringify(result));
      assert.equal(document.getText(), before);

      // The row that was read on line 4 is now on lines 3 and 5: which one was meant is unknown.
      const row4 = readRow(document, 4);
      assert.ok(await editor.edit((e) => {
        e.replace(document.lineAt(3).range, chatRow('other', 'row'));
        e.replace(document.lineAt(2).range, row4.text);
        e.replace(document.lineAt(4).range, row4.text);
      }));
      const twins = await applyRowEdit(document, { line: 4, version: row4.version, expectedIdentity: row4.identity, newText: chatRow('x', 'y') });
      assert.ok(!twins.applied && twins.reason === 'ambiguous', JSON.stringify(twins));

      const invalid = await applyRowEdit(document, { line: 1, version: document.version, expectedText: document.lineAt(0).text, newText: '{"a":\n1}' });
      assert.ok(!invalid.applied && invalid.reason === 'invalid', JSON.stringify(invalid));
    });
  });
});
