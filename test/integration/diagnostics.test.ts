// Diagnostics of JSONL datasets and their quick fixes, in a real extension host.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { checkedDocument, computeDiagnostics } from '../../src/extension/diagnostics/computeDiagnostics';
import { EXTENSION_ID, until, chatRow } from '../support/extensionHost';


const LINES = [
  /* 0 */ chatRow('Hi', 'Hello'),
  /* 1 */ chatRow('Hi', 'Hello'),
  /* 2 */ '{"messages": [{"content": "Hi", "role": "user"}, {"content": "Hello", "role": "assistant"}]}',
  /* 3 */ '{"prompt":"Hi","completion":"there"}',
  /* 4 */ '{"messages":[{"role":"user","content":"Q"},{"role":"assistant","content":""}]}',
  /* 5 */ '{"messages":[{"role":"user","content":"Q"},{"role":"assistant","content":"A"}],"x":tru}',
  /* 6 */ '{"conversations":[{"from":"human","value":"Q3"},{"from":"gpt","value":"A3"}]}',
  /* 7 */ '{"messages": [{"role": "user", "content": "Q2"}, {"role": "assistant", "content": "A2"}], "distillery": {"teacher": "t"}, "id": 7}',
  /* 8 */ '{"conversations":[{"from":"human","value":"Q4"},{"from":"gpt","value":"A4"}]}',
  /* 9 */ chatRow('Q5', 'A5'),
];

function ours(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'Distillery');
}

function onLine(uri: vscode.Uri, line: number): vscode.Diagnostic[] {
  return ours(uri).filter((d) => d.range.start.line === line);
}

async function openDataset(lines: readonly string[]): Promise<vscode.TextEditor> {
  const document = await vscode.workspace.openTextDocument({ language: 'jsonl', content: `${lines.join('\n')}\n` });
  return vscode.window.showTextDocument(document);
}

async function actionsAt(uri: vscode.Uri, line: number): Promise<vscode.CodeAction[]> {
  const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, new vscode.Range(line, 0, line, 0));
  return actions.filter((a) => a.kind?.value === vscode.CodeActionKind.QuickFix.value);
}

/** Diagnostics for the document's current version (waits for the debounced check). */
async function settled(document: vscode.TextDocument, probe: (d: vscode.Diagnostic[]) => boolean): Promise<vscode.Diagnostic[]> {
  return until('the diagnostics', () => {
    const found = ours(document.uri);
    return probe(found) ? found : undefined;
  });
}

