// Pipeline files in the editor: the parser's problems as diagnostics at their ranges, the Run
// Pipeline lenses, Run Pipeline on a curation-only pipeline (outputs and manifest), a model
// pipeline over the file's own "models" against the project's test server (cancelled midway,
// then resumed), and the refusal in an untrusted workspace (the runner's untrusted pass).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { PipelineSummary } from '../../src/core/pipeline/run/runnerTypes';
import type { DistilleryTestApi } from '../../src/extension/models/testApi';
import { EXTENSION_ID, until } from '../support/extensionHost';
import { startTestServer, type RuleHandle, type TestServer } from '../support/openaiServer';

async function distilleryTestApi(): Promise<DistilleryTestApi> {
  const api = await vscode.extensions.getExtension<DistilleryTestApi | undefined>(EXTENSION_ID)?.activate();
  assert.ok(api, 'activate() returns the test API when DISTILLERY_TEST=1');
  return api;
}

function readJsonl(file: string): Record<string, unknown>[] {
  return fs.readFileSync(file, 'utf8').split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as Record<string, unknown>);
}

function readAll(dir: string): string {
  if (!fs.existsSync(dir)) return '';
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => fs.readFileSync(path.join(entry.parentPath, entry.name), 'utf8'))
    .join('\n');
}

const distilleryDiagnostics = (uri: vscode.Uri): vscode.Diagnostic[] => vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'Distillery');

