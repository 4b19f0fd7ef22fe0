// Critique & Revise File in the editor, against the project's OpenAI-compatible test server
// started inside the extension host, with a scripted critic (critique and revision requests told
// apart by the JSON schema asked for): a whole file to revised rows, to preference pairs, cancel
// and resume, and rows that cannot be critiqued listed in the errors file.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { CritiqueBatchSummary } from '../../src/core/pipeline/critiqueBatch';
import type { CritiqueFileRequest } from '../../src/extension/critique/critiqueFileBatch';
import type { FileBatchOutcome } from '../../src/extension/generate/fileBatch';
import type { DistilleryTestApi } from '../../src/extension/models/testApi';
import { EXTENSION_ID, chatRow, until } from '../support/extensionHost';
import { startTestServer, type ChatRequest, type Rule, type RuleHandle, type TestServer } from '../support/openaiServer';

const CONSTITUTION = [
  '# File test principles',
  '',
  '## Principle: accuracy',
  'Critique: Point out anything inaccurate. [ask-accuracy]',
  'Revision: Rewrite the answer accurately. [fix-accuracy]',
  '',
  '## Principle: brevity',
  'Critique: Point out anything too long. [ask-brevity]',
  'Revision: Rewrite the answer briefly. [fix-brevity]',
  '',
].join('\n');

type Outcome = FileBatchOutcome<CritiqueBatchSummary>;
interface OutputRow {
  messages?: Array<{ role: string; content: string }>;
  prompt?: unknown;
  chosen?: unknown;
  rejected?: unknown;
  distillery: { critique: { rounds: Array<{ principle: string }>; original: string; constitution?: string } };
}

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

function rowsOf(file: string): OutputRow[] {
  return fs.readFileSync(file, 'utf8').split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as OutputRow);
}

