/**
 * The engine's throughput against the test server at a fixed latency L: N requests at
 * concurrency C, wall time as a ratio to the ideal ⌈N/C⌉·L. Three ways of sending the same
 * workload, interleaved, several runs each, medians reported:
 *
 *   engine        ModelEngine as the CLI and the editor build it: a profile of concurrency C,
 *                 the keep-alive transport, and (from concurrency 32) the `openai` client's
 *                 calls in two request threads (src/core/llm/requestThreads.ts)
 *   engine (1 thread)  the same engine with `requestThreads: { threads: 0 }`: every call sent
 *                 from the engine's own thread, to show what the request threads buy
 *   bare openai   C workers each awaiting calls on a bare `openai` client (its default fetch)
 *   bare undici   C workers each awaiting raw POSTs through an undici Pool (the floor)
 *
 * The test server runs in a child process (the default), so that the client and the server do
 * not share one event loop and one core. In one process the server's own work (about 150 µs of
 * CPU a request) is charged to the client: at 20,000 × 512 the two together need more than a
 * whole core, whatever the client does. `BENCH_SERVER=inprocess` runs it in this process, to
 * compare; `BENCH_RUNS` sets the runs per way (3 by default); `BENCH_WORKLOADS=small` or `large`
 * runs only that workload; `BENCH_WAYS=engine,bare undici` runs only those ways; `BENCH_THREADS=k`
 * gives the engine k request threads instead of its default.
 *
 * Each line also gives the client's CPU time per request and the share of one core that this
 * costs at the ideal rate (N / ideal). That share does not depend on how loaded the machine is.
 * Above about 100%, one Node process cannot reach the ideal however the calls are scheduled.
 *
 * Under each way, one line per run says where the machine's CPU went while it ran, in cores (CPU
 * time over wall time): this process, the test server's process (asked over IPC), and every
 * other process (the machine's busy time, from os.cpus(), less those two). The wall-time ratios
 * are only worth comparing with the targets when "other processes" is near zero: on a shared
 * machine a run that other processes starve of CPU is slow whatever the engine does.
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

type Way = 'engine' | 'engine (1 thread)' | 'bare openai' | 'bare undici';
const ALL_WAYS: readonly Way[] = ['engine', 'engine (1 thread)', 'bare openai', 'bare undici'];

/** A test server somewhere: here, or in a child process. */
interface ServerHandle {
  readonly baseURL: string;
  /** Forgets recorded requests, so that memory does not grow across runs. */
  reset(): Promise<void>;
  /** The server process's CPU time so far in µs (user + system); undefined when it shares this process. */
  cpuMicros(): Promise<number | undefined>;
  close(): Promise<void>;
}

// ---- the server, in a child process or here ------------------------------------------------

type ChildMessage = { kind: 'listening'; baseURL: string } | { kind: 'done'; id: number; cpuMicros?: number };
type ParentMessage = { kind: 'reset' | 'cpu' | 'close'; id: number };

/** The child's side: start a server at the given latency and answer the parent's requests. */
async function serveInChild(latencyMs: number): Promise<void> {
  const server = await startTestServer({ seed: 1, latency: latencyMs, recordLimit: 1000 });
  const send = (message: ChildMessage): void => {
    process.send?.(message);
  };
  process.on('message', (message: ParentMessage) => {
    if (message.kind === 'reset') {
      server.reset();
      send({ kind: 'done', id: message.id });
    } else if (message.kind === 'cpu') {
      const cpu = process.cpuUsage();
      send({ kind: 'done', id: message.id, cpuMicros: cpu.user + cpu.system });
    } else {
      void server.close().then(() => {
        send({ kind: 'done', id: message.id });
        process.disconnect(); // and so exits, through the 'disconnect' handler
      });
    }
  });
  // The parent went away (finished, or crashed): do not linger.
  process.on('disconnect', () => {
    void server.close().then(() => process.exit(0));
  });
  send({ kind: 'listening', baseURL: server.baseURL });
}

