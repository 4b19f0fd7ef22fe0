// Score Row and Cancel in the editor, against the project's OpenAI-compatible test server started
// inside the extension host. Its simulated judge grades an answer from its [[quality:x]] marker
// (grade = 1 + 4·quality, rounded), so the right score is known.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { JudgeRowOutcome } from '../../src/extension/judging/rowJudging';
import type { DistilleryTestApi } from '../../src/extension/models/testApi';
import type { ScoreRowOutcome } from '../../src/extension/scoring/rowScoring';
import type { RowVerdictView } from '../../src/webview/verdict/protocol';
import { EXTENSION_ID, until } from '../support/extensionHost';
import { startTestServer, type Rule, type RuleHandle, type TestServer } from '../support/openaiServer';

interface ScoredLine {
  distillery?: {
    human?: unknown;
    score?: { reward: number; scores: Array<{ rubric: string; score: number; rationale: string; judge: string; model: string }> };
    rejectedScore?: { reward: number; scores: Array<{ rubric: string; score: number }> };
    rewardMargin?: number;
  };
}

const CONSTITUTION = [
  '# Quality',
  '',
  '## Principle: concise',
  'Critique: Find padding.',
  'Revision: Cut it.',
  'Compare: Which answer is more concise?',
  '',
  '## Rubric: accuracy',
  'Criterion: Is every statement correct? [rubric-accuracy]',
  'Score 1: Mostly wrong.',
  'Score 5: Entirely correct.',
  '',
  '## Rubric: clarity',
  'Criterion: Is the answer easy to follow? [rubric-clarity]',
  'Score 1: Confusing.',
  'Score 5: Clear.',
  '',
].join('\n');

