/**
 * The engine's throughput against the test server at a fixed latency L: N requests at
 * concurrency C, wall time as a ratio to the ideal ⌈N/C⌉·L. Four ways of sending the same
 * workload, interleaved, several runs each, medians reported:
 *
 *   engine        ModelEngine as the CLI and the editor build it: a profile of concurrency C,
 *                 the keep-alive transport, and (from concurrency 32) the `openai` client's
 *                 calls in request threads (src/core/llm/requestThreads.ts)
 *   engine (1 thread)  the same engine with `requestThreads: { threads: 0 }`: every call sent
 *                 from the engine's own thread, to show what the request threads buy
 *   bare openai   C workers each awaiting calls on a bare `openai` client (its default fetch)
 *   bare undici   C workers each awaiting raw POSTs through an undici Pool (the floor)
 *
 * The test server runs in a process of its own, and so does each way: the client and the
 * server do not share one event loop, and one way's garbage, grown heap and JIT state are not
 * charged to the next way's runs. Each way's process, and the engine in it, lives from its
 * unmeasured warm-up run (the whole workload once) through all its measured runs, as an engine
 * lives through a batch.
 *
 * This machine's speed drifts: the same engine-only run measured 1.08–1.11 and, half an hour
 * later, 1.14–1.15 × ideal, with the server's CPU per request up by the same third. Compare ways
 * within one run, and quote medians of several. `BENCH_RUNS` sets the runs per way (3 by default); `BENCH_WORKLOADS=small` or
 * `large` runs only that workload; `BENCH_WAYS=engine,bare undici` runs only those ways;
 * `BENCH_THREADS=k` gives the engine k request threads instead of its default.
 *
 * Each line also gives the sending process's CPU time per request (all its threads) and the
 * share of one core that this costs at the ideal rate (N / ideal). That share does not depend on
 * how loaded the machine is. Above about 100%, one Node process cannot reach the ideal however
 * the calls are scheduled.
 *
 * Under each way, one line per run says where the machine's CPU went while it ran, in cores (CPU
 * time over wall time): the sending process, the test server's process, and every other process
 * (the machine's busy time, from os.cpus(), less those two). The wall-time ratios are only worth
 * comparing with the targets when "other processes" is near zero: on a shared machine a run that
 * other processes starve of CPU is slow whatever the engine does.
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import * as os from 'node:os';
import { performance } from 'node:perf_hooks';
import OpenAI from 'openai';
import { Pool } from 'undici';
import { ModelEngine } from '../src/core/llm/engine';
import { validateProfile } from '../src/core/llm/profile';
import type { BenchResult } from './run';
import type { TestServer } from '../test/support/openaiServer';
import { startTestServer } from '../test/support/openaiServer';

interface Workload {
  readonly requests: number;
  readonly concurrency: number;
  readonly latencyMs: number;
  /** The ratio to the ideal that the engine must stay within. */
  readonly target: number;
}

const WORKLOADS: readonly Workload[] = [
  { requests: 2_000, concurrency: 64, latencyMs: 100, target: 1.05 },
  { requests: 20_000, concurrency: 512, latencyMs: 200, target: 1.10 },
];

const MESSAGES = [{ role: 'user' as const, content: 'Say hello to the benchmark in one sentence.' }];
const MAX_TOKENS = 16;
const MODEL = 'sim-small';
const REQUEST_BODY = JSON.stringify({ model: MODEL, messages: MESSAGES, max_tokens: MAX_TOKENS });
const SERVE_FLAG = '--serve-test-server';
const SEND_FLAG = '--send-way';

type Way = 'engine' | 'engine (1 thread)' | 'bare openai' | 'bare undici';
const ALL_WAYS: readonly Way[] = ['engine', 'engine (1 thread)', 'bare openai', 'bare undici'];

// ---- child processes: the test server, and one sender per way -------------------------------

/** What a child says to the benchmark: ready (with the server's URL), or the answer to request `id`. */
type ChildMessage = { kind: 'ready'; baseURL?: string } | { kind: 'done'; id: number; cpuMicros?: number; wall?: number; error?: string };
/** What the benchmark asks a child: the server to reset, say its CPU or close; a sender to run `count` calls or close. */
type ParentMessage = { kind: 'reset' | 'cpu' | 'close'; id: number } | { kind: 'run'; id: number; count: number };

