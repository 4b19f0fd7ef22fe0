/**
 * The in-host half of bench/codeLensInHost.bench.ts: VS Code's extension host loads this bundle as
 * its "extension tests" and calls run(). It times Distillery's CodeLens provider on a 100,000-row
 * file at several scroll positions and after edits, both through `vscode.executeCodeLensProvider`
 * (what the editor pays: the RPC round trip included) and by calling a provider instance made
 * from the same source directly; and, as the reference, a minimal provider that puts one lens on
 * every line from a plain indexOf loop. Raw samples go to the JSON file named by
 * DISTILLERY_BENCH_OUT; the bench computes the percentiles.
 */
import * as fs from 'node:fs';
import { Session } from 'node:inspector';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import * as vscode from 'vscode';
import { DatasetCodeLensProvider } from '../src/extension/datasetCodeLens';

export interface HostSamples {
  /** Milliseconds per call. */
  readonly oursExecute: number[];
  readonly oursDirect: number[];
  readonly oursAfterEditExecute: number[];
  readonly oursAfterEditDirect: number[];
  /** A provider with one lens on a one-line document: what executeCodeLensProvider costs by itself. */
  readonly floorExecute: number[];
  /** The same right after an edit of the big file (the editor reacts to edits of a 100k-line model too). */
  readonly floorAfterEditExecute: number[];
  readonly referenceExecute: number[];
  readonly referenceDirect: number[];
  /** The extension host's event-loop delay during the timed part (ms): what blocked it. */
  loopDelayP99: number;
  loopDelayMax: number;
  /** Garbage-collection pauses in the extension host during the timed part (ms). */
  gcMaxPause: number;
  gcTotal: number;
  oursLensCount: number;
  referenceLensCount: number;
  lineCount: number;
}

const POSITIONS = [0, 25_000, 50_000, 75_000, 99_950];
const CALLS_PER_POSITION = 20;
const EDITS_PER_POSITION = 6;
const REFERENCE_CALLS = 10;
const SETTLE_AFTER_SCROLL_MS = Number(process.env.DISTILLERY_BENCH_SETTLE_MS) || 750;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function time<T>(samples: number[], f: () => T | Thenable<T>): Promise<T> {
  const started = performance.now();
  const result = await f();
  samples.push(performance.now() - started);
  return result;
}

/** One lens per line, found with indexOf: the least a provider over every line can do. */
class ReferenceProvider implements vscode.CodeLensProvider {
  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const text = document.getText();
    const lenses: vscode.CodeLens[] = [];
    let line = 0;
    for (let start = 0; start < text.length; line++) {
      lenses.push(new vscode.CodeLens(new vscode.Range(line, 0, line, 0), { title: 'row', command: '' }));
      const newline = text.indexOf('\n', start);
      if (newline === -1) break;
      start = newline + 1;
    }
    return lenses;
  }
}

async function scrollTo(editor: vscode.TextEditor, line: number): Promise<void> {
  editor.revealRange(new vscode.Range(line, 0, line, 0), vscode.TextEditorRevealType.AtTop);
  const deadline = Date.now() + 5000;
  while (!editor.visibleRanges.some((r) => r.contains(new vscode.Position(line, 0))) && Date.now() < deadline) await sleep(20);
  // Let the provider's scroll debounce (100 ms) and the workbench's redraw of the lenses pass:
  // timed right after a scroll, every command (the 1-lens floor too) waits behind that redraw.
  await sleep(SETTLE_AFTER_SCROLL_MS);
}

