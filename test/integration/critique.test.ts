// Critique & Revise in the editor, against the project's OpenAI-compatible test server started
// inside the extension host, with a scripted critic: it tells critique requests from revision
// requests by the JSON schema asked for, and the principle by its request text (the
// constitution's own words, written here). Decisions are made with the commands that the diff's
// title bar and the notification's buttons run.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { DistilleryTestApi } from '../../src/extension/models/testApi';
import type { CritiqueOutcome } from '../../src/extension/critique/rowCritique';
import { EXTENSION_ID, chatRow, until } from '../support/extensionHost';
import { startTestServer, type ChatRequest, type ReplySpec, type Rule, type RuleHandle, type TestServer } from '../support/openaiServer';

const CONSTITUTION = [
  '# Editor test principles',
  '',
  '## Principle: clarity',
  'Critique: Point out what is unclear. [ask-clarity]',
  'Revision: Rewrite the answer more clearly. [fix-clarity]',
  '',
  '## Principle: kindness',
  'Critique: Point out any unkind wording. [ask-kindness]',
  'Revision: Rewrite the answer kindly. [fix-kindness]',
  '',
].join('\n');

type Gate = { opened: Promise<void>; open(): void };
const gates: Gate[] = [];
function gate(): Gate {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  const made = { opened, open };
  gates.push(made);
  return made;
}

function schemaOf(request: ChatRequest): string | undefined {
  return request.responseFormat.type === 'json_schema' ? request.responseFormat.name : undefined;
}

/** The principle whose request is the request's last user turn. */
function principleOf(request: ChatRequest): string {
  const last = [...request.messages].reverse().find((message) => message.role === 'user')?.content ?? '';
  return /\[(?:ask|fix)-([a-z]+)\]/.exec(last)?.[1] ?? 'unknown';
}

function linesOf(document: vscode.TextDocument): string[] {
  return document.getText().split('\n').filter((line, i, all) => line !== '' || i < all.length - 1);
}

function diffTab(): vscode.Tab | undefined {
  return vscode.window.tabGroups.all.flatMap((group) => group.tabs).find((tab) => tab.input instanceof vscode.TabInputTextDiff && tab.input.modified.scheme === 'distillery-critique');
}