if (process.env.DISTILLERY_TRUST_RUN === 'untrusted') {
  describe('pipelines: untrusted workspace', function () {
    this.timeout(60_000);

    it('Run Pipeline refuses with a clear message and writes nothing', async () => {
      const api = await distilleryTestApi();
      assert.equal(vscode.workspace.isTrusted, false);
      const folder = vscode.workspace.workspaceFolders?.[0];
      assert.ok(folder);
      fs.writeFileSync(path.join(folder.uri.fsPath, 'rows.jsonl'), '{"prompt":"a"}\n');
      const file = path.join(folder.uri.fsPath, 'untrusted.distillery.jsonc');
      fs.writeFileSync(file, JSON.stringify({ input: 'rows.jsonl', steps: [{ type: 'dedup' }] }));
      const result = await vscode.commands.executeCommand('distillery.runPipeline', vscode.Uri.file(file));
      assert.equal(result, undefined);
      await until('the refusal in the log', () => (readAll(api.logDirectory).includes('Run Pipeline is off in an untrusted workspace') ? true : undefined));
      assert.equal(fs.existsSync(path.join(folder.uri.fsPath, 'untrusted.out')), false, 'no output folder');
    });
  });
} else {
  describe('pipelines', function () {
    this.timeout(120_000);
    let api: DistilleryTestApi;
    let server: TestServer;
    let folder: string;
    let restorePrompts: () => void;
    const rules: RuleHandle[] = [];

    before(async () => {
      api = await distilleryTestApi();
      server = await startTestServer({ seed: 11 });
      restorePrompts = api.answerPrompts({ approveOrigin: async () => true });
      folder = fs.mkdtempSync(path.join(os.tmpdir(), 'distillery-pipelines-'));
      fs.writeFileSync(path.join(folder, 'prompts.jsonl'), [
        { prompt: 'How do I boil an egg?' },
        { prompt: 'How do I boil an egg?' },
        { prompt: 'Name three prime numbers.' },
        { prompt: '' },
        { prompt: 'What is the capital of France?' },
      ].map((row) => `${JSON.stringify(row)}\n`).join(''));
    });

    afterEach(async () => {
      for (const handle of rules.splice(0)) handle.remove();
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    });

    after(async () => {
      restorePrompts?.();
      await server?.close();
      fs.rmSync(folder, { recursive: true, force: true });
    });

    let written = 0;
    function writePipeline(text: string): vscode.Uri {
      const file = path.join(folder, `p${++written}.distillery.jsonc`);
      fs.writeFileSync(file, text);
      return vscode.Uri.file(file);
    }

    it('marks the parser\'s problems at their ranges while the file is edited, and clears them once fixed', async () => {
      const text = [
        '{',
        '  "input": "prompts.jsonl",',
        '  "steps": [',
        '    { "type": "dedup", "treshold": 0.9 },',
        '    { "type": "filter", "input": "nowhere.jsonl" },',
        '  ],',
        '}',
      ].join('\n');
      const uri = writePipeline(text);
      const editor = await vscode.window.showTextDocument(uri);
      const document = editor.document;
      const diagnostics = await until('the pipeline diagnostics', () => {
        const found = distilleryDiagnostics(uri);
        return found.length === 2 ? found : undefined;
      });
      const rangeOf = (needle: string): vscode.Range => {
        const offset = text.indexOf(needle);
        return new vscode.Range(document.positionAt(offset), document.positionAt(offset + needle.length));
      };
      const [unknown, missing] = diagnostics.sort((a, b) => a.range.start.compareTo(b.range.start));
      assert.ok(unknown && missing);
      assert.deepEqual(unknown.range, rangeOf('"treshold"'));
      assert.equal(unknown.message, 'unknown field "treshold" in a "dedup" step (did you mean "threshold"?)');
      assert.equal(unknown.severity, vscode.DiagnosticSeverity.Error);
      assert.deepEqual(missing.range, rangeOf('"nowhere.jsonl"'));
      assert.equal(missing.message, '"input" is neither an earlier step\'s id nor a file: nowhere.jsonl');

      // Typing the fix (unsaved) clears the first; the second goes once the file it names exists.
      const edit = new vscode.WorkspaceEdit();
      edit.replace(uri, rangeOf('"treshold"'), '"threshold"');
      assert.ok(await vscode.workspace.applyEdit(edit));
      await until('the unknown key to be cleared', () => (distilleryDiagnostics(uri).length === 1 ? true : undefined));
      const edit2 = new vscode.WorkspaceEdit();
      const offset = document.getText().indexOf('"nowhere.jsonl"');
      edit2.replace(uri, new vscode.Range(document.positionAt(offset), document.positionAt(offset + '"nowhere.jsonl"'.length)), '"prompts.jsonl"');
      assert.ok(await vscode.workspace.applyEdit(edit2));
      await until('every problem to be cleared', () => (distilleryDiagnostics(uri).length === 0 ? true : undefined));
    });

    it('opens pipeline files as JSONC, checked and completed by the contributed schema, per step type', async () => {
      const text = '{\n  // comments and trailing commas are fine\n  "input": "prompts.jsonl",\n  "concurrency": "many",\n  "steps": [{ "type": "dedup", "threshold": 2 }, { "type": "dedup",  }],\n}\n';
      const uri = writePipeline(text);
      const { document } = await vscode.window.showTextDocument(uri);
      assert.equal(document.languageId, 'jsonc');
      const fromSchema = await until('the schema\'s diagnostics', () => {
        const found = vscode.languages.getDiagnostics(uri).filter((d) => d.source !== 'Distillery');
        return found.length >= 2 ? found : undefined;
      }, 30_000);
      const at = (needle: string): vscode.Position => document.positionAt(text.indexOf(needle));
      assert.deepEqual(fromSchema.map((d) => d.range.start).sort((a, b) => a.compareTo(b)), [at('"many"'), at('2 }')], fromSchema.map((d) => d.message).join('\n'));

      // Inside a dedup step the editor offers dedup's options, not another type's.
      const inside = document.positionAt(text.indexOf('"dedup",  }') + '"dedup", '.length);
      const completions = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', uri, inside);
      const labels = completions.items.map((item) => (typeof item.label === 'string' ? item.label : item.label.label).replace(/"/g, ''));
      for (const option of ['threshold', 'exactOnly', 'field', 'input', 'id']) assert.ok(labels.includes(option), `offers ${option}: ${labels.join(', ')}`);
      for (const option of ['rougeThreshold', 'teachers', 'constitution']) assert.ok(!labels.includes(option), `does not offer ${option}`);
    });

    it('offers "Run Pipeline" and "Dry Run" at the top of a pipeline file', async () => {
      const uri = writePipeline(JSON.stringify({ input: 'prompts.jsonl', steps: [{ type: 'dedup' }] }));
      await vscode.window.showTextDocument(uri);
      const lenses = await until('the lenses', async () => {
        const found = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 10);
        return found.length >= 2 ? found : undefined;
      });
      assert.deepEqual(lenses.map((lens) => [lens.range.start.line, lens.command?.title, lens.command?.command]), [
        [0, '$(play) Run Pipeline', 'distillery.runPipeline'],
        [0, 'Dry Run', 'distillery.dryRunPipeline'],
      ]);
      assert.equal(lenses[0]?.command?.arguments?.[0]?.toString(), uri.toString());
    });

    it('runs a curation-only pipeline (filter → dedup), saving the edited file first: step outputs and the manifest', async () => {
      const uri = writePipeline(JSON.stringify({ input: 'prompts.jsonl', steps: [{ type: 'filter', minLength: 1, lengthOf: 'prompt' }] }, null, 2));
      const editor = await vscode.window.showTextDocument(uri);
      // The dedup step is only in the editor, not on disk: Run Pipeline saves first.
      const edited = JSON.stringify({ input: 'prompts.jsonl', steps: [{ type: 'filter', minLength: 1, lengthOf: 'prompt' }, { type: 'dedup', field: 'prompt', exactOnly: true }] }, null, 2);
      assert.ok(await editor.edit((builder) => builder.replace(new vscode.Range(0, 0, editor.document.lineCount, 0), edited)));
      assert.equal(editor.document.isDirty, true);

      const summary = await vscode.commands.executeCommand<PipelineSummary | undefined>('distillery.runPipeline', uri);
      assert.ok(summary, 'the command returns the summary');
      assert.equal(editor.document.isDirty, false, 'saved before running');
      assert.equal(summary.outcome, 'success');
      assert.deepEqual(summary.steps.map((step) => [step.id, step.status]), [['filter', 'done'], ['dedup', 'done']]);
      const [filtered, deduped] = summary.steps;
      assert.deepEqual(readJsonl(filtered!.output).map((row) => row.prompt), ['How do I boil an egg?', 'How do I boil an egg?', 'Name three prime numbers.', 'What is the capital of France?']);
      assert.deepEqual(readJsonl(deduped!.output).map((row) => row.prompt), ['How do I boil an egg?', 'Name three prime numbers.', 'What is the capital of France?']);
      assert.equal(path.dirname(summary.manifest), path.join(folder, `p${written}.out`));
      const manifest = JSON.parse(fs.readFileSync(summary.manifest, 'utf8')) as { outcome: string; steps: Array<{ id: string; status: string }> };
      assert.equal(manifest.outcome, 'success');
      assert.deepEqual(manifest.steps.map((step) => [step.id, step.status]), [['filter', 'done'], ['dedup', 'done']]);
      // The summary the notification shows (with Open Output Folder / Open Manifest) is logged too.
      await until('the summary in the log', () => (readAll(api.logDirectory).includes(`Pipeline p${written} finished: 2/2 steps, 3 rows out of "dedup", $0.0000.`) ? true : undefined));
    });

    it('runs model steps over the file\'s own "models"; cancelled midway it stops, and the next run completes every row once', async () => {
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      rules.push(server.addRule({ match: { marker: '[held]' }, reply: async () => (await held, 'A held answer, released.') }));
      const prompts = path.join(folder, 'held.jsonl');
      fs.writeFileSync(prompts, [1, 2, 3, 4].map((n) => `${JSON.stringify({ prompt: `Question ${n} [held]` })}\n`).join(''));
      const uri = writePipeline(JSON.stringify({
        input: 'held.jsonl',
        models: { profiles: { sim: { baseURL: server.baseURL, model: 'sim-small', concurrency: 2, pricePerMillionInput: 1, pricePerMillionOutput: 2 } }, roles: { teacher: 'sim' } },
        steps: [{ type: 'generate', n: 1 }],
      }, null, 2));
      await vscode.window.showTextDocument(uri);
      const requests = () => server.chatRequests().filter((request) => request.rawBody.includes('[held]')).length;

      const cancel = new vscode.CancellationTokenSource();
      const first = vscode.commands.executeCommand<PipelineSummary | undefined>('distillery.runPipeline', uri, { cancellation: cancel.token });
      await until('requests to reach the server', () => (requests() >= 1 ? true : undefined));
      cancel.cancel();
      const stopped = await first;
      assert.ok(stopped);
      assert.equal(stopped.outcome, 'cancelled');
      release();

      const finished = await vscode.commands.executeCommand<PipelineSummary | undefined>('distillery.runPipeline', uri);
      assert.ok(finished);
      assert.equal(finished.outcome, 'success');
      const output = finished.steps[0]?.output;
      assert.ok(output);
      const rows = readJsonl(output);
      assert.equal(rows.length, 4);
      assert.deepEqual(new Set(rows.map((row) => JSON.stringify(row.prompt ?? row.messages))).size, 4, 'each input row exactly once');
      assert.ok(finished.costUsd > 0, 'the profile\'s prices give a cost');
    });

    it('Dry Run estimates the requests and cost in a new document, and sends nothing', async () => {
      const prompts = path.join(folder, 'dry.jsonl');
      fs.writeFileSync(prompts, [1, 2, 3].map((n) => `${JSON.stringify({ prompt: `Dry question ${n} [dry]` })}\n`).join(''));
      const uri = writePipeline(JSON.stringify({
        input: 'dry.jsonl',
        models: { profiles: { sim: { baseURL: server.baseURL, model: 'sim-small', pricePerMillionInput: 1, pricePerMillionOutput: 2 } }, roles: { teacher: 'sim' } },
        steps: [{ type: 'generate' }],
      }, null, 2));
      await vscode.window.showTextDocument(uri);
      const sentBefore = server.chatRequests().length;
      const estimate = await vscode.commands.executeCommand<{ requests: number; exact: boolean; costUsdUpTo: number | undefined } | undefined>('distillery.dryRunPipeline', uri);
      assert.ok(estimate, 'the command returns the estimate');
      assert.equal(estimate.requests, 3, 'one call per prompt');
      assert.equal(estimate.exact, true);
      assert.ok((estimate.costUsdUpTo ?? 0) > 0);
      assert.equal(server.chatRequests().length, sentBefore, 'nothing was sent');
      const shown = vscode.window.activeTextEditor?.document;
      assert.equal(shown?.languageId, 'markdown');
      assert.match(shown?.getText() ?? '', /^# Dry run of p\d+\n[\s\S]*\| generate \| generate \| 3 \| 3 \|/);
    });

    it('refuses to run a pipeline with problems, naming the first', async () => {
      const uri = writePipeline('{ "input": "prompts.jsonl", "steps": [{ "type": "dedupe" }] }');
      await vscode.window.showTextDocument(uri);
      const result = await vscode.commands.executeCommand('distillery.runPipeline', uri);
      assert.equal(result, undefined);
      const log = await until('the refusal in the log', () => {
        const text = readAll(api.logDirectory);
        return text.includes(`p${written}.distillery.jsonc:1:49: unknown step type "dedupe"`) ? text : undefined;
      });
      assert.match(log, /The pipeline has 1 problem \(see Problems\)/);
      assert.equal(fs.existsSync(path.join(folder, `p${written}.out`)), false);
    });
  });
}
