// Judge Row and the verdict panel in the editor, against the project's OpenAI-compatible test
// server started inside the extension host. Its simulated judge reads the true quality of each
// answer from a [[quality:x]] marker, so the right verdict is known.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LabelOutcome, JudgeRowOutcome } from '../../src/extension/judging/rowJudging';
import type { DistilleryTestApi } from '../../src/extension/models/testApi';
import type { RowVerdictView } from '../../src/webview/verdict/protocol';
import { EXTENSION_ID, chatRow, until } from '../support/extensionHost';
import { startTestServer, type RuleHandle, type Rule, type TestServer } from '../support/openaiServer';

function preferenceRow(prompt: string, chosen: string, rejected: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ prompt, chosen, rejected, ...extra });
}

interface JudgedLine {
  chosen: string;
  distillery?: { judgement?: { winner: string; positionConsistent: boolean; samples: Array<{ order: string; verdict: string; reasoning: string }> }; human?: { winner: string; by: string; time: string } };
}

describe('judge row and the verdict panel', function () {
  this.timeout(120_000);
  let server: TestServer;
  let api: DistilleryTestApi;
  let restorePrompts: () => void;
  let dir: string;
  const settings = () => vscode.workspace.getConfiguration('distillery');
  const changed = ['profiles', 'roles', 'judge.samples', 'judge.bothOrders', 'judge.constitution'];

  before(async () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension);
    api = (await extension.activate()) as DistilleryTestApi;
    server = await startTestServer({ seed: 5 });
    restorePrompts = api.answerPrompts({ approveOrigin: async () => true });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'distillery-judge-'));
    await settings().update('profiles', { judge: { baseURL: server.baseURL, model: 'sim-judge', concurrency: 2 } }, vscode.ConfigurationTarget.Global);
    await settings().update('roles', { judge: 'judge' }, vscode.ConfigurationTarget.Global);
    await settings().update('judge.samples', 2, vscode.ConfigurationTarget.Global);
    await until('the judge role to apply', () => (api.models.settings.roles.judges.includes('judge') ? true : undefined));
  });

  after(async () => {
    for (const key of changed) await settings().update(key, undefined, vscode.ConfigurationTarget.Global);
    restorePrompts?.();
    await server?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const rules: RuleHandle[] = [];
  function rule(spec: Rule): RuleHandle {
    const handle = server.addRule(spec);
    rules.push(handle);
    return handle;
  }
  const releases: Array<() => void> = [];

  let opened = 0;
  async function openDataset(rows: string[]): Promise<vscode.TextEditor> {
    const file = path.join(dir, `pairs-${++opened}.jsonl`);
    fs.writeFileSync(file, `${rows.join('\n')}\n`);
    return vscode.window.showTextDocument(vscode.Uri.file(file));
  }

  afterEach(async () => {
    for (const release of releases.splice(0)) release();
    for (const handle of rules.splice(0)) handle.remove();
    for (let i = 0; i < 10 && vscode.window.activeTextEditor; i++) await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it("the row's Judge lens writes a verdict with both orders' samples, keeps the human label, and one undo removes it", async () => {
    const human = { winner: 'B', by: 'reviewer', time: '2026-01-01T00:00:00.000Z' };
    const rows = [
      chatRow('first', 'one'),
      preferenceRow('Largest planet? [lens]', 'Jupiter is the largest planet. [[quality:0.95]]', 'Saturn, I think. [[quality:0.1]]', { distillery: { human } }),
      chatRow('last', 'two'),
    ];
    const editor = await openDataset(rows);
    const { document } = editor;
    const before = document.getText();

    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', document.uri, 10);
    const lens = lenses.find((l) => l.range.start.line === 1 && l.command?.title === 'Judge');
    assert.ok(lens?.command, 'a Judge lens on the preference row');
    const outcome = (await vscode.commands.executeCommand(lens.command.command, ...(lens.command.arguments ?? []))) as JudgeRowOutcome;

    assert.equal(outcome.applied, true, outcome.message);
    assert.equal(outcome.verdict?.winner, 'A', 'the clearly better chosen answer wins');
    const lines = document.getText().split('\n');
    assert.deepEqual([lines[0], lines[2]], [rows[0], rows[2]], 'the other rows are untouched');
    const row = JSON.parse(lines[1] ?? '') as JudgedLine;
    assert.equal(row.chosen, 'Jupiter is the largest planet. [[quality:0.95]]');
    const judgement = row.distillery?.judgement;
    assert.ok(judgement, 'distillery.judgement is written');
    assert.equal(judgement.winner, 'A');
    assert.equal(judgement.positionConsistent, true);
    assert.deepEqual(judgement.samples.map((s) => s.order).sort(), ['AB', 'AB', 'BA', 'BA'], 'two samples (distillery.judge.samples) in each order');
    assert.deepEqual(row.distillery?.human, human, "the person's label stays");
    assert.equal(server.chatRequests().filter((r) => r.rawBody.includes('[lens]')).length, 4);

    const shown = (await vscode.commands.executeCommand('distillery.showVerdictPanel')) as RowVerdictView | undefined;
    assert.equal(shown?.line, 2, 'the panel shows the judged row');
    assert.equal(shown?.judgement?.winner, 'A');
    assert.equal(shown?.judgement?.samples.filter((s) => s.order === 'BA').length, 2);
    assert.equal(shown?.human?.winner, 'B');

    await vscode.window.showTextDocument(document);
    await vscode.commands.executeCommand('undo');
    assert.equal(document.getText(), before, 'one undo removes the verdict');
  });

  it("with distillery.judge.constitution set, the judges answer its principles' Compare questions, in one order when bothOrders is off", async () => {
    const constitution = path.join(dir, 'judging.constitution.md');
    fs.writeFileSync(constitution, ['# Judging', '', '## Principle: concise', 'Critique: Find padding.', 'Revision: Cut it.', 'Compare: Which answer is more concise? [ask-concise]', ''].join('\n'));
    await settings().update('judge.constitution', constitution, vscode.ConfigurationTarget.Global);
    await settings().update('judge.bothOrders', false, vscode.ConfigurationTarget.Global);
    try {
      const { document } = await openDataset([preferenceRow('Say hi. [crit]', 'Hi. [[quality:0.9]]', 'Hello there, it is so nice to greet you today. [[quality:0.3]]')]);
      const outcome = (await vscode.commands.executeCommand('distillery.judgeRow', document.uri, 1)) as JudgeRowOutcome;
      assert.equal(outcome.applied, true, outcome.message);
      assert.deepEqual(outcome.verdict?.criteria, { kind: 'principles', ids: ['concise'], questions: ['Which answer is more concise? [ask-concise]'] });
      assert.deepEqual(outcome.verdict?.samples.map((s) => s.order), ['AB', 'AB'], 'one order, two samples');
      const asked = server.chatRequests().filter((r) => r.rawBody.includes('[crit]'));
      assert.equal(asked.length, 2);
      assert.ok(asked.every((r) => r.rawBody.includes('[ask-concise]')), "every request carries the principle's Compare question");
    } finally {
      await settings().update('judge.constitution', undefined, vscode.ConfigurationTarget.Global);
      await settings().update('judge.bothOrders', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it('an override writes the human label with its provenance in one undoable edit', async () => {
    const rows = [preferenceRow('Capital of France? [ovr]', 'Paris. [[quality:0.9]]', 'Lyon. [[quality:0.2]]')];
    const editor = await openDataset(rows);
    const { document } = editor;
    editor.selection = new vscode.Selection(0, 2, 0, 2);
    const shown = await until('the panel to follow the cursor', async () => {
      const view = (await vscode.commands.executeCommand('distillery.showVerdictPanel')) as RowVerdictView | undefined;
      return view?.line === 1 && view.title.startsWith(path.basename(document.fileName)) ? view : undefined;
    });
    assert.equal(shown.a, 'Paris. [[quality:0.9]]');
    assert.equal(shown.judgement, undefined, 'no judgement yet');

    const outcome = (await vscode.commands.executeCommand('distillery.verdictOverride', 'tie')) as LabelOutcome;
    assert.equal(outcome.applied, true, outcome.error);
    const row = JSON.parse(document.lineAt(0).text) as JudgedLine;
    assert.equal(row.distillery?.human?.winner, 'tie');
    assert.equal(row.distillery?.human?.by, 'user');
    assert.ok(!Number.isNaN(Date.parse(row.distillery?.human?.time ?? '')), 'the label carries its time');
    assert.equal(((await vscode.commands.executeCommand('distillery.showVerdictPanel')) as RowVerdictView | undefined)?.human?.winner, 'tie', 'the panel shows the label');

    await vscode.window.showTextDocument(document);
    await vscode.commands.executeCommand('undo');
    assert.equal(document.lineAt(0).text, rows[0]);
  });

  it('Next and Previous move the cursor and the panel to the rows that have a pair, skipping the others', async () => {
    const rows = [preferenceRow('One? [nav]', 'One. [[quality:0.9]]', 'Two. [[quality:0.1]]'), chatRow('not a pair', 'skip me'), preferenceRow('Three? [nav]', 'Three. [[quality:0.9]]', 'Four. [[quality:0.1]]')];
    const editor = await openDataset(rows);
    editor.selection = new vscode.Selection(0, 0, 0, 0);
    await until('the panel on line 1', async () => (((await vscode.commands.executeCommand('distillery.showVerdictPanel')) as RowVerdictView | undefined)?.line === 1 ? true : undefined));
    const next = (await vscode.commands.executeCommand('distillery.verdictNextRow')) as { line: number } | undefined;
    assert.equal(next?.line, 3);
    assert.equal(vscode.window.activeTextEditor?.selection.active.line, 2, 'the cursor moved to line 3');
    const shown = (await vscode.commands.executeCommand('distillery.showVerdictPanel')) as RowVerdictView | undefined;
    assert.equal(shown?.line, 3);
    assert.equal(shown?.a, 'Three. [[quality:0.9]]');
    assert.equal(await vscode.commands.executeCommand('distillery.verdictNextRow'), undefined, 'no row after the last');
    assert.equal(((await vscode.commands.executeCommand('distillery.verdictPreviousRow')) as { line: number } | undefined)?.line, 1);
  });

  it('refuses to write the verdict when the row was edited while the judges worked', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    releases.push(release);
    let asked = 0;
    rule({
      match: { marker: '[edit]' },
      reply: async (_request, context) => {
        asked++;
        await held;
        return context.judge();
      },
    });
    const rows = [preferenceRow('Two plus two? [edit]', 'Four. [[quality:0.9]]', 'Five. [[quality:0.1]]')];
    const editor = await openDataset(rows);
    const { document } = editor;
    const running = vscode.commands.executeCommand('distillery.judgeRow', document.uri, 1) as Thenable<JudgeRowOutcome>;
    await until('the judges to be asked', () => (asked > 0 ? true : undefined), 30_000);
    await vscode.window.showTextDocument(document);
    assert.ok(await editor.edit((e) => e.insert(new vscode.Position(0, document.lineAt(0).text.length - 1), ', "note": "typed"')));
    const edited = document.getText();
    release();
    const outcome = await running;
    assert.equal(outcome.applied, false);
    assert.match(outcome.message, /not written.*edited/);
    assert.equal(document.getText(), edited, 'the edited row is left as the user typed it');
  });

  it('writes the verdict on the row where it moved to when lines were added above it meanwhile', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    releases.push(release);
    let asked = 0;
    rule({
      match: { marker: '[moved]' },
      reply: async (_request, context) => {
        asked++;
        await held;
        return context.judge();
      },
    });
    const rows = [preferenceRow('Boiling point of water? [moved]', '100 °C at sea level. [[quality:0.9]]', '50 °C. [[quality:0.1]]')];
    const editor = await openDataset(rows);
    const { document } = editor;
    const running = vscode.commands.executeCommand('distillery.judgeRow', document.uri, 1) as Thenable<JudgeRowOutcome>;
    await until('the judges to be asked', () => (asked > 0 ? true : undefined), 30_000);
    await vscode.window.showTextDocument(document);
    assert.ok(await editor.edit((e) => e.insert(new vscode.Position(0, 0), `${chatRow('added', 'above')}\n`)));
    release();
    const outcome = await running;
    assert.equal(outcome.applied, true, outcome.message);
    assert.equal(outcome.line, 2);
    assert.equal(document.lineAt(0).text, chatRow('added', 'above'), 'the added row is untouched');
    assert.equal((JSON.parse(document.lineAt(1).text) as JudgedLine).distillery?.judgement?.winner, 'A');
  });

  it('a judge reply that breaks the verdict schema shows an error and changes nothing', async () => {
    rule({ match: { marker: '[broken]' }, reply: { json: { verdict: 'whatever', extra: true } } });
    const rows = [preferenceRow('Sky colour? [broken]', 'Blue. [[quality:0.9]]', 'Green. [[quality:0.1]]')];
    const { document } = await openDataset(rows);
    const before = document.getText();
    const outcome = (await vscode.commands.executeCommand('distillery.judgeRow', document.uri, 1)) as JudgeRowOutcome;
    assert.equal(outcome.applied, false);
    assert.ok(outcome.error, 'the outcome names the failure');
    assert.match(outcome.message, /Nothing was changed/);
    assert.equal(document.getText(), before);
    assert.equal(document.isDirty, false);
    const shown = (await vscode.commands.executeCommand('distillery.showVerdictPanel')) as RowVerdictView | undefined;
    assert.equal(shown?.message?.kind, 'error', 'the panel shows the error');
  });
});
