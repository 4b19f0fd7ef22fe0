// The constitution editor: diagnostics, outline, hover, completion, quick fixes, folding, lenses, sampling.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { samplePrinciples, parseConstitution } from '../../src/core/constitution';
import { drawPrinciples, formatSampleSpec, parseSampleSpec } from '../../src/extension/constitution/constitutionSample';
import { EXTENSION_ID, fixtureUri, until } from '../support/extensionHost';

const BAD = [
  /* 0 */ '# Safety',
  /* 1 */ '',
  /* 2 */ '## Principle: Bad Id',
  /* 3 */ 'Critque: Find harm.',
  /* 4 */ 'Revision: Remove it.',
  /* 5 */ '',
  /* 6 */ '## Principle: twin',
  /* 7 */ 'Compare: A?',
  /* 8 */ '',
  /* 9 */ '## Principle: twin',
  /* 10 */ 'Compare: B?',
].join('\n');

function ours(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'Distillery');
}

async function openConstitution(content: string): Promise<vscode.TextEditor> {
  const document = await vscode.workspace.openTextDocument({ language: 'constitution', content });
  return vscode.window.showTextDocument(document);
}

function hoverText(hovers: vscode.Hover[]): string {
  return hovers.flatMap((h) => h.contents).map((c) => (typeof c === 'string' ? c : c.value)).join('\n');
}

async function fieldLabels(uri: vscode.Uri, position: vscode.Position): Promise<string[]> {
  const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', uri, position);
  return list.items.filter((i) => i.kind === vscode.CompletionItemKind.Field).map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
}

