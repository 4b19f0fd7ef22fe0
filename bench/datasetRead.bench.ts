/**
 * Reading a large JSONL dataset: our line index + per-row parsing (with every check on: BOM, CRLF,
 * UTF-8, blank and long lines, non-object rows, exact error places) against the plainest loop that
 * reads the same file — `Buffer.indexOf(10)` and `JSON.parse(buf.toString('utf8', s, e))` per line.
 * Both run in this process over the same ~100 MB of generated chat rows, interleaved; medians are
 * reported. Also the peak memory of our reader (heap + array buffers above the baseline before the
 * file is loaded) as a ratio to the file's size.
 */
import { mkdtempSync, openSync, closeSync, writeSync, rmSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { BenchResult } from './run';
import { JsonlBuffer } from '../src/core/dataset/jsonlBuffer';
import { seededRandom } from '../src/core/random';

const TARGET_BYTES = 100 * 1024 * 1024;
const RUNS = 7;
/** Memory is sampled every this many rows while our reader parses. */
const SAMPLE_EVERY_ROWS = 200;

// ---- a deterministic generator of realistic chat rows ----


const WORDS = (
  'the model answer question data training example because which would about there their could other these ' +
  'function return value error string number python javascript explain step first second finally however ' +
  'résumé naïve café “quoted” it’s don’t — – … 数据 模型 训练 日本語 テキスト 🙂 🚀 ✓ ü ö ß λ π Ω'
).split(' ');

function sentence(random: () => number, words: number): string {
  const parts: string[] = [];
  for (let i = 0; i < words; i++) parts.push(WORDS[Math.floor(random() * WORDS.length)] as string);
  const text = parts.join(' ');
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
}

function paragraph(random: () => number): string {
  const sentences: string[] = [];
  const count = 2 + Math.floor(random() * 6);
  for (let i = 0; i < count; i++) sentences.push(sentence(random, 6 + Math.floor(random() * 18)));
  return sentences.join(' ');
}

function chatRow(random: () => number, id: number): object {
  const messages: Array<{ role: string; content: string }> = [];
  if (random() < 0.5) messages.push({ role: 'system', content: 'You are a helpful, honest and harmless assistant.' });
  const turns = 1 + Math.floor(random() * 3);
  for (let turn = 0; turn < turns; turn++) {
    messages.push({ role: 'user', content: sentence(random, 8 + Math.floor(random() * 30)) });
    const paragraphs = 1 + Math.floor(random() * 4);
    const answer: string[] = [];
    for (let p = 0; p < paragraphs; p++) answer.push(paragraph(random));
    if (random() < 0.2) answer.push('```python\ndef f(x):\n    return x * 2\n```');
    messages.push({ role: 'assistant', content: answer.join('\n\n') });
  }
  return {
    messages,
    distillery: {
      source: { key: `row-${id}`, provenance: random() < 0.7 ? 'synthetic' : 'human' },
      teacher: { model: 'gpt-4o-mini', temperature: Math.round(random() * 100) / 100, seed: id },
      scores: { helpfulness: 1 + Math.floor(random() * 5), harmlessness: 1 + Math.floor(random() * 5) },
    },
  };
}

function generateFile(file: string): { bytes: number; rows: number } {
  const random = seededRandom('42');
  const fd = openSync(file, 'w');
  let bytes = 0;
  let rows = 0;
  try {
    while (bytes < TARGET_BYTES) {
      const lines: string[] = [];
      for (let i = 0; i < 500; i++) lines.push(JSON.stringify(chatRow(random, rows++)));
      const chunk = Buffer.from(`${lines.join('\n')}\n`, 'utf8');
      writeSync(fd, chunk);
      bytes += chunk.length;
    }
  } finally {
    closeSync(fd);
  }
  return { bytes, rows };
}

// ---- the two readers ----

/** The reference: the plainest correct-enough loop. */
function readReference(bytes: Buffer): number {
  let rows = 0;
  let start = 0;
  for (let newline = bytes.indexOf(10); newline !== -1; newline = bytes.indexOf(10, start)) {
    if (JSON.parse(bytes.toString('utf8', start, newline)) !== null) rows++;
    start = newline + 1;
  }
  if (start < bytes.length && JSON.parse(bytes.toString('utf8', start)) !== null) rows++;
  return rows;
}

/** Ours: index, then every row parsed and checked; `sample` is called every few rows. */
function readOurs(bytes: Buffer, sample?: () => void): number {
  const file = new JsonlBuffer(bytes);
  let rows = 0;
  for (let line = 1; line <= file.lineCount; line++) {
    if (file.row(line).kind === 'object') rows++;
    if (sample !== undefined && line % SAMPLE_EVERY_ROWS === 0) sample();
  }
  return rows;
}

// ---- measurement ----

function collectGarbage(): () => void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as (() => void) | undefined;
  return typeof gc === 'function' ? gc : () => undefined;
}

