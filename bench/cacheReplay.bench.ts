/**
 * Cache replay: a re-run of N distinct calls answered from the response cache on disk, through the
 * whole engine (key hashing, file read, checksum, ledger), by a fresh engine each time so that the
 * in-memory layer starts empty. The test server counts requests: replay must send none.
 *
 * Reference, in the same process and interleaved: reading the same N entry files with
 * `readFileSync` + `JSON.parse` at the same concurrency, the least any disk cache of one file per
 * entry must do. Also reported: the same with `fs.promises.readFile` (the plain async way), and a
 * warm replay (an engine with an in-memory layer large enough for every entry, asked again).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { BenchResult } from './run';
import { startTestServer } from '../test/support/openaiServer';
import type { CompletionRequest } from '../src/core/llm/client';
import { ModelEngine } from '../src/core/llm/engine';
import { validateProfile } from '../src/core/llm/profile';

const N = 20_000;
const CONCURRENCY = 64;
const RUNS = 5;
const TARGET_PER_SECOND = 20_000;

/** Runs `task(i)` for i in [0, count) with at most `concurrency` at once. */
async function pool(count: number, concurrency: number, task: (index: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const index = next++;
      await task(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** Realistic prompts: a system turn and a user question of some length, each distinct. */
function requestFor(index: number): CompletionRequest {
  return {
    messages: [
      { role: 'system', content: 'You are a helpful, honest and harmless assistant. Answer briefly.' },
      { role: 'user', content: `Question ${index}: explain step ${index % 97} of the proof, and why the ${index % 13}th case matters for the training data.` },
    ],
  };
}

async function entryFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile() && entry.name.endsWith('.json')).map((entry) => path.join(entry.parentPath, entry.name));
}

export async function run(): Promise<BenchResult> {
  const dir = mkdtempSync(path.join(tmpdir(), 'distillery-bench-cache-'));
  const server = await startTestServer({ seed: 9 });
  const profile = validateProfile({ name: 'bench', model: 'sim-small', baseURL: server.baseURL, concurrency: CONCURRENCY, sampling: { temperature: 0.7, top_p: 1, max_tokens: 200 } });
  const makeEngine = (): ModelEngine => new ModelEngine({ profiles: [profile], keyFor: () => undefined, cacheDirectory: dir });
  try {
    // Fill: every call goes to the server once.
    const filling = makeEngine();
    const fillStart = performance.now();
    const contents: string[] = new Array<string>(N);
    await pool(N, CONCURRENCY, async (i) => {
      contents[i] = (await filling.model('bench').complete(requestFor(i))).content;
    });
    const fillSeconds = (performance.now() - fillStart) / 1000;
    filling.dispose();
    if (server.chatRequests().length !== N) throw new Error(`fill sent ${server.chatRequests().length} requests, expected ${N}`);
    const files = await entryFiles(dir);
    if (files.length !== N) throw new Error(`${files.length} cache entries, expected ${N}`);
    server.reset();

    const ourRates: number[] = [];
    const referenceRates: number[] = [];
    const asyncRates: number[] = [];
    let warmRate = 0;
    let mismatches = 0;
    const replay = async (engine: ModelEngine): Promise<number> => {
      const begin = performance.now();
      await pool(N, CONCURRENCY, async (i) => {
        const result = await engine.model('bench').complete(requestFor(i));
        if (!result.cached || result.content !== contents[i]) mismatches++;
      });
      return N / ((performance.now() - begin) / 1000);
    };
    const reference = async (): Promise<number> => {
      const begin = performance.now();
      await pool(N, CONCURRENCY, async (i) => {
        if (JSON.parse(readFileSync(files[i] as string, 'utf8')) === null) mismatches++;
      });
      return N / ((performance.now() - begin) / 1000);
    };
    const asyncReference = async (): Promise<number> => {
      const begin = performance.now();
      await pool(N, CONCURRENCY, async (i) => {
        if (JSON.parse(await readFile(files[i] as string, 'utf8')) === null) mismatches++;
      });
      return N / ((performance.now() - begin) / 1000);
    };
    // Warm-up of both paths (JIT, page cache).
    await reference();
    await replay(makeEngine());
    for (let round = 0; round < RUNS; round++) {
      // Alternate which goes first, so that neither always runs on a warmer or cooler machine.
      const order = round % 2 === 0 ? ['ours', 'reference', 'async'] : ['async', 'reference', 'ours'];
      for (const which of order) {
        if (which === 'reference') referenceRates.push(await reference());
        else if (which === 'async') asyncRates.push(await asyncReference());
        else {
          const engine = makeEngine();
          ourRates.push(await replay(engine));
          engine.dispose();
        }
      }
    }
    // Warm: an engine whose in-memory layer holds every entry, replaying a second time.
    const warm = new ModelEngine({ profiles: [profile], keyFor: () => undefined, cacheDirectory: dir, cacheOptions: { memoryEntries: N } });
    await replay(warm);
    warmRate = await replay(warm);
    warm.dispose();
    const sentDuringReplay = server.requests.length;
    if (sentDuringReplay !== 0) throw new Error(`${sentDuringReplay} requests reached the server during replay`);
    if (mismatches !== 0) throw new Error(`${mismatches} replayed answers were not cached or differed from the first run`);

    const ours = median(ourRates);
    const ref = median(referenceRates);
    const format = (rates: readonly number[]): string => rates.map((rate) => rate.toFixed(0)).join(', ');
    return {
      summary:
        `cache replay = ${ours.toFixed(0)} responses/s from disk (target ≥ ${TARGET_PER_SECOND}: ${ours >= TARGET_PER_SECOND ? 'met' : 'NOT met'}), ` +
        `${(ours / ref).toFixed(2)} × readFileSync + JSON.parse of the same files; 0 requests reached the server; medians of ${RUNS} runs`,
      details: [
        `${N} distinct calls, concurrency ${CONCURRENCY}; filled through the test server in ${fillSeconds.toFixed(1)} s`,
        `ours (fresh engine, from disk): median ${ours.toFixed(0)}/s  (runs: ${format(ourRates)})`,
        `reference (readFileSync + JSON.parse): median ${ref.toFixed(0)}/s  (runs: ${format(referenceRates)})`,
        `plain async (fs.promises.readFile + JSON.parse): median ${median(asyncRates).toFixed(0)}/s  (runs: ${format(asyncRates)})`,
        `warm (an in-memory layer of ${N} entries, second pass): ${warmRate.toFixed(0)}/s`,
        `requests to the server during replay: ${sentDuringReplay}`,
      ],
      metrics: { responsesPerSecond: ours, referencePerSecond: ref, asyncReferencePerSecond: median(asyncRates), ratio: ours / ref, warmPerSecond: warmRate, requestsDuringReplay: sentDuringReplay },
    };
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
