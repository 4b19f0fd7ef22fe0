// Generate in the editor, against the project's OpenAI-compatible test server started inside the
// extension host: the row's CodeLens, selected rows, and a whole file to a new file with cancel
// and resume. The settings point two priced teacher profiles at the server (restored afterwards);
// the origin approval is answered through the extension's test API.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { BatchSummary } from '../../src/core/pipeline/types';
import type { FileBatchOutcome } from '../../src/extension/generate/fileBatch';
import type { RowGenerationOutcome } from '../../src/extension/generate/rowGeneration';
import type { DistilleryTestApi } from '../../src/extension/models/testApi';
import { EXTENSION_ID, chatRow, until } from '../support/extensionHost';
import { startTestServer, type Rule, type RuleHandle, type TestServer } from '../support/openaiServer';

/** Answers that share no run of three words, so that the near-duplicate filter keeps them all. */
const ANSWERS = [
  'Paris sits on the Seine and has been the capital since the tenth century.',
  'Rain on tin roofs / a cat watches puddles grow / the kettle begins.',
  'Seventeen is prime because nothing but one and itself divides it evenly.',
  'Compilers translate source code into instructions a machine executes directly.',
  'Blue light scatters more strongly off air molecules than red light does.',
  'Write the subject line in the imperative mood and keep it under fifty characters.',
  'The Danube crosses ten countries before reaching the Black Sea.',
  'Water boils at lower temperatures on high mountains due to reduced pressure.',
];

type Gate = { opened: Promise<void>; open(): void };
/** Gates every test opens at its end, so that no held request outlives its test and blocks a profile's queue. */
const gates: Gate[] = [];
/** Requests whose reply awaits `opened` are held by the server until the test calls `open()`. */
function gate(): Gate {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  const made = { opened, open };
  gates.push(made);
  return made;
}

function linesOf(document: vscode.TextDocument): string[] {
  return document.getText().split('\n').filter((line, i, all) => line !== '' || i < all.length - 1);
}

function parsed(line: string | undefined): Record<string, unknown> & { distillery: Record<string, unknown>; messages?: Array<{ role: string; content: string }> } {
  assert.ok(line !== undefined, 'the line exists');
  return JSON.parse(line) as ReturnType<typeof parsed>;
}