describe('critique & revise', function () {
  this.timeout(120_000);
  let server: TestServer;
  let api: DistilleryTestApi;
  let restorePrompts: () => void;
  let dir: string;
  let constitutionFile: string;
  const settings = () => vscode.workspace.getConfiguration('distillery');
  const changed = ['profiles', 'roles', 'critique.constitution', 'critique.rounds', 'critique.seed'];

  before(async () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension);
    api = (await extension.activate()) as DistilleryTestApi;
    server = await startTestServer({ seed: 9 });
    restorePrompts = api.answerPrompts({ approveOrigin: async () => true });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'distillery-critique-'));
    constitutionFile = path.join(dir, 'editor.constitution.md');
    fs.writeFileSync(constitutionFile, CONSTITUTION);
    await settings().update('profiles', { critic: { baseURL: server.baseURL, model: 'sim-large', concurrency: 2, pricePerMillionInput: 1, pricePerMillionOutput: 2 } }, vscode.ConfigurationTarget.Global);
    await settings().update('roles', { critic: 'critic' }, vscode.ConfigurationTarget.Global);
    await settings().update('critique.constitution', constitutionFile, vscode.ConfigurationTarget.Global);
    await settings().update('critique.rounds', 2, vscode.ConfigurationTarget.Global);
    await settings().update('critique.seed', 3, vscode.ConfigurationTarget.Global);
    await until('the critic role to apply', () => (api.models.settings.roles.critic === 'critic' ? true : undefined));
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

  /**
   * The critic for requests carrying `marker`: critiques say "Unclear under ID." and ask for a
   * revision unless `nothingToFix` lists the principle; revisions are `revise(principle)`.
   */
  function critic(marker: string, options: { nothingToFix?: string[]; revise?: (principle: string) => string | Promise<string>; critique?: (principle: string) => Promise<ReplySpec> } = {}): void {
    rule({
      match: { marker, predicate: (request) => schemaOf(request) === 'critique' },
      reply: async (request) => {
        const principle = principleOf(request);
        if (options.critique) return options.critique(principle);
        return { json: { critique: `Unclear under ${principle}.`, needsRevision: !(options.nothingToFix ?? []).includes(principle) } };
      },
    });
    rule({
      match: { marker, predicate: (request) => schemaOf(request) === 'revision' },
      reply: async (request) => ({ json: { revision: await (options.revise ?? ((p: string) => `Answer revised for ${p}. ${marker}`))(principleOf(request)) } }),
    });
  }
  const requestsWith = (marker: string) => server.chatRequests().filter((r) => r.rawBody.includes(marker));
  const stepsWith = (marker: string) => requestsWith(marker).map((r) => String((r.body as { response_format?: { json_schema?: { name?: string } } }).response_format?.json_schema?.name));

  let opened = 0;
  async function openDataset(rows: string[]): Promise<vscode.TextEditor> {
    const file = path.join(dir, `rows-${++opened}.jsonl`);
    fs.writeFileSync(file, `${rows.join('\n')}\n`);
    return vscode.window.showTextDocument(vscode.Uri.file(file));
  }

  afterEach(async () => {
    for (const held of gates.splice(0)) held.open();
    for (const handle of rules.splice(0)) handle.remove();
    await vscode.commands.executeCommand('distillery.critiqueReject');
    for (let i = 0; i < 10 && vscode.window.activeTextEditor; i++) await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  /** Starts a critique of line `line`, waits for its diff, decides with `command`, and returns the outcome. */
  async function critiqueAndDecide(document: vscode.TextDocument, line: number, command: string | undefined): Promise<CritiqueOutcome> {
    const running = vscode.commands.executeCommand('distillery.critiqueRow', document.uri, line) as Thenable<CritiqueOutcome>;
    if (command) {
      await until('the critique diff', () => diffTab(), 60_000);
      await vscode.commands.executeCommand(command);
    }
    return running;
  }

  it("the row's Critique & Revise lens runs k rounds, shows the diff, and Accept rewrites only the answer and the record, undone in one step", async () => {
    critic('[k]');
    const rows = [chatRow('first', 'one'), chatRow('Explain tides. [k]', 'The moon does it. [k]'), chatRow('last', 'two')];
    const { document } = await openDataset(rows);
    const before = document.getText();

    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', document.uri, 10);
    const lens = lenses.find((l) => l.range.start.line === 1 && l.command?.title === 'Critique & Revise');
    assert.ok(lens?.command, 'a Critique & Revise lens on the row');
    const running = vscode.commands.executeCommand(lens.command.command, ...(lens.command.arguments ?? [])) as Thenable<CritiqueOutcome>;
    const tab = await until('the critique diff', () => diffTab(), 60_000);
    assert.match(tab.label, /line 2/);
    const input = tab.input as vscode.TabInputTextDiff;
    assert.equal((await vscode.workspace.openTextDocument(input.original)).getText(), 'The moon does it. [k]');
    const revision = (await vscode.workspace.openTextDocument(input.modified)).getText();
    await vscode.commands.executeCommand('distillery.critiqueAccept');
    const outcome = await running;

    const chain = outcome.rows[0]?.chain;
    assert.ok(chain);
    assert.equal(chain.rounds.length, 2, 'two rounds (distillery.critique.rounds)');
    assert.deepEqual(chain.rounds.map((r) => r.principle.id).sort(), ['clarity', 'kindness'], 'each round its own principle');
    assert.deepEqual(stepsWith('[k]'), ['critique', 'revision', 'critique', 'revision']);
    assert.equal(chain.final, `Answer revised for ${chain.rounds[1]?.principle.id}. [k]`);
    assert.equal(revision, chain.final, 'the diff shows the final revision');
    assert.equal(outcome.rows[0]?.decision, 'accept');
    assert.equal(outcome.rows[0]?.applied, true);
    assert.match(outcome.message, /^line 2: revision accepted$/);

    const lines = linesOf(document);
    assert.deepEqual([lines[0], lines[2]], [rows[0], rows[2]], 'the other rows are untouched');
    const row = JSON.parse(lines[1] ?? '') as { messages: Array<{ role: string; content: string }>; distillery: { critique: { rounds: Array<{ principle: string; revision: string }>; seed: number; original: string } } };
    assert.equal(row.messages[1]?.content, chain.final);
    assert.equal(row.messages[0]?.content, 'Explain tides. [k]');
    assert.deepEqual(row.distillery.critique.rounds.map((r) => r.principle), chain.rounds.map((r) => r.principle.id));
    assert.equal(row.distillery.critique.seed, 3);
    assert.equal(row.distillery.critique.original, 'The moon does it. [k]');
    assert.ok(lines[1]?.startsWith('{"messages":[{"role":"user","content":"Explain tides. [k]"},{"role":"assistant","content":"Answer revised for'), 'the row keeps its form');

    await vscode.commands.executeCommand('undo');
    assert.equal(document.getText(), before, 'one undo restores the row');
  });

  it('stops early when a critique finds nothing to fix: no revision asked, and nothing to decide', async () => {
    critic('[early]', { nothingToFix: ['clarity', 'kindness'] });
    const { document } = await openDataset([chatRow('Say hi. [early]', 'Hi! [early]')]);
    const before = document.getText();
    const outcome = await critiqueAndDecide(document, 1, undefined);
    assert.deepEqual(stepsWith('[early]'), ['critique'], 'one critique, no revision, no second round');
    assert.equal(outcome.rows[0]?.chain?.stoppedEarly, true);
    assert.equal(outcome.rows[0]?.decision, 'unchanged');
    assert.equal(outcome.message, 'line 1: no change needed');
    assert.equal(diffTab(), undefined, 'no diff to decide on');
    assert.equal(document.getText(), before);
  });

  it('stops after a revision when the next critique finds nothing more; Reject leaves the row as it was', async () => {
    // The first critique asks for a revision, the second finds nothing more to fix.
    let critiques = 0;
    critic('[reject]', {
      critique: async (principle) => ({ json: { critique: `Round critique under ${principle}.`, needsRevision: ++critiques === 1 } }),
      revise: () => 'Clearer now. [reject]',
    });
    const { document } = await openDataset([chatRow('Explain rain. [reject]', 'Water falls. [reject]')]);
    const before = document.getText();
    const outcome = await critiqueAndDecide(document, 1, 'distillery.critiqueReject');
    const chain = outcome.rows[0]?.chain;
    assert.ok(chain);
    assert.deepEqual(stepsWith('[reject]'), ['critique', 'revision', 'critique']);
    assert.deepEqual(chain.rounds.map((r) => [r.needsRevision, r.revision]), [[true, 'Clearer now. [reject]'], [false, undefined]]);
    assert.equal(chain.stoppedEarly, true);
    assert.equal(chain.final, 'Clearer now. [reject]');
    assert.equal(outcome.rows[0]?.decision, 'reject');
    assert.equal(outcome.message, 'line 1: revision rejected');
    assert.equal(document.getText(), before);
  });

  it('Cancel mid-chain stops it: nothing more is sent and nothing changes', async () => {
    const wait = gate();
    critic('[cancel]', { revise: async () => (await wait.opened, 'too late [cancel]') });
    const { document } = await openDataset([chatRow('Explain wind. [cancel]', 'Air moves. [cancel]')]);
    const before = document.getText();
    const cancel = new vscode.CancellationTokenSource();
    const running = vscode.commands.executeCommand('distillery.critiqueRow', document.uri, 1, { cancellation: cancel.token }) as Thenable<CritiqueOutcome>;
    await until('the first revision request', () => (requestsWith('[cancel]').length === 2 ? true : undefined));
    cancel.cancel();
    const outcome = await running;
    wait.open();
    assert.equal(outcome.cancelled, true);
    assert.equal(outcome.message, 'line 1: cancelled, nothing changed');
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(requestsWith('[cancel]').length, 2, 'no request after the cancel');
    assert.equal(diffTab(), undefined);
    assert.equal(document.getText(), before);
  });

  it('a critic reply that breaks the schema fails the chain with an error naming the round, and changes nothing', async () => {
    rule({ match: { marker: '[broken]' }, reply: 'Sure! The answer is fine, I think.' });
    const { document } = await openDataset([chatRow('Explain snow. [broken]', 'Cold rain. [broken]')]);
    const before = document.getText();
    const outcome = await critiqueAndDecide(document, 1, undefined);
    const error = outcome.rows[0]?.error ?? '';
    assert.match(error, /^line 1: .*round 1 \(principle "(clarity|kindness)"\)/);
    assert.equal(outcome.rows[0]?.chain, undefined, 'no result');
    assert.match(outcome.message, /^line 1: .*round 1/);
    assert.equal(diffTab(), undefined);
    assert.equal(document.getText(), before);
  });

  it('lands on the row where it is now when the user typed above it meanwhile, keeping every edit', async () => {
    const wait = gate();
    critic('[moved]', { revise: async (p) => (await wait.opened, `Moved answer for ${p}. [moved]`) });
    const rows = [chatRow('first', 'one'), chatRow('Explain fog. [moved]', 'Wet air. [moved]')];
    const editor = await openDataset(rows);
    const { document } = editor;
    const running = vscode.commands.executeCommand('distillery.critiqueRow', document.uri, 2) as Thenable<CritiqueOutcome>;
    await until('the first revision request', () => (requestsWith('[moved]').length === 2 ? true : undefined));
    assert.ok(await editor.edit((e) => e.insert(new vscode.Position(0, 0), `${chatRow('typed', 'above')}\n`)));
    assert.ok(await editor.edit((e) => e.insert(new vscode.Position(1, document.lineAt(1).text.length - 1), ',"note":"typed"')));
    const typed = linesOf(document);
    wait.open();
    await until('the critique diff', () => diffTab(), 60_000);
    await vscode.commands.executeCommand('distillery.critiqueAccept');
    const outcome = await running;

    assert.equal(outcome.rows[0]?.applied, true, outcome.message);
    const lines = linesOf(document);
    assert.deepEqual(lines.slice(0, 2), typed.slice(0, 2), 'what the user typed is there, unchanged');
    const row = JSON.parse(lines[2] ?? '') as { messages: Array<{ content: string }> };
    assert.match(row.messages[1]?.content ?? '', /^Moved answer for (clarity|kindness)\. \[moved\]$/, 'the revision landed on the moved row');
  });

  it('refuses with a message when the user edited the row itself meanwhile: their text stands', async () => {
    const wait = gate();
    critic('[edited]', { revise: async () => (await wait.opened, 'Revised anyway. [edited]') });
    const editor = await openDataset([chatRow('Explain hail. [edited]', 'Ice. [edited]')]);
    const { document } = editor;
    const running = vscode.commands.executeCommand('distillery.critiqueRow', document.uri, 1) as Thenable<CritiqueOutcome>;
    await until('the first revision request', () => (requestsWith('[edited]').length === 2 ? true : undefined));
    assert.ok(await editor.edit((e) => e.replace(document.lineAt(0).range, chatRow('Explain hail. [edited]', 'Balls of ice, as I wrote myself. [edited]'))));
    const typed = document.getText();
    wait.open();
    await until('the critique diff', () => diffTab(), 60_000);
    await vscode.commands.executeCommand('distillery.critiqueAccept');
    const outcome = await running;
    assert.equal(outcome.rows[0]?.applied, false);
    assert.match(outcome.message, /^line 1: not changed, The row read from line 1 was edited or removed since; the change was not applied\.$/);
    assert.equal(document.getText(), typed, "the user's edit stands");
  });

  it('Accept as Preference Pair inserts the pair after the row (revision chosen, original rejected), undone in one step', async () => {
    critic('[pair]', { revise: (p) => `Kinder, clearer answer (${p}). [pair]` });
    const rows = [JSON.stringify({ messages: [{ role: 'system', content: 'Be kind.' }, { role: 'user', content: 'Is my code bad? [pair]' }, { role: 'assistant', content: 'Yes, terrible. [pair]' }] })];
    const { document } = await openDataset(rows);
    const before = document.getText();
    const outcome = await critiqueAndDecide(document, 1, 'distillery.critiqueAcceptAsPair');
    assert.equal(outcome.rows[0]?.decision, 'pair');
    assert.equal(outcome.message, 'line 1: preference pair added after it');
    const lines = linesOf(document);
    assert.equal(lines.length, 2);
    assert.equal(lines[0], rows[0], 'the critiqued row is untouched');
    const pair = JSON.parse(lines[1] ?? '') as { prompt: unknown; chosen: unknown; rejected: unknown; distillery: { provenance: string; teacher: { profile: string } } };
    assert.deepEqual(pair.prompt, [{ role: 'system', content: 'Be kind.' }, { role: 'user', content: 'Is my code bad? [pair]' }]);
    assert.deepEqual(pair.chosen, [{ role: 'assistant', content: outcome.rows[0]?.chain?.final }]);
    assert.deepEqual(pair.rejected, [{ role: 'assistant', content: 'Yes, terrible. [pair]' }]);
    assert.equal(pair.distillery.provenance, 'synthetic');
    assert.equal(pair.distillery.teacher.profile, 'critic');
    await vscode.commands.executeCommand('undo');
    assert.equal(document.getText(), before, 'one undo removes the pair');
  });

  it('critiques every selected row in turn, each with its own diff, and accepts both', async () => {
    critic('[rows]', { revise: (p) => `Revised row answer (${p}). [rows]` });
    const rows = [chatRow('One? [rows]', 'First answer. [rows]'), chatRow('Two? [rows]', 'Second answer. [rows]'), chatRow('not selected', 'kept')];
    const editor = await openDataset(rows);
    editor.selections = [new vscode.Selection(0, 4, 1, 6)];
    const running = vscode.commands.executeCommand('distillery.critiqueRevise') as Thenable<CritiqueOutcome>;
    await until('the first diff', () => (diffTab()?.label.includes('line 1') ? true : undefined), 60_000);
    await vscode.commands.executeCommand('distillery.critiqueAccept');
    await until('the second diff', () => (diffTab()?.label.includes('line 2') ? true : undefined), 60_000);
    await vscode.commands.executeCommand('distillery.critiqueAccept');
    const outcome = await running;
    assert.equal(outcome.message, 'line 1: revision accepted; line 2: revision accepted');
    const lines = linesOf(editor.document);
    assert.equal(lines.length, 3);
    for (const [i, prompt] of [[0, 'One? [rows]'], [1, 'Two? [rows]']] as const) {
      const row = JSON.parse(lines[i] ?? '') as { messages: Array<{ content: string }> };
      assert.equal(row.messages[0]?.content, prompt);
      assert.match(row.messages[1]?.content ?? '', /^Revised row answer \((clarity|kindness)\)\. \[rows\]$/);
    }
    assert.equal(lines[2], rows[2]);
  });

  it('critiques only the text selected inside the answer and puts the revised part back', async () => {
    critic('[span]', { revise: (p) => `softer words (${p})` });
    const answer = 'Keep this start. Harsh middle part! Keep this end. [span]';
    const rows = [chatRow('Review my essay. [span]', answer)];
    const editor = await openDataset(rows);
    const text = editor.document.lineAt(0).text;
    const start = text.indexOf('Harsh middle part!');
    editor.selection = new vscode.Selection(0, start, 0, start + 'Harsh middle part!'.length);
    const running = vscode.commands.executeCommand('distillery.critiqueRevise') as Thenable<CritiqueOutcome>;
    await until('the critique diff', () => diffTab(), 60_000);
    await vscode.commands.executeCommand('distillery.critiqueAccept');
    const outcome = await running;
    const second = outcome.rows[0]?.chain?.rounds[1]?.principle.id;
    const row = JSON.parse(linesOf(editor.document)[0] ?? '') as { messages: Array<{ content: string }> };
    assert.equal(row.messages[1]?.content, `Keep this start. softer words (${second}) Keep this end. [span]`);
  });

  it('says so when the selection cannot be mapped to the answer exactly', async () => {
    critic('[escape]');
    const editor = await openDataset([chatRow('Two lines? [escape]', 'first\nsecond [escape]')]);
    const text = editor.document.lineAt(0).text;
    const escape = text.indexOf('\\n');
    editor.selection = new vscode.Selection(0, escape + 1, 0, escape + 5);
    const outcome = (await vscode.commands.executeCommand('distillery.critiqueRevise')) as CritiqueOutcome;
    assert.match(outcome.message, /^line 1: The selection starts or ends inside an escape sequence/);
    assert.equal(requestsWith('[escape]').length, 0, 'nothing was sent');
  });

  it("Try on current row runs the chain with only that principle on the last active dataset's row under the cursor", async () => {
    critic('[try]');
    const editor = await openDataset([chatRow('first [try]', 'one [try]'), chatRow('Explain frost. [try]', 'Frozen dew. [try]')]);
    editor.selection = new vscode.Selection(1, 3, 1, 3);
    await vscode.window.showTextDocument(vscode.Uri.file(constitutionFile), { viewColumn: vscode.ViewColumn.Beside });
    const running = vscode.commands.executeCommand('distillery.tryPrinciple', vscode.Uri.file(constitutionFile), 'kindness') as Thenable<CritiqueOutcome>;
    await until('the critique diff', () => diffTab(), 60_000);
    await vscode.commands.executeCommand('distillery.critiqueReject');
    const outcome = await running;
    assert.equal(outcome.rows[0]?.line, 2);
    assert.deepEqual(outcome.rows[0]?.chain?.rounds.map((r) => r.principle.id), ['kindness']);
    assert.deepEqual(stepsWith('[try]'), ['critique', 'revision']);
  });
});
