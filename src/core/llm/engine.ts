/**
 * The model engine: one ChatModel per profile over one ModelClient each (so one queue per
 * profile), with the response cache in front and the usage ledger counting every call.
 *
 * A call answered from the cache touches neither the key, nor the queue, nor the network. A call
 * that must be sent resolves the profile's key (the CLI from the environment, the editor from
 * SecretStorage) and, before the first request to each origin, asks `beforeFirstRequest` (the
 * editor asks the user); a refusal fails the call and sends nothing.
 */
import { availableParallelism } from 'node:os';
import type OpenAI from 'openai';
import type { ChatCallOptions, ChatModel, ChatResult, CacheMode } from './chatModel';
import type { CompletionRequest, ModelClientOptions } from './client';
import { DEFAULT_ATTEMPT_TIMEOUT_MS, ModelClient, OPENAI_DEFAULT_BASE_URL, requestParams } from './client';
import type { Clock } from './clock';
import { systemClock } from './clock';
import { FatalModelError, ModelCancelledError, ModelError, RequestDeferredError } from './errors';
import { UsageLedger, costOf } from './accounting';
import { linkedSignal } from './linkedSignal';
import type { ModelProfile, SamplingDefaults } from './profile';
import { redact } from './redact';
import type { CachedReply, ResponseCacheOptions } from './responseCache';
import { ResponseCache, cacheKey, normaliseBaseURL } from './responseCache';
import type { CompletionSender } from './requestThreadProtocol';
import type { RequestWorkerScript } from './requestThreads';
import { RequestThreadPool, findRequestWorkerScript } from './requestThreads';
import type { KeepAliveTransport } from './transport';
import { createKeepAliveFetch } from './transport';

/** The user (or the caller's policy) did not allow requests to this origin; nothing was sent. The run should stop. */
export class OriginNotApprovedError extends FatalModelError {
  constructor(
    readonly origin: string,
    profile: string,
  ) {
    super(`profile "${profile}": requests to ${origin} were not approved, so nothing was sent to it`, profile, 0, 'origin_not_approved');
    this.name = 'OriginNotApprovedError';
  }
}

/** A call the engine did not send (defer mode): what a batch request file needs to send it later. */
export interface DeferredRequest {
  /** The call's cache key: its reply, imported under this id, answers the call next time. */
  readonly customId: string;
  readonly profile: string;
  /** Where the profile sends its requests (normalised). */
  readonly baseURL: string;
  /** The exact body the client would have sent (`requestParams`), without `stream`. */
  readonly body: OpenAI.ChatCompletionCreateParamsNonStreaming;
}

export interface ModelEngineOptions {
  readonly profiles: readonly ModelProfile[] | ReadonlyMap<string, ModelProfile>;
  /** The key for a profile (the CLI: the variable named by apiKeyRef; the editor: SecretStorage by origin); undefined: send no key. */
  keyFor(profile: ModelProfile): string | undefined | Promise<string | undefined>;
  /** Where the response cache lives; no cache without it. */
  readonly cacheDirectory?: string;
  /** The in-memory layer in front of the cache directory (none by default). */
  readonly cacheOptions?: ResponseCacheOptions;
  /** The default for calls that do not say; 'use' by default. */
  readonly cacheMode?: CacheMode;
  /** The fetch every client sends with; by default each profile gets its own keep-alive transport (transport.ts), sized to its concurrency. */
  readonly fetch?: typeof globalThis.fetch;
  readonly clock?: Clock;
  /** Asked once per origin before its first request; false fails the call (and every later one to that origin) with nothing sent. */
  beforeFirstRequest?(origin: string, profile: ModelProfile): Promise<boolean>;
  /** Counts every call; a new one by default. */
  readonly ledger?: UsageLedger;
  /** Warnings (a cache entry that could not be written); the text is free of keys. */
  log?(message: string): void;
  /** Passed to every ModelClient (retry policy, timeouts, jitter source). */
  readonly client?: Omit<ModelClientOptions, 'apiKey' | 'clock' | 'fetch'>;
  /**
   * Defer mode (a batch export): a call the cache cannot answer is not sent but given to this sink,
   * and fails with RequestDeferredError. Needs `cacheDirectory`; keys and approvals are never asked for.
   */
  deferRequests?(request: DeferredRequest): void;
  /**
   * Request threads (requestThreads.ts) for profiles of high concurrency, where the `openai`
   * client's per-call work would crowd the engine's own thread: how many threads, and from which
   * profile concurrency on. By default one thread per core beyond the first (at least one, at
   * most four), from concurrency 32; `threads: 0` sends everything from this thread. Not used
   * with `fetch` (a caller's fetch sees every request in this thread).
   */
  readonly requestThreads?: { readonly threads: number; readonly minConcurrency?: number; readonly script?: RequestWorkerScript };
}