describe('constitution editor', function () {
  this.timeout(60_000);

  before(async () => {
    await vscode.extensions.getExtension(EXTENSION_ID)?.activate();
  });

  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('reports problems at their exact ranges, with related locations, and updates as you type', async () => {
    const editor = await openConstitution(BAD);
    const { document } = editor;
    const found = await until('the diagnostics', () => (ours(document.uri).length >= 5 ? ours(document.uri) : undefined));
    const byCode = (code: string) => found.filter((d) => d.code === code);

    const [unknown] = byCode('unknown-field');
    assert.ok(unknown);
    assert.equal(unknown.severity, vscode.DiagnosticSeverity.Warning);
    assert.deepEqual([unknown.range.start.line, unknown.range.start.character, unknown.range.end.line, unknown.range.end.character], [3, 0, 3, 7]);
    assert.equal(document.getText(unknown.range), 'Critque');
    assert.match(unknown.message, /did you mean "Critique"/);

    const [invalid] = byCode('invalid-id');
    assert.equal(invalid?.severity, vscode.DiagnosticSeverity.Error);
    assert.equal(document.getText(invalid.range), 'Bad Id');

    const duplicates = byCode('duplicate-id');
    assert.deepEqual(duplicates.map((d) => d.range.start.line), [6, 9]);
    assert.equal(duplicates[0]?.relatedInformation?.[0]?.location.range.start.line, 9);
    assert.equal(duplicates[0]?.relatedInformation?.[0]?.location.uri.toString(), document.uri.toString());

    // Typing a fix: the duplicate goes away (after the debounce), the rest stays.
    const twin = new vscode.Range(9, 14, 9, 18);
    assert.ok(await editor.edit((edit) => edit.replace(twin, 'triplet')));
    await until('the duplicate to go', () => (ours(document.uri).some((d) => d.code === 'duplicate-id') ? undefined : true));
    assert.equal(ours(document.uri).filter((d) => d.code === 'unknown-field').length, 1);

    // And a new problem appears where it is typed.
    assert.ok(await editor.edit((edit) => edit.insert(new vscode.Position(10, 11), '\nWeight: lots')));
    const weight = await until('the weight problem', () => ours(document.uri).find((d) => d.code === 'invalid-weight'));
    assert.equal(weight.range.start.line, 11);
  });

  it('quick-fixes an unknown field to its near miss and an invalid id to its slug', async () => {
    const editor = await openConstitution(BAD);
    const { document } = editor;
    await until('the diagnostics', () => (ours(document.uri).some((d) => d.code === 'unknown-field') ? true : undefined));

    const atField = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', document.uri, new vscode.Range(3, 2, 3, 2));
    const rename = atField.find((a) => a.kind?.value === vscode.CodeActionKind.QuickFix.value && a.title === 'Change to "Critique"');
    assert.ok(rename?.edit, atField.map((a) => a.title).join(', '));
    assert.ok(await vscode.workspace.applyEdit(rename.edit));
    assert.equal(document.lineAt(3).text, 'Critique: Find harm.');

    const atId = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', document.uri, new vscode.Range(2, 15, 2, 15));
    const slug = atId.find((a) => a.title === 'Use the id "bad-id"');
    assert.ok(slug?.edit);
    assert.ok(await vscode.workspace.applyEdit(slug.edit));
    assert.equal(document.lineAt(2).text, '## Principle: bad-id');
    await until('the fixed problems to go', () =>
      ours(document.uri).some((d) => d.code === 'unknown-field' || d.code === 'invalid-id' || d.code === 'unpaired-request') ? undefined : true,
    );
  });

  it('outlines sections with their principles and rubrics', async () => {
    const uri = fixtureUri('rules.constitution.md');
    await vscode.workspace.openTextDocument(uri);
    const symbols = await until('the symbols', async () => {
      const found = await vscode.commands.executeCommand<vscode.DocumentSymbol[] | undefined>('vscode.executeDocumentSymbolProvider', uri);
      return found && found.length > 0 ? found : undefined;
    });
    const shape = symbols.map((s) => [s.name, s.kind, s.children.map((c) => [c.name, c.kind])]);
    assert.deepEqual(shape, [
      ['Safety', vscode.SymbolKind.Namespace, [['no-harm', vscode.SymbolKind.Function], ['honest', vscode.SymbolKind.Function]]],
      ['Quality', vscode.SymbolKind.Namespace, [['clarity', vscode.SymbolKind.Struct]]],
    ]);
    const noHarm = symbols[0]?.children[0];
    assert.deepEqual([noHarm?.selectionRange.start.line, noHarm?.selectionRange.start.character, noHarm?.selectionRange.end.character], [2, 14, 21]);
    assert.deepEqual([noHarm?.range.start.line, noHarm?.range.end.line], [2, 7]);
    assert.equal(symbols[0]?.range.end.line, 12);
  });

  it('shows a principle\'s fields on hover, with the text fenced, not rendered', async () => {
    const uri = fixtureUri('rules.constitution.md');
    await vscode.workspace.openTextDocument(uri);
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, new vscode.Position(2, 16));
    const text = hoverText(hovers);
    assert.match(text, /\*\*Principle\*\* no\\-harm — Safety/);
    assert.match(text, /\*\*Weight\*\* 2/);
    assert.match(text, /\*\*Tags\*\* safety/);
    assert.match(text, /\*\*Critique\*\*\n\n```text\nFind every place where the answer helps cause harm\. \[click\]\(command:workbench\.action\.quit\)\n```/);
    assert.match(text, /\*\*Compare\*\*\n\n```text\nWhich answer is safer\?\n```/);
    for (const hover of hovers) {
      for (const content of hover.contents) if (content instanceof vscode.MarkdownString) assert.ok(!content.isTrusted);
    }

    const rubric = hoverText(await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, new vscode.Position(15, 12)));
    assert.match(rubric, /\*\*Rubric\*\* clarity/);
    assert.match(rubric, /\*\*Score 5\*\*\n\n```text\nClear\.\n```/);

    const elsewhere = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, new vscode.Position(5, 3));
    assert.doesNotMatch(hoverText(elsewhere), /\*\*Principle\*\*/);
  });

  it('completes the fields of a principle in a principle and of a rubric in a rubric', async () => {
    const editor = await openConstitution('# S\n\n## Principle: p\nCritique: c\n\n\n## Rubric: r\nScore 1: bad\n\n');
    const uri = editor.document.uri;
    assert.deepEqual(await fieldLabels(uri, new vscode.Position(4, 0)), ['Revision:', 'Compare:', 'Weight:', 'Tags:']);
    assert.deepEqual(await fieldLabels(uri, new vscode.Position(8, 0)), ['Criterion:', 'Score 2:', 'Score 3:', 'Score 4:', 'Score 5:']);
    assert.deepEqual(await fieldLabels(uri, new vscode.Position(1, 0)), []);

    // On a heading line: a whole new block, which replaces what was typed.
    assert.ok(await editor.edit((edit) => edit.insert(new vscode.Position(5, 0), '## ')));
    const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', uri, new vscode.Position(5, 3), '#');
    const principle = list.items.find((i) => i.kind === vscode.CompletionItemKind.Snippet && i.label === 'Principle');
    assert.ok(principle?.insertText instanceof vscode.SnippetString);
    assert.match(principle.insertText.value, /^## Principle: \$\{1:principle-id\}\n.*Critique: /s);
    assert.ok(principle.range instanceof vscode.Range && principle.range.isEqual(new vscode.Range(5, 0, 5, 3)));
    assert.ok(list.items.some((i) => i.kind === vscode.CompletionItemKind.Snippet && i.label === 'Rubric'));

    // The snippets file offers the same blocks by word.
    const byWord = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', uri, new vscode.Position(1, 0));
    const words = byWord.items.filter((i) => i.kind === vscode.CompletionItemKind.Snippet).map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
    assert.ok(words.includes('principle') && words.includes('rubric'), words.join(', '));
  });

  it('folds sections to the next section and blocks to the next block', async () => {
    const uri = fixtureUri('rules.constitution.md');
    await vscode.workspace.openTextDocument(uri);
    const folds = await vscode.commands.executeCommand<vscode.FoldingRange[]>('vscode.executeFoldingRangeProvider', uri);
    const pairs = folds.map((f) => [f.start, f.end]).sort((a, b) => (a[0] ?? 0) - (b[0] ?? 0));
    assert.deepEqual(pairs, [
      [0, 11],
      [2, 7],
      [9, 11],
      [13, 18],
      [15, 18],
    ]);
  });

  it('puts Sample and Try on current row above each principle', async () => {
    const uri = fixtureUri('rules.constitution.md');
    await vscode.workspace.openTextDocument(uri);
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 10);
    const shape = lenses.map((l) => [l.range.start.line, l.command?.title, l.command?.command]);
    assert.deepEqual(shape, [
      [2, 'Sample', 'distillery.sampleConstitution'],
      [2, 'Try on current row', 'distillery.tryPrinciple'],
      [9, 'Sample', 'distillery.sampleConstitution'],
      [9, 'Try on current row', 'distillery.tryPrinciple'],
    ]);
  });

  it('samples principles with a seed: the same draw as the core, listed by the command', async () => {
    assert.deepEqual(parseSampleSpec('3 @ seed 1'), { k: 3, seed: '1' });
    assert.deepEqual(parseSampleSpec(' 2 @ seed abc def '), { k: 2, seed: 'abc def' });
    assert.deepEqual(parseSampleSpec('4'), { k: 4, seed: '1' });
    assert.deepEqual(parseSampleSpec('2 @ 7'), { k: 2, seed: '7' });
    assert.equal(parseSampleSpec('three'), undefined);
    assert.equal(formatSampleSpec({ k: 3, seed: '1' }), '3 @ seed 1');

    const uri = fixtureUri('rules.constitution.md');
    const document = await vscode.workspace.openTextDocument(uri);
    const text = document.getText();
    const draw = drawPrinciples(text, { k: 1, seed: 'x' });
    const core = samplePrinciples(parseConstitution(text).principles, { k: 1, seed: 'x' });
    assert.deepEqual(draw.principles.map((p) => p.id), core.principles.map((p) => p.id));
    assert.equal(draw.poolSize, 2);
    const all = drawPrinciples(text, { k: 3, seed: '1' });
    assert.deepEqual([...all.principles.map((p) => p.id)].sort(), ['honest', 'no-harm']);
    assert.equal(all.notes.length, 1);

    const ids = await vscode.commands.executeCommand<string[]>('distillery.sampleConstitution', uri, '1 @ seed x');
    assert.deepEqual(ids, core.principles.map((p) => p.id));
  });
});