/** A child process of this file, spoken to over IPC. */
interface Child {
  readonly baseURL: string | undefined;
  ask(message: DistributiveOmit<ParentMessage, 'id'>): Promise<ChildMessage & { kind: 'done' }>;
  close(): Promise<void>;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

async function startChild(args: readonly string[]): Promise<Child> {
  const child: ChildProcess = fork(__filename, args, {
    // The server's 512 requests in flight survive every scavenge: a larger young generation cuts
    // its CPU per request by about an eighth (153 → 134 µs), CPU it would otherwise take from the
    // sender on these shared cores. It is a fixture; the senders run with Node's defaults.
    execArgv: args[0] === SERVE_FLAG ? ['--import', 'tsx', '--max-semi-space-size=64'] : ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let nextId = 0;
  const waiting = new Map<number, (message: ChildMessage & { kind: 'done' }) => void>();
  const baseURL = await new Promise<string | undefined>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`a benchmark child (${args.join(' ')}) exited early (code ${code})`)));
    child.on('message', (message: ChildMessage) => {
      if (message.kind === 'ready') resolve(message.baseURL);
      else waiting.get(message.id)?.(message);
    });
  });
  const ask = (message: DistributiveOmit<ParentMessage, 'id'>): Promise<ChildMessage & { kind: 'done' }> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      waiting.set(id, (answer) => {
        waiting.delete(id);
        if (answer.error !== undefined) reject(new Error(answer.error));
        else resolve(answer);
      });
      child.send({ ...message, id } as ParentMessage);
    });
  return {
    baseURL,
    ask,
    close: async () => {
      child.removeAllListeners('exit');
      await ask({ kind: 'close' });
    },
  };
}

/** Answers the benchmark's messages in a child until it says close (or goes away). */
function answerParent(handle: (message: ParentMessage) => Promise<Omit<ChildMessage & { kind: 'done' }, 'kind' | 'id'>>, close: () => Promise<void>): void {
  const send = (message: ChildMessage): void => {
    process.send?.(message);
  };
  process.on('message', (message: ParentMessage) => {
    if (message.kind === 'close') {
      void close().then(() => {
        send({ kind: 'done', id: message.id });
        process.disconnect(); // and so exits, through the 'disconnect' handler
      });
      return;
    }
    handle(message).then(
      (answer) => send({ kind: 'done', id: message.id, ...answer }),
      (error: unknown) => send({ kind: 'done', id: message.id, error: error instanceof Error ? error.stack ?? error.message : String(error) }),
    );
  });
  // The benchmark went away (finished, or crashed): do not linger.
  process.on('disconnect', () => {
    void close().then(() => process.exit(0));
  });
}

/** The server's child: a test server at the given latency. */
async function serveInChild(latencyMs: number): Promise<void> {
  const server: TestServer = await startTestServer({ seed: 1, latency: latencyMs, recordLimit: 1000 });
  answerParent(async (message) => {
    if (message.kind === 'reset') server.reset();
    const cpu = process.cpuUsage();
    return { cpuMicros: cpu.user + cpu.system };
  }, () => server.close());
  process.send?.({ kind: 'ready', baseURL: server.baseURL } satisfies ChildMessage);
}

/** A sender's child: runs the workload one way whenever asked, with its client kept warm between runs. */
function sendInChild(way: Way, baseURL: string, concurrency: number): void {
  let engine: ModelEngine | undefined;
  answerParent(async (message) => {
    if (message.kind !== 'run') throw new Error(`a sender cannot ${message.kind}`);
    engine ??= way === 'engine' || way === 'engine (1 thread)' ? createEngine(way, baseURL, concurrency) : undefined;
    return runOnce(way, engine, baseURL, concurrency, message.count);
  }, async () => engine?.dispose());
  process.send?.({ kind: 'ready' } satisfies ChildMessage);
}

// ---- the four ways of sending ----------------------------------------------------------------