/**
 * The default request threads, for profiles of concurrency 32 and more (below that the engine's
 * own thread keeps up): one per core beyond the one the engine's thread needs, at most four, and
 * at least two. Replies land in bursts, and two threads work through a burst side by side even on
 * two cores, where the engine's thread is mostly idle: at 20,000 × 512 on 2 cores, 1.092 against
 * 1.105 × ideal with one thread (bench/engineThroughput.bench.ts; 2,000 × 64: 1.039 against 1.042).
 */
function defaultRequestThreads(): NonNullable<ModelEngineOptions['requestThreads']> {
  return { threads: Math.min(4, Math.max(2, availableParallelism() - 1)) };
}

/** Below this profile concurrency the engine's own thread keeps up. */
const MIN_THREADED_CONCURRENCY = 32;

export class ModelEngine {
  readonly ledger: UsageLedger;
  readonly cache: ResponseCache | undefined;
  private readonly profiles: ReadonlyMap<string, ModelProfile>;
  private readonly models = new Map<string, EngineChatModel>();
  private readonly clients = new Map<string, Promise<ModelClient>>();
  /** The clients made so far: a call takes its client without a promise step once it exists. */
  private readonly madeClients = new Map<string, ModelClient>();
  private readonly approvals = new Map<string, Promise<boolean>>();
  /** Keys handed out so far: redacted from anything the engine itself reports. */
  private readonly keys = new Set<string>();
  private readonly lifetime = new AbortController();
  private readonly transports: KeepAliveTransport[] = [];
  private requestThreads: RequestThreadPool | undefined;
  private missingWorkerWarned = false;
  private readonly clock: Clock;

  constructor(private readonly options: ModelEngineOptions) {
    const list = options.profiles instanceof Map ? [...options.profiles.values()] : [...(options.profiles as readonly ModelProfile[])];
    const profiles = new Map<string, ModelProfile>();
    for (const profile of list) {
      if (profiles.has(profile.name)) throw new Error(`two model profiles are named "${profile.name}"`);
      profiles.set(profile.name, profile);
    }
    this.profiles = profiles;
    this.ledger = options.ledger ?? new UsageLedger();
    this.cache = options.cacheDirectory !== undefined ? new ResponseCache(options.cacheDirectory, options.cacheOptions) : undefined;
    if (options.deferRequests && !this.cache) throw new Error('defer mode needs a response cache: give cacheDirectory, where imported replies go');
    this.clock = options.clock ?? systemClock;
  }

  /** The profiles' names, as given. */
  profileNames(): string[] {
    return [...this.profiles.keys()];
  }

  profile(name: string): ModelProfile | undefined {
    return this.profiles.get(name);
  }

  /** The model of a profile; throws naming the known profiles when there is none of that name. */
  model(name: string): ChatModel {
    const existing = this.models.get(name);
    if (existing) return existing;
    const profile = this.profiles.get(name);
    if (!profile) {
      const known = this.profileNames();
      throw new Error(`no model profile named "${name}" (${known.length > 0 ? `known: ${known.join(', ')}` : 'no profiles are configured'})`);
    }
    const model = new EngineChatModel(this, profile);
    this.models.set(name, model);
    return model;
  }

  /** Stops every call in flight (they reject as cancelled) and refuses new ones. */
  dispose(): void {
    this.lifetime.abort();
    for (const transport of this.transports.splice(0)) transport.close().catch(() => undefined);
    this.requestThreads?.close().catch(() => undefined);
    this.requestThreads = undefined;
  }