describe('critique & revise a file', function () {
  this.timeout(120_000);
  let server: TestServer;
  let api: DistilleryTestApi;
  let restorePrompts: () => void;
  let dir: string;
  let constitutionFile: string;
  const settings = () => vscode.workspace.getConfiguration('distillery');
  const changed = ['profiles', 'roles', 'critique.constitution', 'critique.rounds', 'critique.seed'];

  // Every request of a file at once: a held revision must not take the slot the other rows need.
  before(async () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension);
    api = (await extension.activate()) as DistilleryTestApi;
    server = await startTestServer({ seed: 11 });
    restorePrompts = api.answerPrompts({ approveOrigin: async () => true });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'distillery-critique-file-'));
    constitutionFile = path.join(dir, 'file.constitution.md');
    fs.writeFileSync(constitutionFile, CONSTITUTION);
    await settings().update('profiles', { critic: { baseURL: server.baseURL, model: 'sim-large', concurrency: 32, pricePerMillionInput: 1, pricePerMillionOutput: 2 } }, vscode.ConfigurationTarget.Global);
    await settings().update('roles', { critic: 'critic' }, vscode.ConfigurationTarget.Global);
    await settings().update('critique.constitution', constitutionFile, vscode.ConfigurationTarget.Global);
    await settings().update('critique.rounds', 2, vscode.ConfigurationTarget.Global);
    await settings().update('critique.seed', 4, vscode.ConfigurationTarget.Global);
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
   * The critic for requests carrying `marker`: every critique asks for a revision, except for
   * answers containing "[fine]"; a revision is "<the answer's first words> revised for <principle>".
   */
  function critic(marker: string, revise?: (request: ChatRequest) => Promise<void>): void {
    rule({
      match: { marker, predicate: (request) => schemaOf(request) === 'critique' },
      reply: (request) => {
        const fine = JSON.stringify(request.messages).includes('[fine]');
        return { json: { critique: fine ? 'Nothing to fix.' : `Needs work under ${principleOf(request)}.`, needsRevision: !fine } };
      },
    });
    rule({
      match: { marker, predicate: (request) => schemaOf(request) === 'revision' },
      reply: async (request) => {
        await revise?.(request);
        return { json: { revision: `Revised for ${principleOf(request)}. ${marker}` } };
      },
    });
  }

  afterEach(async () => {
    for (const held of gates.splice(0)) held.open();
    for (const handle of rules.splice(0)) handle.remove();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  function writeInput(name: string, rows: string[]): string {
    const file = path.join(dir, name);
    fs.writeFileSync(file, `${rows.join('\n')}\n`);
    return file;
  }

  function run(input: string, request: CritiqueFileRequest): Thenable<Outcome | undefined> {
    return vscode.commands.executeCommand('distillery.critiqueFile', vscode.Uri.file(input), request) as Thenable<Outcome | undefined>;
  }

  it('writes every row with its answer revised, the chain recorded, and rows with nothing to fix unchanged', async () => {
    critic('[rows]');
    const input = writeInput('answers.jsonl', [
      chatRow('Explain tides. [rows]', 'The moon pulls. [rows]'),
      chatRow('Explain rain. [rows]', 'Water falls down. [rows] [fine]'),
      JSON.stringify({ prompt: 'Explain wind. [rows]', completion: 'Air moves. [rows]' }),
    ]);
    const output = path.join(dir, 'answers.revised.jsonl');
    const outcome = await run(input, { output: vscode.Uri.file(output), pairs: false });
    assert.ok(outcome);
    assert.equal(outcome.summary.stoppedBy, undefined);
    assert.equal(outcome.summary.written, 3);
    assert.equal(outcome.summary.unrevised, 1);
    assert.match(outcome.message, /^Critiqued & revised into answers\.revised\.jsonl: 3 rows written, 3 of 3 input rows done, 1 answer with nothing to fix \(written unchanged\), cost \$0\.\d{4}\.$/);

    const rows = rowsOf(output);
    assert.equal(rows.length, 3);
    const tides = rows.find((row) => row.messages?.[0]?.content === 'Explain tides. [rows]');
    assert.ok(tides, 'the chat row is there, still a chat row');
    assert.match(tides.messages?.[1]?.content ?? '', /^Revised for (accuracy|brevity)\. \[rows\]$/);
    assert.deepEqual(tides.distillery.critique.rounds.map((round) => round.principle).sort(), ['accuracy', 'brevity'], 'two rounds, each its own principle');
    assert.equal(tides.distillery.critique.original, 'The moon pulls. [rows]');
    const rain = rows.find((row) => row.messages?.[0]?.content === 'Explain rain. [rows]');
    assert.equal(rain?.messages?.[1]?.content, 'Water falls down. [rows] [fine]', 'nothing to fix: the answer as it was');
    assert.equal(rain?.distillery.critique.rounds.length, 1, 'the chain stopped at the first critique');
    const wind = rows.find((row) => row.prompt === 'Explain wind. [rows]') as (OutputRow & { completion?: string }) | undefined;
    assert.match(String(wind?.completion), /^Revised for (accuracy|brevity)\. \[rows\]$/, 'a prompt/completion row stays one');
    assert.equal(fs.existsSync(`${output}.errors.jsonl`), false, 'no errors file');
  });

  it('writes preference pairs (revision chosen, original rejected) and no pair for an answer with nothing to fix', async () => {
    critic('[pairs]');
    const input = writeInput('pairs-input.jsonl', [
      chatRow('Is my code bad? [pairs]', 'Yes, terrible. [pairs]'),
      chatRow('Name a colour. [pairs]', 'Blue. [pairs] [fine]'),
      chatRow('Name a planet. [pairs]', 'The sun. [pairs]'),
    ]);
    const output = path.join(dir, 'pairs-input.pairs.jsonl');
    const outcome = await run(input, { output: vscode.Uri.file(output), pairs: true });
    assert.ok(outcome);
    assert.equal(outcome.summary.done, 3);
    assert.equal(outcome.summary.written, 2);
    assert.match(outcome.message, /: 2 rows written, 3 of 3 input rows done, 1 answer with nothing to fix \(no pair for them\), cost /);

    const pairs = rowsOf(output);
    assert.equal(pairs.length, 2);
    const byPrompt = new Map(pairs.map((pair) => [JSON.stringify(pair.prompt), pair]));
    for (const [prompt, original] of [['Is my code bad? [pairs]', 'Yes, terrible. [pairs]'], ['Name a planet. [pairs]', 'The sun. [pairs]']]) {
      const pair = byPrompt.get(JSON.stringify([{ role: 'user', content: prompt }]));
      assert.ok(pair, `a pair for ${prompt}`);
      assert.deepEqual(pair.rejected, [{ role: 'assistant', content: original }]);
      const chosen = pair.chosen as Array<{ role: string; content: string }>;
      assert.equal(chosen.length, 1);
      assert.match(chosen[0]?.content ?? '', /^Revised for (accuracy|brevity)\. \[pairs\]$/);
    }
  });

  it("runs with what a resume passes (the output kind and the constitution the batch started with) without asking", async () => {
    critic('[details]');
    const other = path.join(dir, 'other.constitution.md');
    fs.writeFileSync(other, ['## Principle: warmth', 'Critique: Point out anything cold. [ask-warmth]', 'Revision: Rewrite the answer warmly. [fix-warmth]', ''].join('\n'));
    const input = writeInput('details.jsonl', [chatRow('Greet me. [details]', 'Hello. [details]')]);
    const output = path.join(dir, 'details.pairs.jsonl');
    const outcome = await run(input, { output: vscode.Uri.file(output), details: { mode: 'pairs', constitution: vscode.Uri.file(other).toString() } });
    assert.ok(outcome);
    assert.equal(outcome.summary.written, 1);
    const [pair] = rowsOf(output);
    assert.deepEqual(pair?.rejected, [{ role: 'assistant', content: 'Hello. [details]' }], 'a preference pair, not a revised row');
    assert.deepEqual(pair?.distillery.critique.rounds.map((round) => round.principle), ['warmth', 'warmth'], "the other constitution's principle, not the setting's");
  });

  it('is cancelled midway and resumed: every input row exactly once in the output', async () => {
    const wait = gate();
    // Rows 0–3 are answered at once; the others' revisions wait for the gate.
    critic('[resume]', async (request) => {
      const number = Number(/Question number (\d+)\?/.exec(JSON.stringify(request.messages))?.[1]);
      if (!(number < 4)) await wait.opened;
    });
    const prompts = Array.from({ length: 16 }, (_, i) => `Question number ${i}? [resume]`);
    const input = writeInput('many.jsonl', prompts.map((prompt, i) => chatRow(prompt, `Answer number ${i}. [resume]`)));
    const output = path.join(dir, 'many.revised.jsonl');

    const cancel = new vscode.CancellationTokenSource();
    const first = run(input, { output: vscode.Uri.file(output), pairs: false, cancellation: cancel.token });
    await until('four rows in the output', () => (fs.existsSync(output) && rowsOf(output).length >= 4 ? true : undefined), 60_000);
    cancel.cancel();
    const stopped = await first;
    assert.ok(stopped);
    assert.equal(stopped.summary.stoppedBy, 'cancelled');
    assert.equal(stopped.summary.done, 4);
    assert.equal(rowsOf(output).length, stopped.summary.done, 'rows in flight at the cancel are not written');
    assert.match(stopped.message, /^Critiquing & revising many\.revised\.jsonl was cancelled; run the command again on the same output to resume/);

    wait.open();
    const resumed = await run(input, { output: vscode.Uri.file(output), pairs: false, ifExists: 'resume' });
    assert.ok(resumed);
    assert.equal(resumed.summary.stoppedBy, undefined);
    assert.equal(resumed.summary.resumed, stopped.summary.done);
    assert.equal(resumed.summary.done, 16);
    assert.equal(resumed.summary.failed, 0);
    assert.ok(resumed.message.startsWith(`Critiqued & revised into many.revised.jsonl: ${16 - stopped.summary.done} rows written, 16 of 16 input rows done, ${stopped.summary.done} already done before`), resumed.message);

    const rows = rowsOf(output);
    assert.equal(rows.length, 16);
    assert.deepEqual(rows.map((row) => row.messages?.[0]?.content).sort(), [...prompts].sort(), 'every input row exactly once');
    for (const row of rows) assert.match(row.messages?.[1]?.content ?? '', /^Revised for (accuracy|brevity)\. \[resume\]$/);
  });

  it('lists the rows that cannot be critiqued (prompt only) in <output>.errors.jsonl and says so', async () => {
    critic('[errors]');
    const input = writeInput('mixed.jsonl', [
      chatRow('Explain fog. [errors]', 'Wet air. [errors]'),
      JSON.stringify({ prompt: 'Only a prompt. [errors]' }),
      JSON.stringify({ messages: [{ role: 'user', content: 'A chat that ends on the user. [errors]' }] }),
      chatRow('Explain frost. [errors]', 'Frozen dew. [errors]'),
    ]);
    const output = path.join(dir, 'mixed.revised.jsonl');
    fs.writeFileSync(output, '{"messages":[],"left":"over from an old run"}\n');
    const outcome = await run(input, { output: vscode.Uri.file(output), pairs: false, ifExists: 'replace' });
    assert.ok(outcome);
    assert.equal(outcome.summary.written, 2);
    assert.equal(outcome.summary.failed, 2);
    assert.match(outcome.message, /: 2 rows written, 2 of 4 input rows done, 2 failed, cost /);
    assert.deepEqual(rowsOf(output).map((row) => row.messages?.[0]?.content).sort(), ['Explain fog. [errors]', 'Explain frost. [errors]'], 'Replace started over');

    const errorsFile = outcome.summary.errorsFile;
    assert.ok(errorsFile && fs.existsSync(errorsFile), 'the errors file exists');
    const failed = fs.readFileSync(errorsFile, 'utf8').split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as { line: number; error: string });
    assert.deepEqual(failed.map((row) => row.line).sort(), [2, 3], 'the prompt-only rows, by their input line');
    for (const row of failed) assert.match(row.error, /cannot be critiqued|no answer/);
  });
});