function memoryInUse(): number {
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

async function peakMemory(file: string, read: (bytes: Buffer, sample: () => void) => number, gc: () => void): Promise<number> {
  gc();
  const baseline = memoryInUse();
  let peak = 0;
  const sample = (): void => {
    peak = Math.max(peak, memoryInUse() - baseline);
  };
  // The buffer lives only inside this call, so that the gc below can free it.
  const load = async (): Promise<void> => {
    const bytes = await readFile(file);
    sample();
    read(bytes, sample);
    sample();
  };
  await load();
  gc();
  return peak;
}

export async function run(): Promise<BenchResult> {
  const dir = mkdtempSync(path.join(tmpdir(), 'distillery-bench-read-'));
  const gc = collectGarbage();
  try {
    const file = path.join(dir, 'chat.jsonl');
    const { rows } = generateFile(file);
    const size = statSync(file).size;
    const megabytes = size / (1024 * 1024);

    // Memory first, on a clean heap, for ours and (for comparison) the reference.
    const ourPeak = await peakMemory(file, readOurs, gc);
    const referencePeak = await peakMemory(
      file,
      (bytes, sample) => {
        // The reference loop again, sampled the same way.
        let count = 0;
        let start = 0;
        for (let newline = bytes.indexOf(10); newline !== -1; newline = bytes.indexOf(10, start)) {
          if (JSON.parse(bytes.toString('utf8', start, newline)) !== null) count++;
          start = newline + 1;
          if (count % SAMPLE_EVERY_ROWS === 0) sample();
        }
        return count;
      },
      gc,
    );

    const bytes = await readFile(file);
    // Warm-up, and a check that both read every row.
    const referenceRows = readReference(bytes);
    const ourRows = readOurs(bytes);
    if (referenceRows !== rows || ourRows !== rows) throw new Error(`rows: generated ${rows}, reference ${referenceRows}, ours ${ourRows}`);

    const referenceRates: number[] = [];
    const ourRates: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      // Alternate which goes first, so that neither always runs on a warmer or cooler machine.
      const order = i % 2 === 0 ? ['reference', 'ours'] : ['ours', 'reference'];
      for (const which of order) {
        gc();
        const begin = performance.now();
        if (which === 'reference') readReference(bytes);
        else readOurs(bytes);
        const rate = megabytes / ((performance.now() - begin) / 1000);
        (which === 'reference' ? referenceRates : ourRates).push(rate);
      }
    }
    const referenceMedian = median(referenceRates);
    const ourMedian = median(ourRates);
    const ratio = ourMedian / referenceMedian;
    const memoryRatio = ourPeak / size;
    const format = (rates: readonly number[]): string => rates.map((rate) => rate.toFixed(0)).join(', ');
    return {
      summary:
        `dataset read = ${ratio.toFixed(2)} × the plain indexOf + JSON.parse loop (target ≥ 0.9), ` +
        `peak memory ${memoryRatio.toFixed(2)} × file size (target ≤ 1.5); medians of ${RUNS} runs`,
      details: [
        `file: ${megabytes.toFixed(1)} MiB, ${rows} chat rows`,
        `ours:      median ${ourMedian.toFixed(0)} MiB/s  (runs: ${format(ourRates)})`,
        `reference: median ${referenceMedian.toFixed(0)} MiB/s  (runs: ${format(referenceRates)})`,
        `peak memory above baseline: ours ${(ourPeak / 2 ** 20).toFixed(1)} MiB (${memoryRatio.toFixed(2)} × file), ` +
          `reference ${(referencePeak / 2 ** 20).toFixed(1)} MiB (${(referencePeak / size).toFixed(2)} × file)`,
      ],
      metrics: {
        ourMegabytesPerSecond: ourMedian,
        referenceMegabytesPerSecond: referenceMedian,
        ratio,
        peakMemoryRatio: memoryRatio,
        referencePeakMemoryRatio: referencePeak / size,
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