/** Runs `count` calls of `call`, `concurrency` at a time (workers each awaiting the next). */
async function inWorkers(count: number, concurrency: number, call: () => Promise<void>): Promise<void> {
  let started = 0;
  const worker = async (): Promise<void> => {
    while (started < count) {
      started++;
      await call();
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

/** One measured stretch in the sender: wall time, and its process's CPU (every thread) over exactly that stretch. */
interface Measured {
  readonly wall: number;
  readonly cpuMicros: number;
}

/** Starts measuring now (after any set-up, such as starting request threads, which is not the workload's). */
function startMeasuring(): () => Measured {
  const begin = performance.now();
  const cpu = process.cpuUsage();
  return () => {
    const wall = performance.now() - begin;
    const used = process.cpuUsage(cpu);
    return { wall, cpuMicros: used.user + used.system };
  };
}

function createEngine(way: Way, baseURL: string, concurrency: number): ModelEngine {
  const profile = validateProfile({ name: 'bench', model: MODEL, baseURL, concurrency, sampling: { max_tokens: MAX_TOKENS } });
  // BENCH_THREADS=k tries k request threads instead of the engine's default.
  const threads = way === 'engine' ? (process.env.BENCH_THREADS ? positiveIntegerFromEnv('BENCH_THREADS', 2) : undefined) : 0;
  return new ModelEngine({ profiles: [profile], keyFor: () => undefined, ...(threads !== undefined ? { requestThreads: { threads, minConcurrency: 1 } } : {}) });
}

async function runOnce(way: Way, engine: ModelEngine | undefined, baseURL: string, concurrency: number, count: number): Promise<Measured> {
  if (engine) {
    const model = engine.model('bench');
    // Unmeasured: the profile's client (and its request threads) start with the first call, as in a run.
    await model.complete({ messages: MESSAGES });
    const stop = startMeasuring();
    // A batch hands the engine every row at once; the profile's queue meters them out.
    const results = await Promise.all(Array.from({ length: count }, () => model.complete({ messages: MESSAGES })));
    const measured = stop();
    if (results.some((result) => result.finishReason !== 'stop' && result.finishReason !== 'length')) throw new Error('engine: an unfinished reply');
    return measured;
  }
  if (way === 'bare openai') {
    const openai = new OpenAI({ baseURL, apiKey: 'bench-key', maxRetries: 0 });
    const stop = startMeasuring();
    await inWorkers(count, concurrency, async () => {
      const completion = await openai.chat.completions.create({ model: MODEL, messages: MESSAGES, max_tokens: MAX_TOKENS });
      if (!completion.choices[0]?.finish_reason) throw new Error('bare openai: an unfinished reply');
    });
    return stop();
  }
  const url = new URL(baseURL);
  const pool = new Pool(url.origin, { connections: concurrency, pipelining: 1 });
  try {
    const stop = startMeasuring();
    await inWorkers(count, concurrency, async () => {
      const response = await pool.request({
        path: `${url.pathname}/chat/completions`,
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer bench-key' },
        body: REQUEST_BODY,
      });
      const text = await response.body.text();
      if (response.statusCode !== 200) throw new Error(`bare undici: HTTP ${response.statusCode}: ${text.slice(0, 200)}`);
      JSON.parse(text);
    });
    return stop();
  } finally {
    await pool.close();
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** `BENCH_WAYS=engine,bare undici` runs only those ways (all three by default). */
function waysFromEnv(): readonly Way[] {
  const raw = process.env.BENCH_WAYS;
  if (raw === undefined || raw === '') return ALL_WAYS;
  const ways = raw.split(',').map((name) => name.trim());
  for (const way of ways) if (!ALL_WAYS.includes(way as Way)) throw new Error(`BENCH_WAYS: unknown way ${JSON.stringify(way)} (known: ${ALL_WAYS.join(', ')})`);
  return ways as Way[];
}

/** CPU time of the whole machine so far, every process, in µs (busy time summed over its CPUs). */
function machineBusyMicros(): number {
  let busyMs = 0;
  for (const cpu of os.cpus()) busyMs += cpu.times.user + cpu.times.nice + cpu.times.sys + cpu.times.irq;
  return busyMs * 1000;
}

/** Where the CPU went during one run, in µs: the sending process, the server's process, everything else on the machine. */
interface CpuAccount {
  readonly client: number;
  readonly server: number;
  readonly others: number;
}

function positiveIntegerFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a whole number of at least 1, got ${JSON.stringify(raw)}`);
  return value;
}

export async function run(): Promise<BenchResult> {
  const runs = positiveIntegerFromEnv('BENCH_RUNS', 3);
  if (process.env.BENCH_SERVER !== undefined) throw new Error('BENCH_SERVER is gone: the test server always runs in a process of its own, and so does each way');
  const workloads = process.env.BENCH_WORKLOADS === 'small' ? WORKLOADS.slice(0, 1) : process.env.BENCH_WORKLOADS === 'large' ? WORKLOADS.slice(1) : WORKLOADS;
  const ways = waysFromEnv();
  const details: string[] = [`test server and each way in a process of their own; ${runs} runs per way, interleaved; medians`];
  const metrics: Record<string, number> = {};
  const verdicts: string[] = [];
  for (const workload of workloads) {
    const { requests, concurrency, latencyMs } = workload;
    const ideal = Math.ceil(requests / concurrency) * latencyMs;
    const server = await startChild([SERVE_FLAG, String(latencyMs)]);
    const serverCpu = async (): Promise<number> => (await server.ask({ kind: 'cpu' })).cpuMicros ?? 0;
    const senders = new Map<Way, Child>();
    const walls = new Map<Way, number[]>(ways.map((way) => [way, []]));
    const accounts = new Map<Way, CpuAccount[]>(ways.map((way) => [way, []]));
    try {
      for (const way of ways) senders.set(way, await startChild([SEND_FLAG, way, server.baseURL ?? '', String(concurrency)]));
      const send = async (way: Way, count: number): Promise<Measured> => {
        const answer = await (senders.get(way) as Child).ask({ kind: 'run', count });
        return { wall: answer.wall ?? 0, cpuMicros: answer.cpuMicros ?? 0 };
      };
      // Warm up every way with one whole unmeasured run (JIT in its process and its request
      // threads, the server's code paths): a few hundred calls leave the first measured run cold.
      for (const way of ways) await send(way, requests);
      for (let i = 0; i < runs; i++) {
        // Rotate which way goes first, so that none always runs on a warmer or cooler machine.
        for (let j = 0; j < ways.length; j++) {
          const way = ways[(i + j) % ways.length] as Way;
          await server.ask({ kind: 'reset' });
          const serverBefore = await serverCpu();
          const machineBefore = machineBusyMicros();
          const { wall, cpuMicros: client } = await send(way, requests);
          const machine = machineBusyMicros() - machineBefore;
          const serverUsed = (await serverCpu()) - serverBefore;
          walls.get(way)?.push(wall);
          accounts.get(way)?.push({ client, server: serverUsed, others: Math.max(0, machine - client - serverUsed) });
        }
      }
    } finally {
      for (const sender of senders.values()) await sender.close();
      await server.close();
    }
    const label = `N=${requests} C=${concurrency} L=${latencyMs}ms`;
    const cpus = os.cpus().length;
    details.push(`${label}: ideal ⌈N/C⌉·L = ${ideal} ms, so ${Math.round((requests / ideal) * 1000)} requests/s; load average ${os.loadavg()[0]?.toFixed(1)} on ${cpus} CPUs`);
    for (const way of ways) {
      const samples = walls.get(way) ?? [];
      const ratio = median(samples) / ideal;
      const runAccounts = accounts.get(way) ?? [];
      const cpu = median(runAccounts.map((account) => account.client)) / requests;
      // The share of one core this way needs to keep up with the ideal rate (above 1: it cannot).
      const coreShare = (cpu * requests) / (ideal * 1000);
      const key = `${way.replace(/\W+/g, '_')}_${requests}x${concurrency}`;
      metrics[key] = ratio;
      metrics[`${key}_cpuMicrosPerRequest`] = cpu;
      details.push(
        `  ${way.padEnd(16)} ${ratio.toFixed(3)} × ideal  (median ${Math.round(median(samples))} ms; runs ${samples.map((s) => (s / ideal).toFixed(3)).join(', ')}); ` +
          `${Math.round(cpu)} µs CPU/request, ${(coreShare * 100).toFixed(0)}% of a core at the ideal rate` +
          (way === 'engine' ? `  target ≤ ${workload.target.toFixed(2)}` : ''),
      );
      // Where the machine's CPU went during each run, in cores (CPU time / wall time): a run slower
      // than the ideal while other processes took a core says more about the machine than the engine.
      const cores = (micros: number, index: number): string => (micros / ((samples[index] ?? 1) * 1000)).toFixed(2);
      details.push(
        `      CPU in cores (of ${cpus}) per run — sender / test server / other processes: ` +
          runAccounts.map((account, index) => `${cores(account.client, index)} / ${cores(account.server, index)} / ${cores(account.others, index)}`).join('; ') +
          `; server ${Math.round(median(runAccounts.map((account) => account.server)) / requests)} µs/request`,
      );
      metrics[`${key}_otherProcessesCores`] = median(runAccounts.map((account, index) => account.others / ((samples[index] ?? 1) * 1000)));
      if (way === 'engine') verdicts.push(`${label}: ${ratio.toFixed(3)}× (≤ ${workload.target.toFixed(2)} ${ratio <= workload.target ? 'met' : 'NOT met'})`);
    }
  }
  return { summary: `engine wall time / ideal — ${verdicts.join('; ')}`, details, metrics };
}

function exitOnError(error: unknown): void {
  process.stderr.write(`${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exit(1);
}

if (require.main === module && process.argv[2] === SERVE_FLAG) serveInChild(Number(process.argv[3])).catch(exitOnError);
if (require.main === module && process.argv[2] === SEND_FLAG) {
  try {
    sendInChild(process.argv[3] as Way, process.argv[4] ?? '', Number(process.argv[5]));
  } catch (error) {
    exitOnError(error);
  }
}