describe('score row and cancel', function () {
  this.timeout(120_000);
  let server: TestServer;
  let api: DistilleryTestApi;
  let restorePrompts: () => void;
  let dir: string;
  const settings = () => vscode.workspace.getConfiguration('distillery');
  const changed = ['profiles', 'roles', 'judge.constitution', 'judge.samples', 'score.rubrics'];

  before(async () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension);
    api = (await extension.activate()) as DistilleryTestApi;
    server = await startTestServer({ seed: 7 });
    restorePrompts = api.answerPrompts({ approveOrigin: async () => true });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'distillery-score-'));
    const constitution = path.join(dir, 'grading.constitution.md');
    fs.writeFileSync(constitution, CONSTITUTION);
    await settings().update('profiles', { grader: { baseURL: server.baseURL, model: 'sim-judge', concurrency: 4 } }, vscode.ConfigurationTarget.Global);
    await settings().update('roles', { judge: 'grader' }, vscode.ConfigurationTarget.Global);
    await settings().update('judge.constitution', constitution, vscode.ConfigurationTarget.Global);
    await settings().update('judge.samples', 1, vscode.ConfigurationTarget.Global);
    await until('the judge role to apply', () => (api.models.settings.roles.judges.includes('grader') ? true : undefined));
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

  /** A reply the test lets go of: requests carrying `marker` wait until `release()`. */
  function holdReplies(marker: string): { asked: () => number; release: () => void } {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    releases.push(release);
    let asked = 0;
    rule({
      match: { marker },
      reply: async (_request, context) => {
        asked++;
        await held;
        return context.judge();
      },
    });
    return { asked: () => asked, release };
  }

  let opened = 0;
  async function openDataset(text: string): Promise<vscode.TextEditor> {
    const file = path.join(dir, `rows-${++opened}.jsonl`);
    fs.writeFileSync(file, text);
    return vscode.window.showTextDocument(vscode.Uri.file(file));
  }

  afterEach(async () => {
    for (const release of releases.splice(0)) release();
    for (const handle of rules.splice(0)) handle.remove();
    await settings().update('score.rubrics', undefined, vscode.ConfigurationTarget.Global);
    for (let i = 0; i < 10 && vscode.window.activeTextEditor; i++) await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it("the row's Score lens grades its answer on every rubric, writes distillery.score, shows it in the verdict view, and one undo restores the row byte for byte", async () => {
    // Spacing, key order and a non-ASCII character that a re-serialisation would change.
    const row = '{ "messages" : [ {"role":"user","content":"Why is the sky blue? [sft]"}, {"role":"assistant","content":"Rayleigh scattering — short wavelengths scatter more. [[quality:0.9]]"} ],  "id": 7 }';
    const other = '{"messages":[{"role":"user","content":"untouched"},{"role":"assistant","content":"yes"}]}';
    const { document } = await openDataset(`${other}\n${row}\n`);
    const before = document.getText();

    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', document.uri, 10);
    const lens = lenses.find((l) => l.range.start.line === 1 && l.command?.title === 'Score');
    assert.ok(lens?.command, 'a Score lens on the row with an answer');
    const outcome = (await vscode.commands.executeCommand(lens.command.command, ...(lens.command.arguments ?? []))) as ScoreRowOutcome;

    assert.equal(outcome.applied, true, outcome.message);
    assert.equal(document.lineAt(0).text, other, 'the other row is untouched');
    const written = JSON.parse(document.lineAt(1).text) as ScoredLine & { id: number };
    assert.equal(written.id, 7);
    const score = written.distillery?.score;
    assert.ok(score, 'distillery.score is written');
    assert.deepEqual(score.scores.map((s) => [s.rubric, s.score, s.judge, s.model]), [['accuracy', 5, 'grader', 'sim-judge'], ['clarity', 5, 'grader', 'sim-judge']], 'quality 0.9 grades 5 on each rubric');
    assert.equal(score.reward, 5);
    assert.ok(score.scores.every((s) => s.rationale.trim() !== ''), 'each grade has its rationale');
    assert.equal(written.distillery?.rejectedScore, undefined, 'an SFT row has one answer');
    const asked = server.chatRequests().filter((r) => r.rawBody.includes('[sft]'));
    assert.equal(asked.length, 2, 'one request per rubric');

    const shown = (await vscode.commands.executeCommand('distillery.showVerdictPanel')) as RowVerdictView | undefined;
    assert.equal(shown?.line, 2, 'the view shows the scored row');
    assert.deepEqual(shown?.score?.answer.scores.map((s) => [s.rubric, s.score]), [['accuracy', 5], ['clarity', 5]]);
    assert.ok(shown?.score?.answer.scores[0]?.rationale, 'the view shows the rationales');

    await vscode.window.showTextDocument(document);
    await vscode.commands.executeCommand('undo');
    assert.equal(document.getText(), before, 'one undo restores the row byte for byte');
  });

  it('grades both answers of a preference row, on the rubrics distillery.score.rubrics names, keeping the human label', async () => {
    await settings().update('score.rubrics', ['clarity'], vscode.ConfigurationTarget.Global);
    const human = { winner: 'A', by: 'reviewer', time: '2026-01-01T00:00:00.000Z' };
    const row = JSON.stringify({ prompt: 'Largest planet? [pair]', chosen: 'Jupiter. [[quality:0.95]]', rejected: 'Pluto. [[quality:0.1]]', distillery: { human } });
    const { document } = await openDataset(`${row}\n`);
    const outcome = (await vscode.commands.executeCommand('distillery.scoreRow', document.uri, 1)) as ScoreRowOutcome;
    assert.equal(outcome.applied, true, outcome.message);
    const written = JSON.parse(document.lineAt(0).text) as ScoredLine;
    const score = written.distillery?.score;
    assert.deepEqual(score?.scores.map((s) => [s.rubric, s.score]), [['clarity', 5]], 'the chosen answer, on clarity only');
    assert.deepEqual(written.distillery?.rejectedScore?.scores.map((s) => [s.rubric, s.score]), [['clarity', 1]], 'the rejected answer too, at distillery.rejectedScore');
    assert.equal(written.distillery?.rewardMargin, 4, "chosen's reward minus rejected's");
    const shown = (await vscode.commands.executeCommand('distillery.showVerdictPanel')) as RowVerdictView | undefined;
    assert.deepEqual([shown?.score?.answer.reward, shown?.score?.rejected?.reward], [5, 1], 'the view shows both answers\' grades');
    assert.deepEqual(written.distillery?.human, human, "the person's label stays");
    const asked = server.chatRequests().filter((r) => r.rawBody.includes('[pair]'));
    assert.equal(asked.length, 2, 'one request per answer');
    assert.ok(asked.every((r) => r.rawBody.includes('[rubric-clarity]') && !r.rawBody.includes('[rubric-accuracy]')), 'only the named rubric is asked');
  });

  it('names a rubric id in distillery.score.rubrics that the constitution lacks, and asks nothing', async () => {
    await settings().update('score.rubrics', ['clarity', 'brevity'], vscode.ConfigurationTarget.Global);
    const { document } = await openDataset(`${JSON.stringify({ prompt: 'Hi [missing-rubric]', completion: 'Hello. [[quality:0.5]]' })}\n`);
    const before = document.getText();
    // The command reports the failure itself (an error message) and resolves with nothing.
    const outcome = await vscode.commands.executeCommand('distillery.scoreRow', document.uri, 1);
    assert.equal(outcome, undefined);
    assert.equal(document.getText(), before);
    assert.equal(server.chatRequests().filter((r) => r.rawBody.includes('[missing-rubric]')).length, 0);
  });

  it('refuses to write the score when the row was edited while the judge worked', async () => {
    const hold = holdReplies('[edit]');
    const { document } = await openDataset(`${JSON.stringify({ prompt: 'Two plus two? [edit]', completion: 'Four. [[quality:0.9]]' })}\n`);
    const running = vscode.commands.executeCommand('distillery.scoreRow', document.uri, 1) as Thenable<ScoreRowOutcome>;
    await until('the judge to be asked', () => (hold.asked() > 0 ? true : undefined), 30_000);
    const editor = await vscode.window.showTextDocument(document);
    assert.ok(await editor.edit((e) => e.insert(new vscode.Position(0, document.lineAt(0).text.length - 1), ', "note": "typed"')));
    const edited = document.getText();
    hold.release();
    const outcome = await running;
    assert.equal(outcome.applied, false);
    assert.match(outcome.message, /not written.*edited/);
    assert.equal(document.getText(), edited, 'the edited row is left as the user typed it');
  });

  it("Cancel stops a score in progress without waiting for the judge's reply, and writes nothing", async () => {
    const hold = holdReplies('[cancel-score]');
    const { document } = await openDataset(`${JSON.stringify({ prompt: 'Capital of Peru? [cancel-score]', completion: 'Lima. [[quality:0.9]]' })}\n`);
    const before = document.getText();
    const running = vscode.commands.executeCommand('distillery.scoreRow', document.uri, 1) as Thenable<ScoreRowOutcome>;
    await until('the judge to be asked', () => (hold.asked() > 0 ? true : undefined), 30_000);
    const busy = (await vscode.commands.executeCommand('distillery.showVerdictPanel')) as RowVerdictView | undefined;
    assert.equal(busy?.status, 'scoring', 'the view shows the score in progress (with its Cancel button)');
    assert.equal(await vscode.commands.executeCommand('distillery.verdictCancel'), true, 'a call was running');
    // The judge's replies are still held: the outcome can only come from the cancel.
    const outcome = await running;
    assert.equal(outcome.applied, false);
    assert.equal(outcome.cancelled, true, outcome.message);
    assert.match(outcome.message, /cancelled; nothing was changed/);
    hold.release();
    assert.equal(document.getText(), before);
    assert.equal(document.isDirty, false);
    const after = (await vscode.commands.executeCommand('distillery.showVerdictPanel')) as RowVerdictView | undefined;
    assert.equal(after?.status, undefined, 'the view no longer shows the score in progress');
    assert.equal(await vscode.commands.executeCommand('distillery.verdictCancel'), false, 'nothing left to cancel');
  });

  it("Cancel stops a judging in progress without waiting for the judges' replies, and writes nothing", async () => {
    const hold = holdReplies('[cancel-judge]');
    const { document } = await openDataset(`${JSON.stringify({ prompt: 'Capital of Chile? [cancel-judge]', chosen: 'Santiago. [[quality:0.9]]', rejected: 'Lima. [[quality:0.1]]' })}\n`);
    const before = document.getText();
    const running = vscode.commands.executeCommand('distillery.judgeRow', document.uri, 1) as Thenable<JudgeRowOutcome>;
    await until('the judges to be asked', () => (hold.asked() > 0 ? true : undefined), 30_000);
    assert.equal(((await vscode.commands.executeCommand('distillery.showVerdictPanel')) as RowVerdictView | undefined)?.status, 'judging');
    assert.equal(await vscode.commands.executeCommand('distillery.verdictCancel'), true);
    const outcome = await running;
    assert.equal(outcome.applied, false);
    assert.equal(outcome.cancelled, true, outcome.message);
    hold.release();
    assert.equal(document.getText(), before);
    assert.equal(document.isDirty, false);
  });
});
