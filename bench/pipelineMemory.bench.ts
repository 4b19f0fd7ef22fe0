/**
 * Memory of a curation pipeline over a large file: a generated JSONL of mixed chat, preference and
 * Alpaca rows (realistic lengths, metadata, planted exact and near-duplicate prompts) — 1 GiB by
 * default, BENCH_MEMORY_MB=… for a quick run — streamed through filter → dedup → balance →
 * convert → export → report by runPipeline, in child processes:
 * - once as it is, sampling `process.memoryUsage().heapUsed` every 5 ms: the peak heap;
 * - once under `--max-old-space-size=500`: the hard proof that it fits (a heap that needed more
 *   would end the child with "JavaScript heap out of memory").
 * Speed: MB/s of the pipeline, and as the ratio its time over a reference measured in the same
 * run: a plain read of the same file counting its lines (the least any step must do per pass).
 */
import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, open, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { once } from 'node:events';
import type { BenchResult } from './run';
import { UsageLedger } from '../src/core/llm/accounting';
import { seededRandom } from '../src/core/random';
import type { PipelineDefinition, PipelineStep } from '../src/core/pipeline/run/pipelineTypes';
import type { PipelineEvent, PipelineModels, PipelineSummary } from '../src/core/pipeline/run/runnerTypes';
import { runPipeline } from '../src/core/pipeline/run/runPipeline';

const HEAP_LIMIT_MB = 500;
const SAMPLE_MS = 5;
const MB = 1024 * 1024;

// ---- a deterministic generator of realistic rows ----

/** A vocabulary with a skewed (roughly Zipfian) use, so that distinct-n looks like text's. */
function vocabulary(random: () => number, size: number): string[] {
  const letters = 'etaoinshrdlucmfwypvbgkqjxz';
  return Array.from({ length: size }, () => {
    const length = 2 + Math.floor(random() * random() * 10);
    let word = '';
    for (let i = 0; i < length; i++) word += letters[Math.floor(random() * random() * letters.length)];
    return word;
  });
}

interface Generator {
  /** The next JSONL line (no newline). */
  next(): string;
}

function rowGenerator(seed: string): Generator {
  const random = seededRandom(seed);
  const words = vocabulary(random, 40_000);
  const word = () => words[Math.floor(words.length * random() ** 3)] as string;
  const text = (count: number) => {
    const parts: string[] = [];
    for (let i = 0; i < count; i++) parts.push(i % 14 === 13 ? `${word()}.` : word());
    return parts.join(' ');
  };
  const between = (low: number, high: number) => low + Math.floor(random() * (high - low));
  const teachers = ['gpt-4o', 'gpt-4o', 'gpt-4o', 'llama-3.1-70b', 'llama-3.1-70b', 'qwen2.5-72b'];
  /** Recent prompts and lines, to plant duplicates of. */
  const recentPrompts: string[] = [];
  const recentLines: string[] = [];
  const remember = (list: string[], value: string) => {
    if (list.length < 2000) list.push(value);
    else list[Math.floor(random() * list.length)] = value;
  };
  return {
    next() {
      const roll = random();
      if (roll < 0.02 && recentLines.length > 0) return recentLines[Math.floor(random() * recentLines.length)] as string; // exact duplicate
      let prompt: string;
      if (roll < 0.05 && recentPrompts.length > 0) {
        // A near-duplicate prompt: one or two words of a long prompt changed.
        const variant = (recentPrompts[Math.floor(random() * recentPrompts.length)] as string).split(' ');
        for (let e = between(1, 3); e > 0; e--) variant[Math.floor(random() * variant.length)] = word();
        prompt = variant.join(' ');
      } else prompt = text(between(20, 160));
      const answer = text(between(40, 520));
      const synthetic = random() < 0.8;
      const distillery = synthetic ? { provenance: 'synthetic', teacher: { model: teachers[Math.floor(random() * teachers.length)] as string } } : { provenance: 'human' };
      const kind = random();
      let row: Record<string, unknown>;
      if (kind < 0.55) row = { messages: [{ role: 'user', content: prompt }, { role: 'assistant', content: answer }], distillery };
      else if (kind < 0.8) row = { prompt, chosen: answer, rejected: text(between(20, 200)), distillery };
      else row = { instruction: prompt, input: random() < 0.3 ? text(between(5, 40)) : '', output: answer, distillery };
      const line = JSON.stringify(row);
      if (prompt.split(' ').length >= 60) remember(recentPrompts, prompt);
      remember(recentLines, line);
      return line;
    },
  };
}

