/**
 * The engine's request threads: a few worker threads that send non-streaming requests through
 * the `openai` client (requestWorker.ts), so that the engine's own thread keeps only the queues,
 * limits, retries, deadlines, cache and accounting. At 2,500 calls a second the client's per-call
 * work alone takes most of a core; with it in one thread, replies that land together are handled
 * one after another and the next wave of requests starts late (bench/engineThroughput.bench.ts).
 *
 * One pool serves every profile of an engine: each thread holds one `openai` client per profile,
 * with a share of the profile's connections. A call goes to the thread with the fewest in flight.
 * A thread holds the process open only while it has calls in flight.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import OpenAI from 'openai';
import type { CompletionReply, CompletionSender, FromRequestThread, ThreadClientSettings, ToRequestThread } from './requestThreadProtocol';
import { BATCH_LIMIT, rebuildError, trimReply } from './requestThreadProtocol';

/** Where the request thread's code is: the bundle's dist/requestWorker.js, or its source under tsx. */
export interface RequestWorkerScript {
  readonly file: string;
  /** A TypeScript source, loaded through tsx (tests and benchmarks run from sources). */
  readonly typescript: boolean;
}

/** The worker script beside this module: requestWorker.js in a bundle's directory, else the .ts source; undefined when neither is there. */
export function findRequestWorkerScript(): RequestWorkerScript | undefined {
  const bundled = path.join(__dirname, 'requestWorker.js');
  if (fs.existsSync(bundled)) return { file: bundled, typescript: false };
  const source = path.join(__dirname, 'requestWorker.ts');
  if (fs.existsSync(source)) return { file: source, typescript: true };
  return undefined;
}

export interface RequestThreadPoolOptions {
  readonly threads: number;
  readonly script: RequestWorkerScript;
}

/** One profile's settings, as the pool is given them. */
export interface PooledClientSettings {
  readonly baseURL: string | undefined;
  readonly apiKey: string | undefined;
  /** The profile's concurrency: its connections are shared out among the threads. */
  readonly concurrency: number;
  readonly attemptTimeoutMs: number;
}

interface PendingCall {
  readonly resolve: (reply: CompletionReply) => void;
  readonly reject: (error: Error) => void;
  readonly thread: RequestThread;
}

interface RequestThread {
  readonly worker: Worker;
  /** Resolves when the thread has loaded its code; rejects when it failed first. */
  readonly ready: Promise<void>;
  inFlight: number;
  /** Clients this thread has been told of. */
  known: number;
  /** Its code has loaded (until then it holds the process open). */
  loaded: boolean;
  /** Messages not yet posted: they go together at the end of this turn of the event loop. */
  outbox: ToRequestThread[];
  failed: boolean;
}

/**
 * The young generation a request thread may grow to (V8's default is about 48 MB). Every call in
 * flight survives each scavenge, so at hundreds in flight a small young generation is scavenged
 * often and each time copies them all: at 20,000 calls × 512 in flight the thread spent a sixth of
 * its time there, and this size took the benchmark from about 1.12 to 1.10 × ideal
 * (bench/engineThroughput.bench.ts). It is grown to only under that load.
 */
const REQUEST_THREAD_YOUNG_GENERATION_MB = 96;

/** How long closing waits for a thread still loading its code before it terminates it anyway. */
const LOADING_GRACE_MS = 5_000;

/** Resolves when `promise` settles or `ms` have passed, whichever is first; never rejects. */
async function settledWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const elapsed = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
    timer.unref();
  });
  try {
    await Promise.race([promise.then(() => undefined, () => undefined), elapsed]);
  } finally {
    clearTimeout(timer);
  }
}

export class RequestThreadPool {
  private readonly threads: (RequestThread | undefined)[];
  private readonly clients: ThreadClientSettings[] = [];
  private readonly pending = new Map<number, PendingCall>();
  private nextId = 1;
  private closed = false;
  private sent = 0;

  constructor(private readonly options: RequestThreadPoolOptions) {
    if (!Number.isInteger(options.threads) || options.threads < 1) throw new RangeError(`request threads: need a whole number of at least 1, got ${options.threads}`);
    this.threads = new Array<RequestThread | undefined>(options.threads).fill(undefined);
  }

  /** Requests handed to the threads so far. */
  get requestsSent(): number {
    return this.sent;
  }

  /** A profile's sender: its requests go out through the pool's threads. */
  sender(settings: PooledClientSettings): CompletionSender {
    const client = this.clients.length;
    this.clients.push({
      baseURL: settings.baseURL,
      apiKey: settings.apiKey,
      connections: Math.max(1, Math.ceil(settings.concurrency / this.options.threads)),
      attemptTimeoutMs: settings.attemptTimeoutMs,
    });
    return (params, signal) => this.send(client, params, signal);
  }

  /**
   * Starts every thread and waits until each has loaded its code, so that no attempt's deadline
   * is spent on that; rejects when a thread cannot start.
   */
  async ready(): Promise<void> {
    if (this.closed) throw new Error('request threads: the pool is closed');
    for (let i = 0; i < this.threads.length; i++) {
      if (this.threads[i] === undefined || this.threads[i]?.failed) this.threads[i] = this.start();
    }
    await Promise.all(this.threads.map((thread) => thread?.ready));
  }