  get disposed(): boolean {
    return this.lifetime.signal.aborted;
  }

  /** @internal One call of a profile's model. */
  async complete(profile: ModelProfile, request: CompletionRequest, options: ChatCallOptions): Promise<ChatResult> {
    if (this.disposed || options.signal?.aborted) throw new ModelCancelledError(profile.name);
    const started = this.clock.now();
    const sample = options.sample ?? 0;
    const mode = options.cache ?? this.options.cacheMode ?? 'use';
    const params = this.cache ? requestParams(profile, request) : undefined;
    const key = params ? cacheKey({ baseURL: profile.baseURL ?? OPENAI_DEFAULT_BASE_URL, params, sample }) : undefined;

    if (this.cache && key !== undefined && mode === 'use') {
      const hit = this.readCache(key);
      if (hit) {
        this.ledger.recordCached(profile.name, profile.model);
        return {
          content: hit.content, finishReason: hit.finishReason, usage: hit.usage, model: hit.model,
          ...(hit.logprobs !== undefined ? { logprobs: hit.logprobs } : {}),
          attempts: 0, durationMs: this.clock.now() - started, profile: profile.name, cached: true, costUsd: 0,
        };
      }
    }

    if (this.options.deferRequests && key !== undefined && params) {
      // Before the key or the approval is asked for: nothing is sent in defer mode.
      this.options.deferRequests({ customId: key, profile: profile.name, baseURL: baseURLOf(profile), body: params });
      throw new RequestDeferredError(profile.name, key);
    }

    // A signal of the call's own, so that nothing per call is added to the long-lived ones.
    const link = linkedSignal(this.lifetime.signal, options.signal);
    const signal = link.signal;
    let result;
    try {
      // Not counted as a request when it fails: nothing was sent (a denied origin, a key store error).
      const client = this.madeClients.get(profile.name) ?? (await this.clientFor(profile));
      if (signal.aborted) throw new ModelCancelledError(profile.name);
      // A profile stopped by a refused key or no quota: the client would refuse without sending.
      const stopped = client.fatalError();
      if (stopped) throw stopped;
      try {
        result = await client.complete(request, { signal });
      } catch (error) {
        if (!(error instanceof ModelCancelledError)) this.ledger.recordFailed(profile.name, profile.model);
        throw error;
      }
    } finally {
      link.release();
    }
    const costUsd = costOf(profile, result.usage);
    this.ledger.recordAnswered(profile.name, profile.model, result.usage, costUsd);
    if (this.cache && key !== undefined) {
      try {
        await this.cache.put(key, result);
      } catch (error) {
        this.warn(`response cache: could not store a reply of profile "${profile.name}" (${(error as NodeJS.ErrnoException).code ?? String(error)}); the run goes on`);
      }
    }
    return { ...result, profile: profile.name, cached: false, costUsd };
  }

  private readCache(key: string): CachedReply | undefined {
    try {
      return this.cache?.get(key);
    } catch (error) {
      // An unreadable cache is a miss, not a failed call.
      this.warn(`response cache: could not read an entry (${(error as NodeJS.ErrnoException).code ?? String(error)}); asking the model`);
      return undefined;
    }
  }

  /** The profile's client, made once: the key resolved and the origin approved first. */
  private clientFor(profile: ModelProfile): Promise<ModelClient> {
    const existing = this.clients.get(profile.name);
    if (existing) return existing;
    const client = this.makeClient(profile);
    this.clients.set(profile.name, client);
    client.then(
      (made) => {
        if (this.clients.get(profile.name) === client) this.madeClients.set(profile.name, made);
      },
      // A failure (a denied origin, a key store that failed) is not kept: a later call asks again,
      // except for a denial, which the approval map remembers.
      () => {
        if (this.clients.get(profile.name) === client) this.clients.delete(profile.name);
      },
    );
    return client;
  }

