/**
 * The model engine: one ChatModel per profile over one ModelClient each (so one queue per
 * profile), with the response cache in front and the usage ledger counting every call.
 *
 * A call answered from the cache touches neither the key, nor the queue, nor the network. A call
 * that must be sent resolves the profile's key (the CLI from the environment, the editor from
 * SecretStorage) and, before the first request to each origin, asks `beforeFirstRequest` (the
 * editor asks the user); a refusal fails the call and sends nothing.
 */
import { setMaxListeners } from 'node:events';
import type OpenAI from 'openai';
import type { ChatCallOptions, ChatModel, ChatResult, CacheMode } from './chatModel';
import type { CompletionRequest, ModelClientOptions } from './client';
import { ModelClient, OPENAI_DEFAULT_BASE_URL, requestParams } from './client';
import type { Clock } from './clock';
import { systemClock } from './clock';
import { FatalModelError, ModelCancelledError, ModelError, RequestDeferredError } from './errors';
import { UsageLedger, costOf } from './accounting';
import type { ModelProfile, SamplingDefaults } from './profile';
import { redact } from './redact';
import type { CachedReply, ResponseCacheOptions } from './responseCache';
import { ResponseCache, cacheKey, normaliseBaseURL } from './responseCache';
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
}

export class ModelEngine {
  readonly ledger: UsageLedger;
  readonly cache: ResponseCache | undefined;
  private readonly profiles: ReadonlyMap<string, ModelProfile>;
  private readonly models = new Map<string, EngineChatModel>();
  private readonly clients = new Map<string, Promise<ModelClient>>();
  private readonly approvals = new Map<string, Promise<boolean>>();
  /** Keys handed out so far: redacted from anything the engine itself reports. */
  private readonly keys = new Set<string>();
  private readonly lifetime = new AbortController();
  private readonly transports: KeepAliveTransport[] = [];
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
    // Every call in flight listens to the engine's lifetime: hundreds at a time is expected, not a leak.
    setMaxListeners(0, this.lifetime.signal);
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

    const link = options.signal ? linkSignals(options.signal, this.lifetime.signal) : undefined;
    const signal = link?.signal ?? this.lifetime.signal;
    let result;
    try {
      // Not counted as a request when it fails: nothing was sent (a denied origin, a key store error).
      const client = await this.clientFor(profile);
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
      link?.unlink();
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
    let client = this.clients.get(profile.name);
    if (!client) {
      client = this.makeClient(profile);
      this.clients.set(profile.name, client);
      // A failure (a denied origin, a key store that failed) is not kept: a later call asks again,
      // except for a denial, which the approval map remembers.
      client.catch(() => {
        if (this.clients.get(profile.name) === client) this.clients.delete(profile.name);
      });
    }
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
    return new ModelClient(profile, {
      ...this.options.client,
      ...(apiKey !== undefined ? { apiKey } : {}),
      clock: this.clock,
      fetch: this.options.fetch ?? this.transportFor(profile),
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

/**
 * A signal that aborts when either source does, until `unlink`. AbortSignal.any would do, but in
 * Node 20 it costs about 20 µs a call, and each composite stays registered on the engine's
 * long-lived lifetime signal until it is collected; this costs one controller and two listeners.
 */
function linkSignals(first: AbortSignal, second: AbortSignal): { readonly signal: AbortSignal; unlink(): void } {
  const controller = new AbortController();
  const onFirst = (): void => controller.abort(first.reason);
  const onSecond = (): void => controller.abort(second.reason);
  const unlink = (): void => {
    first.removeEventListener('abort', onFirst);
    second.removeEventListener('abort', onSecond);
  };
  if (first.aborted) controller.abort(first.reason);
  else if (second.aborted) controller.abort(second.reason);
  else {
    // A row's signal carries one listener per call in flight (both orders, k samples, n teachers…): many is expected, and each is removed when its call ends.
    setMaxListeners(0, first);
    first.addEventListener('abort', onFirst, { once: true });
    second.addEventListener('abort', onSecond, { once: true });
  }
  return { signal: controller.signal, unlink };
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