async function generate(file: string, bytes: number): Promise<number> {
  const generator = rowGenerator('pipeline-memory');
  const out = createWriteStream(file);
  let written = 0;
  let rows = 0;
  while (written < bytes) {
    const lines: string[] = [];
    let chunk = 0;
    while (chunk < 4 * MB && written + chunk < bytes) {
      const line = generator.next();
      lines.push(line);
      chunk += Buffer.byteLength(line) + 1;
      rows++;
    }
    written += chunk;
    if (!out.write(`${lines.join('\n')}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return rows;
}

/** The reference: read the file in 1 MiB chunks and count its lines. */
async function countLines(file: string): Promise<number> {
  const handle = await open(file, 'r');
  try {
    const chunk = Buffer.allocUnsafe(MB);
    let lines = 0;
    for (;;) {
      const { bytesRead } = await handle.read(chunk, 0, MB, null);
      if (bytesRead === 0) return lines;
      for (let at = chunk.indexOf(10); at !== -1 && at < bytesRead; at = chunk.indexOf(10, at + 1)) lines++;
    }
  } finally {
    await handle.close();
  }
}

// ---- the pipeline, run in a child process ----

function pipelineOf(input: string, outputDir: string, rows: number): PipelineDefinition {
  const location = { file: path.join(outputDir, 'bench.distillery.jsonc'), line: 1, column: 1 };
  const steps: PipelineStep[] = [
    { type: 'filter', id: 'filter', index: 1, location, minLength: 200 },
    { type: 'dedup', id: 'dedup', index: 2, location, field: 'prompt' },
    // A cap that binds for the largest teacher only.
    { type: 'balance', id: 'balance', index: 3, location, by: 'teacher', settings: { mode: 'cap', cap: Math.max(1, Math.round(rows * 0.3)), random: true, seed: 'bench' } },
    { type: 'convert', id: 'convert', index: 4, location, to: 'messages' },
    { type: 'export', id: 'export', index: 5, location, to: path.join(outputDir, 'train.jsonl') },
    { type: 'report', id: 'report', index: 6, location },
  ];
  return { file: location.file, name: 'bench', input, outputDir, steps, sha256: '0'.repeat(64) };
}

/** Curation steps call no model; the runner only reads the (empty) ledger for its manifest. */
function noModels(): PipelineModels {
  const refuse = (): never => {
    throw new Error('the memory bench runs curation steps only');
  };
  return { model: refuse, teachers: [], critic: undefined, judges: [], ledger: new UsageLedger() };
}

interface ChildReport {
  readonly ms: number;
  readonly peakHeapMB: number;
  readonly peakArrayBuffersMB: number;
  readonly peakRssMB: number;
  readonly outcome: string;
  readonly steps: readonly { id: string; status: string; ms: number | undefined; rowsIn: number | undefined; rowsOut: number | undefined; details: unknown }[];
}

async function childMain(input: string, outputDir: string, rows: number): Promise<void> {
  let peakHeap = 0;
  let peakArrayBuffers = 0;
  let peakRss = 0;
  const sample = () => {
    const usage = process.memoryUsage();
    peakHeap = Math.max(peakHeap, usage.heapUsed);
    peakArrayBuffers = Math.max(peakArrayBuffers, usage.arrayBuffers);
    peakRss = Math.max(peakRss, usage.rss);
  };
  const timer = setInterval(sample, SAMPLE_MS);
  const started = performance.now();
  const stepStarts = new Map<string, number>();
  const stepMs = new Map<string, number>();
  const onEvent = (event: PipelineEvent) => {
    sample();
    if (event.kind === 'step-start') stepStarts.set(event.step.id, performance.now());
    if (event.kind === 'step-end') stepMs.set(event.step.id, performance.now() - (stepStarts.get(event.step.id) ?? started));
  };
  let summary: PipelineSummary;
  try {
    summary = await runPipeline({ pipeline: pipelineOf(input, outputDir, rows), models: noModels(), onEvent });
  } finally {
    clearInterval(timer);
  }
  const ms = performance.now() - started;
  sample();
  const report: ChildReport = {
    ms,
    peakHeapMB: peakHeap / MB,
    peakArrayBuffersMB: peakArrayBuffers / MB,
    peakRssMB: peakRss / MB,
    outcome: summary.outcome,
    steps: summary.steps.map((step) => ({ id: step.id, status: step.status, ms: stepMs.get(step.id), rowsIn: step.result?.rowsIn, rowsOut: step.result?.rowsOut, details: step.result?.details })),
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

function runChild(input: string, outputDir: string, rows: number, heapLimitMB: number | undefined): Promise<ChildReport> {
  const args = [...(heapLimitMB ? [`--max-old-space-size=${heapLimitMB}`] : []), '--import', 'tsx', __filename, '--child', input, outputDir, String(rows)];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { maxBuffer: 16 * MB }, (error, stdout, stderr) => {
      if (error) {
        reject(new Error(`the pipeline child${heapLimitMB ? ` (heap limit ${heapLimitMB} MB)` : ''} failed: ${stderr.split('\n').slice(-8).join('\n')}`));
        return;
      }
      const last = stdout.trim().split('\n').at(-1) ?? '';
      resolve(JSON.parse(last) as ChildReport);
    });
  });
}

export async function run(): Promise<BenchResult> {
  const sizeMB = Number(process.env.BENCH_MEMORY_MB ?? 1024);
  if (!(sizeMB > 0)) throw new RangeError(`BENCH_MEMORY_MB must be a positive number, not ${process.env.BENCH_MEMORY_MB}`);
  const dir = await mkdtemp(path.join(tmpdir(), 'distillery-memory-bench-'));
  try {
    const input = path.join(dir, 'input.jsonl');
    const rows = await generate(input, sizeMB * MB);
    const bytes = (await stat(input)).size;
    const referenceStart = performance.now();
    const lines = await countLines(input);
    const referenceMs = performance.now() - referenceStart;
    if (lines !== rows) throw new Error(`the reference counted ${lines} lines, the generator wrote ${rows}`);

    const free = await runChild(input, path.join(dir, 'free'), rows, undefined);
    const capped = await runChild(input, path.join(dir, 'capped'), rows, HEAP_LIMIT_MB);
    const mbPerSecond = bytes / MB / (free.ms / 1000);
    const ratio = free.ms / referenceMs;
    const steps = free.steps.map((s) => `${s.id}: ${((s.ms ?? 0) / 1000).toFixed(1)} s, ${s.rowsIn ?? '–'} → ${s.rowsOut ?? '–'} rows ${JSON.stringify(s.details ?? {})}`.slice(0, 220));
    const fits = capped.outcome === 'success';
    return {
      summary: `${(bytes / MB).toFixed(0)} MB, ${rows} rows through filter → dedup → balance → convert → export → report: peak heap ${free.peakHeapMB.toFixed(0)} MB (target < ${HEAP_LIMIT_MB}), ${fits ? 'completes' : 'FAILS'} under --max-old-space-size=${HEAP_LIMIT_MB} (peak ${capped.peakHeapMB.toFixed(0)} MB); ${mbPerSecond.toFixed(1)} MB/s, ${ratio.toFixed(1)}× a plain line-count read`,
      details: [
        `input: ${(bytes / MB).toFixed(1)} MB, ${rows} rows (mixed chat / preference / Alpaca; ~2% exact and ~3% near-duplicate prompts planted)`,
        `reference (read + count lines): ${referenceMs.toFixed(0)} ms`,
        `pipeline: ${free.ms.toFixed(0)} ms (${free.outcome}); peak heap ${free.peakHeapMB.toFixed(1)} MB, array buffers ${free.peakArrayBuffersMB.toFixed(1)} MB, rss ${free.peakRssMB.toFixed(1)} MB`,
        `under --max-old-space-size=${HEAP_LIMIT_MB}: ${capped.outcome} in ${capped.ms.toFixed(0)} ms; peak heap ${capped.peakHeapMB.toFixed(1)} MB`,
        ...steps,
      ],
      metrics: { sizeMB: bytes / MB, rows, peakHeapMB: free.peakHeapMB, cappedPeakHeapMB: capped.peakHeapMB, fitsUnderLimit: fits ? 1 : 0, mbPerSecond, timeOverReference: ratio },
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') {
  const [input, outputDir, rows] = process.argv.slice(3);
  childMain(input as string, outputDir as string, Number(rows)).catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