  private async makeClient(profile: ModelProfile): Promise<ModelClient> {
    const origin = originOf(baseURLOf(profile));
    if (this.options.beforeFirstRequest) {
      let approval = this.approvals.get(origin);
      if (!approval) {
        approval = Promise.resolve(this.options.beforeFirstRequest(origin, profile)).catch(() => false);
        this.approvals.set(origin, approval);
      }
      if (!(await approval)) throw new OriginNotApprovedError(origin, profile.name);
    }
    let apiKey: string | undefined;
    try {
      apiKey = await this.options.keyFor(profile);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new ModelError(`profile "${profile.name}": could not read its key: ${redact(message, [...this.keys])}`, profile.name);
    }
    if (apiKey !== undefined && apiKey.trim() === '') apiKey = undefined;
    if (apiKey !== undefined) this.keys.add(apiKey);
    const send = await this.threadedSender(profile, apiKey);
    if (this.disposed) throw new ModelCancelledError(profile.name);
    return new ModelClient(profile, {
      ...this.options.client,
      ...(apiKey !== undefined ? { apiKey } : {}),
      clock: this.clock,
      // Streams (and, without request threads, every call) go through this thread's client.
      fetch: this.options.fetch ?? this.transportFor(profile),
      ...(send ? { send } : {}),
    });
  }

  /**
   * The profile's sender through the request threads, when it should have one. Threads that cannot
   * start cost speed, not the run: the profile then sends from this thread, with a warning.
   */
  private async threadedSender(profile: ModelProfile, apiKey: string | undefined): Promise<CompletionSender | undefined> {
    const { threads, minConcurrency = MIN_THREADED_CONCURRENCY, script: given } = this.options.requestThreads ?? defaultRequestThreads();
    if (this.options.fetch || threads < 1 || profile.concurrency < minConcurrency || this.disposed) return undefined;
    if (!this.requestThreads) {
      const script = given ?? findRequestWorkerScript();
      if (!script) {
        // A bundle shipped without its worker file: slower, not broken, and said once.
        if (!this.missingWorkerWarned) this.warn(`the request thread code (requestWorker.js) is not beside the engine's; profile "${profile.name}" sends from the main thread`);
        this.missingWorkerWarned = true;
        return undefined;
      }
      this.requestThreads = new RequestThreadPool({ threads, script });
    }
    const pool = this.requestThreads;
    try {
      await pool.ready();
    } catch (error) {
      // Disposed meanwhile: the caller stops the call; nothing to warn about.
      if (!this.disposed) this.warn(`${error instanceof Error ? error.message : String(error)}; profile "${profile.name}" sends from the main thread`);
      return undefined;
    }
    return pool.sender({
      baseURL: profile.baseURL,
      apiKey,
      concurrency: profile.concurrency,
      attemptTimeoutMs: this.options.client?.attemptTimeoutMs ?? DEFAULT_ATTEMPT_TIMEOUT_MS,
    });
  }

  /** One keep-alive connection pool per profile, with a connection for each call it may have in flight. */
  private transportFor(profile: ModelProfile): typeof globalThis.fetch {
    const transport = createKeepAliveFetch({ connections: profile.concurrency });
    this.transports.push(transport);
    return transport.fetch;
  }

  private warn(message: string): void {
    try {
      this.options.log?.(redact(message, [...this.keys]));
    } catch {
      // Logging must not fail a call.
    }
  }
}

class EngineChatModel implements ChatModel {
  readonly profile: string;
  readonly model: string;
  readonly sampling: SamplingDefaults;

  constructor(
    private readonly engine: ModelEngine,
    private readonly definition: ModelProfile,
  ) {
    this.profile = definition.name;
    this.model = definition.model;
    this.sampling = definition.sampling;
  }

  complete(request: CompletionRequest, options: ChatCallOptions = {}): Promise<ChatResult> {
    return this.engine.complete(this.definition, request, options);
  }
}

/** Where a profile's requests go. */
export function baseURLOf(profile: ModelProfile): string {
  return normaliseBaseURL(profile.baseURL ?? OPENAI_DEFAULT_BASE_URL);
}

/** `scheme://host[:port]` of a URL: what the editor asks the user to approve. */
export function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}
