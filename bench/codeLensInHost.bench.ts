/**
 * Distillery's CodeLens provider on a 100,000-row chat file, measured inside a real extension
 * host (code-server, as the integration tests run it): p50/p95 of provideCodeLenses through
 * `vscode.executeCodeLensProvider` and called directly, at five scroll positions and right after
 * edits, against a minimal provider that puts one lens on every line (a plain indexOf loop) in
 * the same host. The target (issue 3): provideCodeLenses p95 ≤ 50 ms in the extension host; it is
 * judged on the provider call itself, and the executeCodeLensProvider round trip is reported next
 * to the host's own floor for that command (one lens on a one-line file), which alone comes close
 * to 50 ms on these machines.
 *
 * The in-host half is bench/codeLensInHost.host.ts, bundled here with esbuild; the host run
 * reuses scripts/lib/hostRunner.mjs (the integration tests' runner).
 *
 * Environment: DISTILLERY_BENCH_DIAGNOSTICS=off turns Distillery's diagnostics off in that host, to
 * tell their background work apart; DISTILLERY_BENCH_BUILTINS=on leaves VS Code's built-in
 * merge-conflict lenses/decorations and document links on (see below); DISTILLERY_BENCH_PROFILE=FILE writes a
 * CPU profile of the extension host during the timed part; DISTILLERY_BENCH_SETTLE_MS (default
 * 750) is the pause after each scroll before the timings, for the workbench to redraw.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import type { HostSamples } from './codeLensInHost.host';
import type { BenchResult } from './run';

const ROOT = path.resolve(__dirname, '..');
const ROWS = 100_000;
const TARGET_P95_MS = 50;

interface HostRunnerModule {
  runExtensionTestsInCodeServer(options: {
    folder: string;
    testsEntry: string;
    env?: Record<string, string>;
    timeoutMs?: number;
    runKind?: string;
    onOutput?: (type: string, text: string) => void;
    log?: (message: string) => void;
  }): Promise<number>;
}

interface LibModule {
  ensureSystemPackages(): void;
  ensureCodeServer(): void;
}

async function importScript<T>(relative: string): Promise<T> {
  return (await import(pathToFileURL(path.join(ROOT, relative)).href)) as T;
}

function chatRow(i: number): string {
  return JSON.stringify({
    messages: [
      { role: 'system', content: 'You are a helpful assistant.' },
      { role: 'user', content: `Question number ${i}: what is ${i} + ${i}, and why?` },
      { role: 'assistant', content: `The answer is ${2 * i}. Adding a number to itself doubles it, so ${i} + ${i} = ${2 * i}.` },
    ],
  });
}

function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

function stats(values: readonly number[]): { p50: number; p95: number; n: number } {
  return { p50: percentile(values, 50), p95: percentile(values, 95), n: values.length };
}

const ms = (value: number): string => `${value.toFixed(value < 10 ? 2 : 1)} ms`;

export async function run(): Promise<BenchResult> {
  const lib = await importScript<LibModule>('scripts/lib/index.mjs');
  const runner = await importScript<HostRunnerModule>('scripts/lib/hostRunner.mjs');
  lib.ensureSystemPackages();
  lib.ensureCodeServer();

  // The extension as the host loads it, and the in-host bench bundle.
  const extensionBuild = spawnSync(process.execPath, ['esbuild.js'], { cwd: ROOT, stdio: 'inherit' });
  if (extensionBuild.status !== 0) throw new Error('node esbuild.js failed');
  const workDir = path.join(ROOT, '.cache', 'bench', 'codelens');
  fs.rmSync(workDir, { recursive: true, force: true });
  const bundleDir = path.join(workDir, 'host');
  const workspace = path.join(workDir, 'workspace');
  fs.mkdirSync(workspace, { recursive: true });
  await build({
    entryPoints: { index: path.join(ROOT, 'bench', 'codeLensInHost.host.ts') },
    outdir: bundleDir,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    mainFields: ['module', 'main'],
    external: ['vscode'],
    logLevel: 'warning',
  });

  const text = `${Array.from({ length: ROWS }, (_, i) => chatRow(i)).join('\n')}\n`;
  fs.writeFileSync(path.join(workspace, 'big.jsonl'), text);
  fs.writeFileSync(path.join(workspace, 'big.reference'), text);
  fs.writeFileSync(path.join(workspace, 'tiny.floor'), `${chatRow(0)}\n`);
  const resultsFile = path.join(workDir, 'samples.json');
  if (process.env.DISTILLERY_BENCH_BUILTINS !== 'on') {
    // Two of VS Code's own features read the whole 20 MB document in the same extension host:
    // the built-in merge-conflict extension (getText for its lenses and decorations, after every
    // change) and document-link detection (computeLinks over every line, ~180 ms here). Whatever
    // request waits behind them is charged their cost, so with them on the p95 measures them
    // (CPU profile of the host: DISTILLERY_BENCH_PROFILE). DISTILLERY_BENCH_BUILTINS=on keeps them.
    fs.mkdirSync(path.join(workspace, '.vscode'));
    fs.writeFileSync(
      path.join(workspace, '.vscode', 'settings.json'),
      JSON.stringify({ 'merge-conflict.codeLens.enabled': false, 'merge-conflict.decorators.enabled': false, 'editor.links': false }, null, 2),
    );
  }

  const output: string[] = [];
  const code = await runner.runExtensionTestsInCodeServer({
    folder: workspace,
    testsEntry: path.join(bundleDir, 'index'),
    env: { DISTILLERY_BENCH_OUT: resultsFile, DISTILLERY_BENCH_DIAGNOSTICS: process.env.DISTILLERY_BENCH_DIAGNOSTICS ?? 'on', DISTILLERY_BENCH_PROFILE: process.env.DISTILLERY_BENCH_PROFILE ?? '',
      DISTILLERY_BENCH_SETTLE_MS: process.env.DISTILLERY_BENCH_SETTLE_MS ?? '',
    },
    timeoutMs: 600_000,
    runKind: 'bench',
    onOutput: (_type, line) => output.push(line),
  });
  if (code !== 0 || !fs.existsSync(resultsFile)) {
    throw new Error(`the in-host run failed (exit ${code}):\n${output.slice(-30).join('\n')}`);
  }
  const samples = JSON.parse(fs.readFileSync(resultsFile, 'utf8')) as HostSamples;
  fs.rmSync(workspace, { recursive: true, force: true });

  const oursExecute = stats([...samples.oursExecute, ...samples.oursAfterEditExecute]);
  const scroll = stats(samples.oursExecute);
  const afterEdit = stats(samples.oursAfterEditExecute);
  const direct = stats([...samples.oursDirect, ...samples.oursAfterEditDirect]);
  const directAfterEdit = stats(samples.oursAfterEditDirect);
  const reference = stats(samples.referenceExecute);
  const referenceDirect = stats(samples.referenceDirect);
  const floor = stats(samples.floorExecute);
  const floorAfterEdit = stats(samples.floorAfterEditExecute);
  const ratio = oursExecute.p95 / reference.p95;
  const builtins = process.env.DISTILLERY_BENCH_BUILTINS === 'on' ? 'on' : 'off';
  const diagnosticsState = process.env.DISTILLERY_BENCH_DIAGNOSTICS === 'off' ? 'off' : 'on';
  const verdict = direct.p95 <= TARGET_P95_MS ? 'meets' : 'MISSES';
  return {
    summary:
      `provideCodeLenses on ${samples.lineCount.toLocaleString('en-US')} rows: p95 ${ms(direct.p95)} in the host (${verdict} the ${TARGET_P95_MS} ms target) = ` +
      `${(direct.p95 / referenceDirect.p95).toFixed(3)} × the one-lens-per-line reference (p95 ${ms(referenceDirect.p95)}); ` +
      `round trip via executeCodeLensProvider p95 ${ms(oursExecute.p95)} (the host's floor for that command: p95 ${ms(floor.p95)}; reference ${ms(reference.p95)})`,
    details: [
      `host: Distillery diagnostics ${diagnosticsState}, VS Code's whole-document merge-conflict scan and link detection ${builtins}`,
      `ours, executeCodeLensProvider, all:        p50 ${ms(oursExecute.p50)}  p95 ${ms(oursExecute.p95)}  (n=${oursExecute.n}, ≤${samples.oursLensCount} lenses)`,
      `ours, executeCodeLensProvider, scrolled:   p50 ${ms(scroll.p50)}  p95 ${ms(scroll.p95)}  (n=${scroll.n}, 5 positions)`,
      `ours, executeCodeLensProvider, after edit: p50 ${ms(afterEdit.p50)}  p95 ${ms(afterEdit.p95)}  (n=${afterEdit.n})`,
      `ours, provider called directly:            p50 ${ms(direct.p50)}  p95 ${ms(direct.p95)}  (after edit: p95 ${ms(directAfterEdit.p95)})`,
      `floor: executeCodeLensProvider, 1 lens:   p50 ${ms(floor.p50)}  p95 ${ms(floor.p95)}  (n=${floor.n}, interleaved with ours: the command's own cost in this host)`,
      `floor, right after an edit of the big file: p50 ${ms(floorAfterEdit.p50)}  p95 ${ms(floorAfterEdit.p95)}  (n=${floorAfterEdit.n})`,
      `reference, executeCodeLensProvider:        p50 ${ms(reference.p50)}  p95 ${ms(reference.p95)}  (n=${reference.n}, ${samples.referenceLensCount.toLocaleString('en-US')} lenses)`,
      `reference, provider called directly:       p50 ${ms(referenceDirect.p50)}  p95 ${ms(referenceDirect.p95)}`,
      `extension host during the timings: event-loop delay p99 ${ms(samples.loopDelayP99)}, max ${ms(samples.loopDelayMax)}; GC pauses max ${ms(samples.gcMaxPause)}, total ${ms(samples.gcTotal)}`,
      `ratio ours/reference (p95, executeCodeLensProvider): ${ratio.toFixed(3)}; direct: ${(direct.p95 / referenceDirect.p95).toFixed(3)}`,
    ],
    metrics: {
      oursExecuteP50: oursExecute.p50,
      oursExecuteP95: oursExecute.p95,
      oursAfterEditP95: afterEdit.p95,
      oursDirectP50: direct.p50,
      oursDirectP95: direct.p95,
      referenceExecuteP50: reference.p50,
      referenceExecuteP95: reference.p95,
      referenceDirectP95: referenceDirect.p95,
      floorExecuteP50: floor.p50,
      floorExecuteP95: floor.p95,
      floorAfterEditP95: floorAfterEdit.p95,
      ratio,
    },
  };
}