async function startChildServer(latencyMs: number): Promise<ServerHandle> {
  const child: ChildProcess = fork(__filename, [SERVE_FLAG, String(latencyMs)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let nextId = 0;
  const waiting = new Map<number, (message: ChildMessage & { kind: 'done' }) => void>();
  const baseURL = await new Promise<string>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the test server process exited early (code ${code})`)));
    child.on('message', (message: ChildMessage) => {
      if (message.kind === 'listening') resolve(message.baseURL);
      else waiting.get(message.id)?.(message);
    });
  });
  const ask = (kind: ParentMessage['kind']): Promise<ChildMessage & { kind: 'done' }> =>
    new Promise((resolve) => {
      const id = nextId++;
      waiting.set(id, (message) => {
        waiting.delete(id);
        resolve(message);
      });
      child.send({ kind, id } satisfies ParentMessage);
    });
  return {
    baseURL,
    reset: async () => {
      await ask('reset');
    },
    cpuMicros: async () => (await ask('cpu')).cpuMicros,
    close: async () => {
      child.removeAllListeners('exit');
      await ask('close');
    },
  };
}

async function startLocalServer(latencyMs: number): Promise<ServerHandle> {
  const server: TestServer = await startTestServer({ seed: 1, latency: latencyMs, recordLimit: 1000 });
  return {
    baseURL: server.baseURL,
    reset: () => {
      server.reset();
      return Promise.resolve();
    },
    cpuMicros: () => Promise.resolve(undefined),
    close: () => server.close(),
  };
}

// ---- the three ways of sending -------------------------------------------------------------

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

/** One run of the workload one way; returns the wall time in ms. */
/** One measured stretch: wall time, and this process's and the machine's CPU over exactly that stretch. */
interface Measured {
  readonly wall: number;
  readonly clientMicros: number;
  readonly machineMicros: number;
}

/** Starts measuring now (after any set-up, such as starting request threads, which is not the workload's). */
function startMeasuring(): () => Measured {
  const begin = performance.now();
  const machine = machineBusyMicros();
  const cpu = process.cpuUsage();
  return () => {
    const wall = performance.now() - begin;
    const used = process.cpuUsage(cpu);
    return { wall, clientMicros: used.user + used.system, machineMicros: machineBusyMicros() - machine };
  };
}

/**
 * The engines of one workload, one per engine way, kept from the warm-up through every run: its
 * request threads are isolates of their own, and like this process they are measured warm (a
 * fresh engine per run would time its threads' JIT warm-up each time).
 */
const engines = new Map<Way, ModelEngine>();

function engineFor(way: Way, baseURL: string, concurrency: number): ModelEngine {
  let engine = engines.get(way);
  if (!engine) {
    const profile = validateProfile({ name: 'bench', model: MODEL, baseURL, concurrency, sampling: { max_tokens: MAX_TOKENS } });
    // BENCH_THREADS=k tries k request threads instead of the engine's default.
    const threads = way === 'engine' ? (process.env.BENCH_THREADS ? positiveIntegerFromEnv('BENCH_THREADS', 2) : undefined) : 0;
    engine = new ModelEngine({ profiles: [profile], keyFor: () => undefined, ...(threads !== undefined ? { requestThreads: { threads, minConcurrency: 1 } } : {}) });
    engines.set(way, engine);
  }
  return engine;
}

function disposeEngines(): void {
  for (const engine of engines.values()) engine.dispose();
  engines.clear();
}

async function runOnce(way: Way, baseURL: string, workload: Workload, count = workload.requests): Promise<Measured> {
  const { concurrency } = workload;
  if (way === 'engine' || way === 'engine (1 thread)') {
    const model = engineFor(way, baseURL, concurrency).model('bench');
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

/** Where the CPU went during one run, in µs: this process, the server's process, everything else on the machine. */
interface CpuAccount {
  readonly client: number;
  /** Undefined when the server runs in this process (then it is part of `client`). */
  readonly server: number | undefined;
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
  const serverMode = process.env.BENCH_SERVER ?? 'child';
  if (serverMode !== 'child' && serverMode !== 'inprocess') throw new Error(`BENCH_SERVER must be child or inprocess, got ${JSON.stringify(serverMode)}`);
  const workloads = process.env.BENCH_WORKLOADS === 'small' ? WORKLOADS.slice(0, 1) : process.env.BENCH_WORKLOADS === 'large' ? WORKLOADS.slice(1) : WORKLOADS;
  const ways = waysFromEnv();
  const details: string[] = [`test server: ${serverMode === 'child' ? 'in a child process' : 'in this process'}; ${runs} runs per way, interleaved; medians`];
  const metrics: Record<string, number> = {};
  const verdicts: string[] = [];
  for (const workload of workloads) {
    const { requests, concurrency, latencyMs } = workload;
    const ideal = Math.ceil(requests / concurrency) * latencyMs;
    const server = serverMode === 'child' ? await startChildServer(latencyMs) : await startLocalServer(latencyMs);
    const walls = new Map<Way, number[]>(ways.map((way) => [way, []]));
    const accounts = new Map<Way, CpuAccount[]>(ways.map((way) => [way, []]));
    try {
      // Warm up every way once (JIT, the server's code paths), unmeasured.
      for (const way of ways) await runOnce(way, server.baseURL, workload, Math.min(requests, concurrency * 4));
      for (let i = 0; i < runs; i++) {
        // Rotate which way goes first, so that none always runs on a warmer or cooler machine.
        for (let j = 0; j < ways.length; j++) {
          const way = ways[(i + j) % ways.length] as Way;
          await server.reset();
          const serverBefore = await server.cpuMicros();
          const { wall, clientMicros: client, machineMicros: machine } = await runOnce(way, server.baseURL, workload);
          walls.get(way)?.push(wall);
          const serverAfter = await server.cpuMicros();
          const serverCpu = serverBefore !== undefined && serverAfter !== undefined ? serverAfter - serverBefore : undefined;
          accounts.get(way)?.push({ client, server: serverCpu, others: Math.max(0, machine - client - (serverCpu ?? 0)) });
        }
      }
    } finally {
      disposeEngines();
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
          `${Math.round(cpu)} µs CPU/request${serverMode === 'child' ? '' : ' (server included)'}, ${(coreShare * 100).toFixed(0)}% of a core at the ideal rate` +
          (way === 'engine' ? `  target ≤ ${workload.target.toFixed(2)}` : ''),
      );
      // Where the machine's CPU went during each run, in cores (CPU time / wall time): a run slower
      // than the ideal while other processes took a core says more about the machine than the engine.
      const cores = (micros: number | undefined, index: number): string => (micros === undefined ? '—' : (micros / ((samples[index] ?? 1) * 1000)).toFixed(2));
      details.push(
        `      CPU in cores (of ${cpus}) per run — this process / test server / other processes: ` +
          runAccounts.map((account, index) => `${cores(account.client, index)} / ${cores(account.server, index)} / ${cores(account.others, index)}`).join('; ') +
          (serverMode === 'child' ? `; server ${Math.round(median(runAccounts.map((account) => account.server ?? 0)) / requests)} µs/request` : ''),
      );
      metrics[`${key}_otherProcessesCores`] = median(runAccounts.map((account, index) => account.others / ((samples[index] ?? 1) * 1000)));
      if (way === 'engine') verdicts.push(`${label}: ${ratio.toFixed(3)}× (≤ ${workload.target.toFixed(2)} ${ratio <= workload.target ? 'met' : 'NOT met'})`);
    }
  }
  return { summary: `engine wall time / ideal — ${verdicts.join('; ')}`, details, metrics };
}

if (require.main === module && process.argv[2] === SERVE_FLAG) {
  serveInChild(Number(process.argv[3])).catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    process.exit(1);
  });
}