export async function run(): Promise<void> {
  const out = process.env.DISTILLERY_BENCH_OUT;
  if (!out) throw new Error('DISTILLERY_BENCH_OUT is not set');
  await vscode.extensions.getExtension('distillery.distillery')?.activate();
  if (process.env.DISTILLERY_BENCH_DIAGNOSTICS === 'off') {
    // To tell the diagnostics' background work apart from the provider's own cost.
    await vscode.workspace.getConfiguration('distillery').update('diagnostics.enabled', false, vscode.ConfigurationTarget.Global);
  }
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('no workspace folder');
  const bigUri = vscode.Uri.joinPath(folder.uri, 'big.jsonl');
  const referenceUri = vscode.Uri.joinPath(folder.uri, 'big.reference');

  const reference = new ReferenceProvider();
  const registration = vscode.languages.registerCodeLensProvider({ pattern: '**/*.reference' }, reference);
  const floorRegistration = vscode.languages.registerCodeLensProvider(
    { pattern: '**/*.floor' },
    { provideCodeLenses: () => [new vscode.CodeLens(new vscode.Range(0, 0, 0, 0), { title: 'row', command: '' })] },
  );
  const floorUri = vscode.Uri.joinPath(folder.uri, 'tiny.floor');
  await vscode.workspace.openTextDocument(floorUri);
  const settingsChanged = new vscode.EventEmitter<unknown>();
  const direct = new DatasetCodeLensProvider({ enabled: () => true, onDidChangeSettings: settingsChanged.event });
  const token = new vscode.CancellationTokenSource().token;

  const samples: HostSamples = {
    oursExecute: [],
    oursDirect: [],
    oursAfterEditExecute: [],
    oursAfterEditDirect: [],
    floorExecute: [],
    floorAfterEditExecute: [],
    referenceExecute: [],
    referenceDirect: [],
    loopDelayP99: 0,
    loopDelayMax: 0,
    gcMaxPause: 0,
    gcTotal: 0,
    oursLensCount: 0,
    referenceLensCount: 0,
    lineCount: 0,
  };
  try {
    const document = await vscode.workspace.openTextDocument(bigUri);
    const editor = await vscode.window.showTextDocument(document);
    samples.lineCount = document.lineCount;
    await sleep(3000); // the first diagnostics pass of the file runs now, not during the timings
    const loopDelay = monitorEventLoopDelay({ resolution: 5 });
    loopDelay.enable();
    const gc = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        samples.gcTotal += entry.duration;
        samples.gcMaxPause = Math.max(samples.gcMaxPause, entry.duration);
      }
    });
    gc.observe({ entryTypes: ['gc'] });
    // DISTILLERY_BENCH_PROFILE=FILE: a CPU profile of the extension host during the timed part.
    const profileFile = process.env.DISTILLERY_BENCH_PROFILE;
    const session = profileFile ? new Session() : undefined;
    const post = (method: string, params?: object) =>
      new Promise<unknown>((resolve, reject) => session?.post(method, params, (error, result) => (error ? reject(error) : resolve(result))));
    if (session) {
      session.connect();
      await post('Profiler.enable');
      await post('Profiler.setSamplingInterval', { interval: 500 });
      await post('Profiler.start');
    }

    for (const position of POSITIONS) {
      await scrollTo(editor, position);
      // Warm-up: the first call at a position parses its rows.
      await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', bigUri);
      for (let i = 0; i < CALLS_PER_POSITION; i++) {
        const lenses = await time(samples.oursExecute, () => vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', bigUri));
        samples.oursLensCount = Math.max(samples.oursLensCount, lenses.length);
        await time(samples.oursDirect, () => direct.provideCodeLenses(document, token));
        await time(samples.floorExecute, () => vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', floorUri));
      }
      for (let i = 0; i < EDITS_PER_POSITION; i++) {
        // Type one character into a visible row's answer, as a user would.
        const line = Math.min(position + 5 + i, document.lineCount - 1);
        const text = document.lineAt(line).text;
        const at = text.lastIndexOf('"}') > 0 ? text.lastIndexOf('"}') : text.length;
        await editor.edit((e) => e.insert(new vscode.Position(line, at), 'x'));
        await time(samples.oursAfterEditExecute, () => vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', bigUri));
        await editor.edit((e) => e.insert(new vscode.Position(line, at), 'y'));
        await time(samples.oursAfterEditDirect, () => direct.provideCodeLenses(document, token));
        await editor.edit((e) => e.insert(new vscode.Position(line, at), 'z'));
        await time(samples.floorAfterEditExecute, () => vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', floorUri));
      }
    }
    loopDelay.disable();
    gc.disconnect();
    if (session && profileFile) {
      const { profile } = (await post('Profiler.stop')) as { profile: unknown };
      fs.writeFileSync(profileFile, JSON.stringify(profile));
      session.disconnect();
    }
    samples.loopDelayP99 = loopDelay.percentile(99) / 1e6;
    samples.loopDelayMax = loopDelay.max / 1e6;
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');

    const referenceDocument = await vscode.workspace.openTextDocument(referenceUri);
    await vscode.window.showTextDocument(referenceDocument);
    await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', referenceUri);
    for (let i = 0; i < REFERENCE_CALLS; i++) {
      const lenses = await time(samples.referenceExecute, () => vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', referenceUri));
      samples.referenceLensCount = lenses.length;
      await time(samples.referenceDirect, () => reference.provideCodeLenses(referenceDocument));
    }
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  } finally {
    registration.dispose();
    floorRegistration.dispose();
    direct.dispose();
    settingsChanged.dispose();
    fs.writeFileSync(out, JSON.stringify(samples));
  }
}