  /** Stops every thread; calls in flight fail as aborted. */
  async close(): Promise<void> {
    this.closed = true;
    const threads = this.threads.splice(0).filter((thread): thread is RequestThread => thread !== undefined);
    for (const [id, call] of this.pending) {
      this.pending.delete(id);
      call.reject(new OpenAI.APIUserAbortError());
    }
    await Promise.all(threads.map(async (thread) => {
      // A thread still loading its code is let finish (or fail) first: terminating one while it
      // throws its load error aborts the whole process in Node 20 (an assertion where the error's
      // source line is added), seen when one of two threads failed and the engine was disposed.
      if (!thread.loaded && !thread.failed) await settledWithin(thread.ready, LOADING_GRACE_MS);
      await thread.worker.terminate();
    }));
  }

  private send(client: number, params: OpenAI.ChatCompletionCreateParamsNonStreaming, signal: AbortSignal): Promise<CompletionReply> {
    if (this.closed || signal.aborted) return Promise.reject(new OpenAI.APIUserAbortError());
    const thread = this.leastBusy();
    while (thread.known < this.clients.length) {
      const index = thread.known++;
      this.post(thread, { kind: 'client', client: index, settings: this.clients[index] as ThreadClientSettings });
    }
    const id = this.nextId++;
    this.sent++;
    return new Promise<CompletionReply>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, thread });
      if (thread.inFlight++ === 0 && thread.loaded) thread.worker.ref();
      // Serialized here, the less busy thread: the request thread sends the text as it is.
      this.post(thread, { kind: 'send', id, client, body: JSON.stringify(params) });
      // The attempt's own signal (a fresh one per attempt): no need to remove the listener.
      signal.addEventListener(
        'abort',
        () => {
          const call = this.settle(id);
          if (!call) return;
          this.post(thread, { kind: 'abort', id });
          call.reject(new OpenAI.APIUserAbortError());
        },
        { once: true },
      );
    });
  }

  private post(thread: RequestThread, message: ToRequestThread): void {
    const waiting = thread.outbox.push(message);
    if (waiting >= BATCH_LIMIT) this.flush(thread);
    else if (waiting === 1) setImmediate(() => this.flush(thread));
  }

  private flush(thread: RequestThread): void {
    const batch = thread.outbox;
    if (batch.length === 0) return; // sent already, at the batch limit
    thread.outbox = [];
    if (!thread.failed) thread.worker.postMessage(batch);
  }

  /** The call's entry, removed; undefined when it was already settled. */
  private settle(id: number): PendingCall | undefined {
    const call = this.pending.get(id);
    if (!call) return undefined;
    this.pending.delete(id);
    if (--call.thread.inFlight === 0 && call.thread.loaded) call.thread.worker.unref();
    return call;
  }

  private leastBusy(): RequestThread {
    let best: RequestThread | undefined;
    for (let i = 0; i < this.threads.length; i++) {
      let thread = this.threads[i];
      if (thread === undefined || thread.failed) {
        thread = this.start();
        this.threads[i] = thread;
      }
      if (best === undefined || thread.inFlight < best.inFlight) best = thread;
    }
    return best as RequestThread;
  }

  private start(): RequestThread {
    const { script } = this.options;
    const resourceLimits = { maxYoungGenerationSizeMb: REQUEST_THREAD_YOUNG_GENERATION_MB };
    const worker = script.typescript
      ? new Worker(`require('tsx/cjs'); require(${JSON.stringify(script.file)});`, { eval: true, resourceLimits })
      : new Worker(script.file, { resourceLimits });
    let started: (() => void) | undefined;
    let notStarted: ((error: Error) => void) | undefined;
    const ready = new Promise<void>((resolve, reject) => {
      started = resolve;
      notStarted = reject;
    });
    // Nobody may be waiting for it: a failure shows on the calls instead.
    ready.catch(() => undefined);
    const thread: RequestThread = { worker, ready, inFlight: 0, known: 0, loaded: false, failed: false, outbox: [] };
    worker.on('message', (batch: readonly FromRequestThread[]) => {
      for (const message of batch) {
        if (message.kind === 'ready') {
          thread.loaded = true;
          if (thread.inFlight === 0) worker.unref();
          started?.();
          continue;
        }
        const call = this.settle(message.id);
        if (!call) continue; // aborted here already
        if (message.kind === 'reply') {
          let reply: CompletionReply;
          try {
            reply = trimReply(JSON.parse(message.body) as CompletionReply);
          } catch (error) {
            // A body that is not a completion: the same error the client would have raised parsing it.
            call.reject(error instanceof Error ? error : new Error(String(error)));
            continue;
          }
          call.resolve(reply);
        }
        else call.reject(rebuildError(message.error));
      }
    });
    // A thread that fails or exits takes its calls with it: they fail as connection errors (so
    // are retried), and the next call starts a new thread in its place.
    const fail = (why: string): void => {
      if (thread.failed) return;
      thread.failed = true;
      notStarted?.(new Error(`a request thread could not start (${why})`));
      for (const [id, call] of this.pending) {
        if (call.thread !== thread) continue;
        this.settle(id);
        call.reject(new OpenAI.APIConnectionError({ message: `the request thread stopped (${why})` }));
      }
    };
    worker.on('error', (error) => fail(error.message));
    worker.on('exit', (code) => fail(`exit code ${code}`));
    // Held open until the thread has loaded (a caller may be waiting for it), then only while
    // calls are in flight. (Unref'd before `on('message')`, it would be ref'd again by that.)
    return thread;
  }
}