describe('diagnostics', function () {
  this.timeout(120_000);

  before(async () => {
    await vscode.extensions.getExtension(EXTENSION_ID)?.activate();
  });

  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('reports malformed rows, schema problems, duplicates and kind mismatches at their exact ranges', async () => {
    const editor = await openDataset(LINES);
    const { document } = editor;
    const uri = document.uri;
    await settled(document, (d) => d.length > 0);
    const text = (d: vscode.Diagnostic) => document.getText(d.range);

    const [syntax] = onLine(uri, 5);
    assert.equal(syntax?.code, 'syntax');
    assert.equal(syntax.severity, vscode.DiagnosticSeverity.Error);
    assert.equal(text(syntax), 'tru');

    const [same] = onLine(uri, 1);
    assert.equal(same?.code, 'duplicate-row');
    assert.equal(same.severity, vscode.DiagnosticSeverity.Information);
    assert.match(same.message, /identical to line 1/);
    assert.equal(same.relatedInformation?.[0]?.location.range.start.line, 0);

    const [reordered] = onLine(uri, 2);
    assert.equal(reordered?.code, 'duplicate-row');
    assert.match(reordered.message, /same JSON as line 1 \(key order or spacing differ\)/);

    const [mismatch] = onLine(uri, 3);
    assert.equal(mismatch?.code, 'kind-mismatch');
    assert.equal(mismatch.severity, vscode.DiagnosticSeverity.Warning);
    assert.match(mismatch.message, /prompt\/completion/);
    assert.match(mismatch.message, /chat \(messages\)/);

    const [empty] = onLine(uri, 4);
    assert.equal(empty?.code, 'empty-content');
    assert.equal(text(empty), '""');
    assert.equal(empty.range.start.character, LINES[4]?.lastIndexOf('""'));

    assert.equal(onLine(uri, 0).length, 0);
    assert.equal(onLine(uri, 9).length, 0);
    for (const d of ours(uri)) assert.equal(d.source, 'Distillery');
  });

  it('warns about a row over 1 MB, and says a malformed last line without a newline may be torn', async () => {
    const long = chatRow('q', 'x'.repeat(1024 * 1024 + 10));
    const document = await vscode.workspace.openTextDocument({ language: 'jsonl', content: `${long}\n{"messages": [` });
    await vscode.window.showTextDocument(document);
    const found = await settled(document, (d) => d.length >= 2);
    const longLine = found.find((d) => d.code === 'long-line');
    assert.equal(longLine?.severity, vscode.DiagnosticSeverity.Warning);
    assert.equal(longLine?.range.start.line, 0);
    assert.match(longLine?.message ?? '', /^This row is 1\.0 MB long/);
    const torn = found.find((d) => d.range.start.line === 1);
    assert.equal(torn?.severity, vscode.DiagnosticSeverity.Error);
    assert.match(torn?.message ?? '', /it may have been cut off while being written/);
  });

  it('follows edits after a pause, and only publishes the latest version', async () => {
    const editor = await openDataset(LINES);
    const { document } = editor;
    await settled(document, (d) => d.some((x) => x.code === 'syntax'));
    // Fix the malformed row, in several quick edits: only the last version's result shows.
    const line = document.lineAt(5);
    const at = line.text.indexOf('tru') + 3;
    assert.ok(await editor.edit((e) => e.insert(new vscode.Position(5, at), 'e')));
    assert.ok(await editor.edit((e) => e.insert(new vscode.Position(9, 0), `${chatRow('Q9', 'A9')}\n`)));
    await settled(document, (d) => !d.some((x) => x.code === 'syntax'));
    assert.equal(onLine(document.uri, 5).length, 0);
  });

  it('turns off with distillery.diagnostics.enabled', async () => {
    const editor = await openDataset(LINES);
    await settled(editor.document, (d) => d.length > 0);
    const settings = vscode.workspace.getConfiguration('distillery');
    await settings.update('diagnostics.enabled', false, vscode.ConfigurationTarget.Global);
    try {
      await settled(editor.document, (d) => d.length === 0);
    } finally {
      await settings.update('diagnostics.enabled', undefined, vscode.ConfigurationTarget.Global);
    }
    await settled(editor.document, (d) => d.length > 0);
  });

  it('quick fix: removes a duplicate row with its line terminator', async () => {
    const editor = await openDataset(LINES);
    const { document } = editor;
    await settled(document, (d) => d.some((x) => x.code === 'duplicate-row'));
    const before = document.lineCount;
    const remove = (await actionsAt(document.uri, 1)).find((a) => a.title.startsWith('Remove this duplicate row'));
    assert.ok(remove?.edit, 'a remove action on line 2');
    assert.equal(remove.title, 'Remove this duplicate row (same as line 1)');
    assert.ok(await vscode.workspace.applyEdit(remove.edit));
    assert.equal(document.lineCount, before - 1);
    assert.equal(document.lineAt(0).text, LINES[0]);
    assert.equal(document.lineAt(1).text, LINES[2]);
  });

  it('quick fix: converts a ShareGPT row to messages, in one row or in every row', async () => {
    const editor = await openDataset(LINES);
    const { document } = editor;
    await settled(document, (d) => d.some((x) => x.range.start.line === 6 && x.code === 'kind-mismatch'));
    const actions = await actionsAt(document.uri, 6);
    const one = actions.find((a) => a.title === 'Convert this ShareGPT row to messages');
    assert.ok(one?.edit);
    assert.equal(one.isPreferred, true, 'it makes the row the file\'s kind');
    assert.ok(await vscode.workspace.applyEdit(one.edit));
    assert.deepEqual(JSON.parse(document.lineAt(6).text), { messages: [{ role: 'user', content: 'Q3' }, { role: 'assistant', content: 'A3' }] });
    assert.equal(document.lineAt(8).text, LINES[8], 'the other ShareGPT row is untouched');
    assert.equal(document.lineAt(7).text, LINES[7]);

    const all = (await actionsAt(document.uri, 8)).find((a) => a.title.startsWith('Convert every ShareGPT row'));
    assert.ok(all, 'a file-wide variant');
    // The file-wide edit is computed when picked: executeCodeActionProvider resolves it when asked to.
    const resolved = (
      await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', document.uri, new vscode.Range(8, 0, 8, 0), undefined, 10)
    ).find((a) => a.title.startsWith('Convert every ShareGPT row'));
    assert.ok(resolved?.edit, 'the resolved file-wide action has an edit');
    assert.ok(await vscode.workspace.applyEdit(resolved.edit));
    assert.deepEqual(JSON.parse(document.lineAt(8).text), { messages: [{ role: 'user', content: 'Q4' }, { role: 'assistant', content: 'A4' }] });
    for (const i of [0, 1, 2, 3, 4, 5, 7, 9]) assert.equal(document.lineAt(i).text, LINES[i], `line ${i + 1} unchanged`);
  });

  it('quick fix: strips Distillery metadata, keeping the row\'s formatting', async () => {
    const editor = await openDataset(LINES);
    const { document } = editor;
    const strip = (await actionsAt(document.uri, 7)).find((a) => a.title === 'Remove Distillery metadata from this row');
    assert.ok(strip?.edit);
    assert.ok(await vscode.workspace.applyEdit(strip.edit));
    assert.equal(document.lineAt(7).text, '{"messages": [{"role": "user", "content": "Q2"}, {"role": "assistant", "content": "A2"}], "id": 7}');
    assert.ok((await actionsAt(document.uri, 7)).every((a) => !a.title.includes('Distillery metadata')));
    assert.equal(document.lineCount, LINES.length + 1);
  });

  it('checks a 100,000-row file in well under two seconds, without blocking for long', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'distillery-diag-'));
    const file = path.join(dir, 'big.jsonl');
    const rows: string[] = [];
    for (let i = 0; i < 100_000; i++) {
      rows.push(
        JSON.stringify({
          messages: [
            { role: 'system', content: 'You are a helpful assistant.' },
            { role: 'user', content: `Question number ${i}: what is ${i} + ${i}?` },
            { role: 'assistant', content: `The answer is ${2 * i}. Adding a number to itself doubles it.` },
          ],
        }),
      );
    }
    rows[500] = rows[10] as string; // a duplicate
    rows[700] = '{"messages":[';
    rows[800] = '{"prompt":"p","completion":"c"}';
    const reordered = JSON.parse(rows[20] as string) as { messages: Array<{ role: string; content: string }> };
    rows[900] = JSON.stringify({ messages: reordered.messages.map((m) => ({ content: m.content, role: m.role })) }, null, 1).replace(/\n/g, '');
    fs.writeFileSync(file, `${rows.join('\n')}\n`);
    try {
      const document = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
      let longestGap = 0;
      const gaps: number[] = [];
      let last = performance.now();
      const probe = setInterval(() => {
        const now = performance.now();
        longestGap = Math.max(longestGap, now - last);
        if (now - last > 15) gaps.push(Math.round(now - last));
        last = now;
      }, 1);
      const times: number[] = [];
      let result;
      try {
        for (let run = 0; run < 3; run++) {
          const started = performance.now();
          result = await computeDiagnostics(checkedDocument(document), { wanted: () => true });
          times.push(performance.now() - started);
        }
      } finally {
        clearInterval(probe);
      }
      assert.ok(result);
      assert.deepEqual(
        result.diagnostics.map((d) => [d.range.start.line, d.code]),
        [
          [500, 'duplicate-row'],
          [700, 'syntax'],
          [800, 'kind-mismatch'],
          [900, 'duplicate-row'],
        ],
      );
      const best = Math.min(...times);
      console.log(`      100k-row chat file: diagnostics in ${times.map((t) => t.toFixed(0)).join(', ')} ms; longest event-loop gap ${longestGap.toFixed(0)} ms; gaps over 15 ms: ${gaps.join(', ') || 'none'}`);
      assert.ok(best < 2000, `computing took ${best.toFixed(0)} ms`);
      assert.ok(longestGap < 250, `the event loop was blocked for ${longestGap.toFixed(0)} ms`);

      // And through the controller: the published diagnostics for the opened file.
      await vscode.window.showTextDocument(document);
      await until('diagnostics of the big file', () => (ours(document.uri).length === 4 ? true : undefined), 30_000);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