describe('generate', function () {
  this.timeout(120_000);
  let server: TestServer;
  let api: DistilleryTestApi;
  let restorePrompts: () => void;
  let answered = 0;
  const settings = () => vscode.workspace.getConfiguration('distillery');
  const changed = ['profiles', 'roles', 'generate.samples'];

  async function useTeachers(names: string[], samples: number): Promise<void> {
    await settings().update('roles', { teacher: names }, vscode.ConfigurationTarget.Global);
    await settings().update('generate.samples', samples, vscode.ConfigurationTarget.Global);
    await until('the roles to apply', () => (api.models.settings.roles.teachers.join() === names.join() ? true : undefined));
  }

  before(async () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension);
    api = (await extension.activate()) as DistilleryTestApi;
    assert.ok(api?.answerPrompts, 'the extension returns its test API (DISTILLERY_TEST=1)');
    server = await startTestServer({ seed: 5 });
    restorePrompts = api.answerPrompts({ approveOrigin: async () => true });
    // Four calls at once per profile: every sample of a row is in flight together.
    const profile = (model: string) => ({ baseURL: server.baseURL, model, concurrency: 4, pricePerMillionInput: 1, pricePerMillionOutput: 2 });
    await settings().update('profiles', { alpha: profile('sim-small'), beta: profile('sim-large') }, vscode.ConfigurationTarget.Global);
    await useTeachers(['alpha', 'beta'], 2);
  });

  after(async () => {
    for (const key of changed) await settings().update(key, undefined, vscode.ConfigurationTarget.Global);
    restorePrompts?.();
    await server?.close();
  });

  const rules: RuleHandle[] = [];
  /** A rule for this test only; the first added that matches answers. */
  function rule(spec: Rule): RuleHandle {
    const handle = server.addRule(spec);
    rules.push(handle);
    return handle;
  }
  /** Requests with `marker` get the next of the distinct answers (after the test's more specific rules). */
  function distinctAnswers(marker: string): void {
    rule({ match: { marker }, reply: () => ANSWERS[answered++ % ANSWERS.length] as string });
  }
  const requestsWith = (marker: string) => server.chatRequests().filter((r) => r.rawBody.includes(marker)).length;

  afterEach(async () => {
    for (const held of gates.splice(0)) held.open();
    for (const handle of rules.splice(0)) handle.remove();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  // Each test's dataset is a file of its own: untitled documents reuse their names ("Untitled-1")
  // as soon as one closes, so a uri could name the previous test's document.
  let datasets: string;
  before(() => {
    datasets = fs.mkdtempSync(path.join(os.tmpdir(), 'distillery-rows-'));
  });
  after(() => {
    fs.rmSync(datasets, { recursive: true, force: true });
  });
  let opened = 0;

  /** A new dataset file in an editor; closed without saving by the row tests' revert. */
  async function openDataset(rows: string[]): Promise<vscode.TextEditor> {
    const file = path.join(datasets, `rows-${++opened}.jsonl`);
    fs.writeFileSync(file, `${rows.join('\n')}\n`);
    return vscode.window.showTextDocument(vscode.Uri.file(file));
  }

  async function revertAll(): Promise<void> {
    for (let i = 0; i < 10 && vscode.window.activeTextEditor; i++) await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  }

  describe('for a row', () => {
    afterEach(revertAll);

    it("the row's Generate lens inserts the teachers' answers right after the row, with provenance, and one undo removes them", async () => {
      // The first request to sim-large is refused: the refusal filter drops it.
      const refusal = rule({ match: { model: 'sim-large', marker: '[lens]' }, reply: "I'm sorry, but I can't help with that.", times: 1 });
      distinctAnswers('[lens]');
      const rows = [JSON.stringify({ prompt: 'Name a prime above ten. [lens]' }), JSON.stringify({ messages: [{ role: 'user', content: 'Write a haiku about rain. [lens]' }] }), chatRow('q', 'a')];
      const { document } = await openDataset(rows);
      const before = document.getText();

      const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', document.uri, 10);
      const lens = lenses.find((l) => l.range.start.line === 1 && l.command?.title === 'Generate');
      assert.ok(lens?.command, 'a Generate lens on the prompt row');
      const outcome = (await vscode.commands.executeCommand(lens.command.command, ...(lens.command.arguments ?? []))) as RowGenerationOutcome;

      assert.equal(refusal.uses, 1);
      assert.match(outcome.message, /^3 rows added from 2 teachers; 1 sample dropped as a refusal; cost \$0\.\d{4}$/);
      const lines = linesOf(document);
      assert.equal(lines.length, 6);
      assert.equal(lines[0], rows[0]);
      assert.equal(lines[1], rows[1], 'the source row is untouched');
      assert.equal(lines[5], rows[2], 'the next row follows the generated ones');
      const generated = lines.slice(2, 5).map(parsed);
      const teachers = new Set<string>();
      for (const row of generated) {
        assert.equal(row.messages?.[0]?.content, 'Write a haiku about rain. [lens]', 'the prompt is kept');
        assert.equal(row.messages?.[1]?.role, 'assistant');
        assert.ok(ANSWERS.includes(row.messages?.[1]?.content ?? ''), row.messages?.[1]?.content);
        assert.equal(row.distillery.provenance, 'synthetic');
        const teacher = row.distillery.teacher as { profile: string; model: string };
        teachers.add(teacher.profile);
        assert.equal(teacher.model, teacher.profile === 'alpha' ? 'sim-small' : 'sim-large');
        const source = row.distillery.source as { key: string; input: string };
        assert.equal(source.input, (generated[0]?.distillery.source as { input: string }).input, 'one source row');
        assert.ok(source.key.startsWith(source.input));
      }
      assert.deepEqual([...teachers].sort(), ['alpha', 'beta']);

      await vscode.commands.executeCommand('undo');
      assert.equal(document.getText(), before, 'one undo removes exactly the generated rows');

      // Asked again, the teachers answer again (not the cache): new rows, not the same ones twice.
      const sent = requestsWith('[lens]');
      const again = (await vscode.commands.executeCommand(lens.command.command, ...(lens.command.arguments ?? []))) as RowGenerationOutcome;
      assert.equal(requestsWith('[lens]'), sent + 4);
      assert.equal(again.inserted, 4);
      const answers = linesOf(document).slice(2, 6).map((line) => parsed(line).messages?.[1]?.content);
      assert.equal(new Set(answers).size, 4, 'four different answers');
      assert.ok(!answers.some((answer) => generated.some((row) => row.messages?.[1]?.content === answer)), 'none repeats the first run');
    });

    it('lands after the source row where it is now when the user typed meanwhile, keeping every edit', async () => {
      const wait = gate();
      rule({ match: { marker: '[moved]' }, reply: async () => (await wait.opened, ANSWERS[answered++ % ANSWERS.length] as string) });
      const rows = [chatRow('first', 'one'), JSON.stringify({ prompt: 'Describe the sea. [moved]' }), chatRow('last', 'two')];
      const editor = await openDataset(rows);
      const { document } = editor;

      const running = vscode.commands.executeCommand('distillery.generateRow', document.uri, 2) as Thenable<RowGenerationOutcome>;
      await until('the four requests to arrive', () => (requestsWith('[moved]') === 4 ? true : undefined));
      // The user adds a row at the top and types into the last row while the teachers answer.
      assert.ok(await editor.edit((e) => e.insert(new vscode.Position(0, 0), `${chatRow('typed', 'above')}\n`)));
      assert.ok(await editor.edit((e) => e.insert(new vscode.Position(3, document.lineAt(3).text.length - 1), ',"note":"typed"')));
      const typed = linesOf(document);
      wait.open();
      const outcome = await running;

      assert.equal(outcome.inserted, 4);
      const lines = linesOf(document);
      assert.equal(lines.length, 8);
      assert.deepEqual([...lines.slice(0, 3), ...lines.slice(7)], typed, 'everything the user typed is there, unchanged');
      assert.equal(lines[2], rows[1], 'the source row, moved down one line');
      for (const line of lines.slice(3, 7)) {
        const row = parsed(line);
        assert.equal(row.prompt, 'Describe the sea. [moved]', 'a prompt/completion row stays one');
        assert.ok(ANSWERS.includes(String(row.completion)), String(row.completion));
      }
    });

    it('inserts nothing, and says so, when the source row itself was edited meanwhile', async () => {
      const wait = gate();
      rule({ match: { marker: '[edited]' }, reply: async () => (await wait.opened, ANSWERS[answered++ % ANSWERS.length] as string) });
      const editor = await openDataset([JSON.stringify({ prompt: 'Describe a forest. [edited]' }), chatRow('q', 'a')]);
      const { document } = editor;
      const running = vscode.commands.executeCommand('distillery.generateRow', document.uri, 1) as Thenable<RowGenerationOutcome>;
      await until('the requests to arrive', () => (requestsWith('[edited]') === 4 ? true : undefined));
      assert.ok(await editor.edit((e) => e.replace(document.lineAt(0).range, JSON.stringify({ prompt: 'Describe a desert instead. [edited]' }))));
      const typed = document.getText();
      wait.open();
      const outcome = await running;

      assert.equal(outcome.inserted, 0);
      assert.equal(document.getText(), typed, 'the user\'s edit stands, nothing was added');
      assert.match(outcome.message, /row read from line 1 was edited or removed meanwhile/);
    });

    it('stops when cancelled: nothing is inserted and the calls in flight are abandoned', async () => {
      const wait = gate();
      rule({ match: { marker: '[cancel]' }, reply: async () => (await wait.opened, 'too late') });
      const { document } = await openDataset([JSON.stringify({ prompt: 'Count to three. [cancel]' })]);
      const before = document.getText();
      const cancel = new vscode.CancellationTokenSource();
      const running = vscode.commands.executeCommand('distillery.generateRow', document.uri, 1, { cancellation: cancel.token }) as Thenable<RowGenerationOutcome>;
      await until('the requests to arrive', () => (requestsWith('[cancel]') === 4 ? true : undefined));
      cancel.cancel();
      const outcome = await running;
      wait.open();
      assert.equal(outcome.cancelled, true);
      assert.equal(outcome.inserted, 0);
      assert.match(outcome.message, /^Cancelled; 0 rows added/);
      assert.equal(document.getText(), before);
    });

    it('runs the verifier of distillery.generate.verifier on every answer and drops those it rejects', async () => {
      // A program that rejects answers mentioning Paris; its path has a space, quoted in the setting.
      const script = path.join(datasets, 'check answer.js');
      fs.writeFileSync(
        script,
        "let input = ''; process.stdin.on('data', (c) => (input += c)); process.stdin.on('end', () => {" +
          " const { answer } = JSON.parse(input); if (answer.includes('Paris')) { process.stderr.write('mentions Paris\\n'); process.exit(1); } });",
      );
      await settings().update('generate.verifier', `"${process.execPath}" "${script}"`, vscode.ConfigurationTarget.Global);
      try {
        answered = 0; // The next answers: the Paris one first, then three others.
        distinctAnswers('[verify]');
        const { document } = await openDataset([JSON.stringify({ prompt: 'Tell me a fact. [verify]' })]);
        const outcome = (await vscode.commands.executeCommand('distillery.generateRow', document.uri, 1)) as RowGenerationOutcome;
        assert.match(outcome.message, /^3 rows added from 2 teachers; 1 sample dropped by the verifier; cost /);
        const answers = linesOf(document).slice(1).map((line) => parsed(line).completion);
        assert.equal(answers.length, 3);
        assert.ok(!answers.some((answer) => String(answer).includes('Paris')));
      } finally {
        await settings().update('generate.verifier', undefined, vscode.ConfigurationTarget.Global);
      }
    });

    it('tells the errors when the teachers fail, inserting nothing', async () => {
      rule({ match: { marker: '[denied]' }, fault: { kind: 'status', status: 400, message: 'this model does not take that request' } });
      const { document } = await openDataset([JSON.stringify({ prompt: 'Say hello. [denied]' })]);
      const before = document.getText();
      const outcome = (await vscode.commands.executeCommand('distillery.generateRow', document.uri, 1)) as RowGenerationOutcome;
      assert.equal(outcome.inserted, 0);
      assert.match(outcome.message, /^0 rows added from 2 teachers; 4 samples failed \(profile "(alpha|beta)": .*this model does not take that request/);
      assert.equal(document.getText(), before);
    });

    it('Generate for Selected Rows answers every selected prompt row in one edit, undone in one step', async () => {
      await useTeachers(['alpha', 'beta'], 1);
      distinctAnswers('[sel]');
      try {
        const rows = [
          JSON.stringify({ prompt: 'First selected prompt. [sel]' }),
          '',
          JSON.stringify({ prompt: 'Second selected prompt. [sel]' }),
          JSON.stringify({ prompt: 'Not selected. [sel]' }),
          JSON.stringify({ messages: [{ role: 'user', content: 'Third, by a second cursor. [sel]' }] }),
        ];
        const editor = await openDataset(rows);
        const { document } = editor;
        const before = document.getText();
        editor.selections = [new vscode.Selection(0, 3, 2, 5), new vscode.Selection(4, 1, 4, 1)];
        const outcome = (await vscode.commands.executeCommand('distillery.generateSelectedRows')) as RowGenerationOutcome;

        assert.match(outcome.message, /^6 rows added from 2 teachers for 3 selected rows; cost \$/);
        const lines = linesOf(document);
        const prompts = lines.map((line) => (line ? (parsed(line).prompt ?? parsed(line).messages?.[0]?.content) : ''));
        assert.deepEqual(prompts, [
          'First selected prompt. [sel]', 'First selected prompt. [sel]', 'First selected prompt. [sel]',
          '',
          'Second selected prompt. [sel]', 'Second selected prompt. [sel]', 'Second selected prompt. [sel]',
          'Not selected. [sel]',
          'Third, by a second cursor. [sel]', 'Third, by a second cursor. [sel]', 'Third, by a second cursor. [sel]',
        ]);
        await vscode.commands.executeCommand('undo');
        assert.equal(document.getText(), before, 'one undo removes every generated row');
      } finally {
        await useTeachers(['alpha', 'beta'], 2);
      }
    });
  });

  describe('for a whole file', () => {
    let dir: string;
    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'distillery-generate-'));
    });
    afterEach(() => {
      fs.rmSync(dir, { recursive: true, force: true });
    });

    function outputRows(file: string): Array<ReturnType<typeof parsed>> {
      return fs.readFileSync(file, 'utf8').split('\n').filter((line) => line.trim() !== '').map(parsed);
    }

    it('writes a new file, is cancelled midway, and resumed: every input row exactly once in the output', async () => {
      await useTeachers(['alpha'], 1);
      const wait = gate();
      let immediate = 10;
      rule({
        match: { marker: '[batch]' },
        reply: async () => {
          if (immediate-- <= 0) await wait.opened;
          return `Batch answer ${answered++}: ${ANSWERS[answered % ANSWERS.length] as string}`;
        },
      });
      try {
        const prompts = Array.from({ length: 40 }, (_, i) => `Batch prompt number ${i}. [batch]`);
        // Two exact duplicates: each occurrence is an input row of its own and comes out once.
        prompts.push(prompts[3] as string, prompts[7] as string);
        const input = path.join(dir, 'prompts.jsonl');
        fs.writeFileSync(input, prompts.map((prompt) => JSON.stringify({ prompt })).join('\n') + '\n');
        const output = path.join(dir, 'prompts.generated.jsonl');

        const cancel = new vscode.CancellationTokenSource();
        const first = vscode.commands.executeCommand('distillery.generateFile', vscode.Uri.file(input), {
          output: vscode.Uri.file(output),
          cancellation: cancel.token,
        }) as Thenable<FileBatchOutcome>;
        await until('ten rows in the output', () => (fs.existsSync(output) && outputRows(output).length >= 10 ? true : undefined), 60_000);
        cancel.cancel();
        const stopped = (await first).summary;
        assert.equal(stopped.stoppedBy, 'cancelled');
        // Ten answered at once, plus the later duplicates of rows already answered (from the cache).
        assert.ok(stopped.done >= 10 && stopped.done <= 12, `done ${stopped.done}`);
        assert.equal(outputRows(output).length, stopped.done, 'rows in flight at the cancel are not written');
        assert.match((await first).message, /was cancelled; run the command again on the same output to resume/);

        wait.open();
        const resumed = (await vscode.commands.executeCommand('distillery.generateFile', vscode.Uri.file(input), {
          output: vscode.Uri.file(output),
          ifExists: 'resume',
        })) as FileBatchOutcome;
        const summary: BatchSummary = resumed.summary;
        assert.equal(summary.stoppedBy, undefined);
        assert.equal(summary.resumed, stopped.done);
        assert.equal(summary.done, 42);
        assert.equal(summary.total, 42);
        assert.equal(summary.failed, 0);
        assert.ok(
          resumed.message.startsWith(`Generated prompts.generated.jsonl: ${42 - stopped.done} rows written, 42 of 42 input rows done, ${stopped.done} already done before`),
          resumed.message,
        );
        assert.match(resumed.message, /, cost \$0\.\d{4}\.$/, 'priced profiles: a known cost');

        const rows = outputRows(output);
        assert.equal(rows.length, 42);
        assert.equal(new Set(rows.map((row) => (row.distillery.source as { input: string }).input)).size, 42, 'one output row per input row');
        const perPrompt = new Map<string, number>();
        for (const row of rows) perPrompt.set(String(row.prompt), (perPrompt.get(String(row.prompt)) ?? 0) + 1);
        for (const prompt of new Set(prompts)) {
          assert.equal(perPrompt.get(prompt), prompts.filter((p) => p === prompt).length, prompt);
        }
        for (const row of rows) assert.match(String(row.completion), /^Batch answer \d+: /);
      } finally {
        wait.open();
        await useTeachers(['alpha', 'beta'], 2);
      }
    });

    it('records failed rows in <output>.errors.jsonl, says so, and Replace starts over', async () => {
      await useTeachers(['alpha'], 1);
      rule({ match: { marker: '[broken]' }, fault: { kind: 'status', status: 400, message: 'the row is broken' } });
      distinctAnswers('[file]');
      try {
        const input = path.join(dir, 'mixed.jsonl');
        fs.writeFileSync(input, ['{"prompt":"Fine one. [file]"}', '{"prompt":"This one fails. [broken]"}', '{"prompt":"Fine two. [file]"}'].join('\n') + '\n');
        const output = path.join(dir, 'mixed.generated.jsonl');
        fs.writeFileSync(output, '{"prompt":"left over from an old run","completion":"x"}\n');

        const outcome = (await vscode.commands.executeCommand('distillery.generateFile', vscode.Uri.file(input), {
          output: vscode.Uri.file(output),
          ifExists: 'replace',
        })) as FileBatchOutcome;
        assert.equal(outcome.summary.failed, 1);
        assert.equal(outcome.summary.written, 2);
        assert.match(outcome.message, /2 rows written, 2 of 3 input rows done, 1 failed/);
        const rows = outputRows(output);
        assert.deepEqual(rows.map((row) => row.prompt).sort(), ['Fine one. [file]', 'Fine two. [file]'], 'the old content was replaced');
        assert.ok(outcome.summary.errorsFile && fs.existsSync(outcome.summary.errorsFile), 'the errors file exists');
        const errors = fs.readFileSync(outcome.summary.errorsFile, 'utf8');
        assert.match(errors, /This one fails/);
        assert.match(errors, /the row is broken/);
      } finally {
        await useTeachers(['alpha', 'beta'], 2);
      }
    });
  });
});
