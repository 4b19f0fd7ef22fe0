import type OpenAI from 'openai';
import { seededRandom } from '../random';
import type { Clock } from './clock';
import { systemClock } from './clock';
import {
  AttemptError, FatalModelError, ModelCancelledError, ModelRequestError, RetriesExhaustedError, SchemaMismatchError,
} from './errors';
import type { JsonSchemaLike } from './jsonShape';
import { OPENAI_DEFAULT_BASE_URL, createOpenAIClient } from './openaiClient';
import type { CompletionSender } from './requestThreadProtocol';
import { checkJsonReply } from './jsonShape';
import type { ModelProfile } from './profile';
import { redact } from './redact';
import type { RetryPolicy } from './retry';
import { WaitQueue } from './waitQueue';
import { DEFAULT_RETRY_POLICY, backoffDelay, classify } from './retry';
import type { Permit } from './scheduler';
import { ProfileScheduler, estimateTokens } from './scheduler';

export interface CompletionRequest {
  readonly messages: OpenAI.ChatCompletionMessageParam[];
  /** The profile's sampling defaults fill what is left out. */
  readonly temperature?: number;
  readonly top_p?: number;
  readonly max_tokens?: number;
  readonly seed?: number;
  readonly stop?: string[];
  /** Stream the reply (with an idle timeout between chunks); false by default. */
  readonly stream?: boolean;
  /**
   * Ask for a reply in this JSON schema (`response_format: json_schema`). A reply that does not
   * match is asked for again, at most `maxSchemaAttempts` times in all; then SchemaMismatchError.
   */
  readonly jsonSchema?: { readonly name: string; readonly schema: JsonSchemaLike & Record<string, unknown>; readonly strict?: boolean };
  /** Ask for each reply token's log-probability (`logprobs: true`); part of the cache key. */
  readonly logprobs?: boolean;
  /** With `logprobs`, how many alternatives to list at each token (0–20). */
  readonly top_logprobs?: number;
}

/** One token of the reply with its log-probability and, when asked for, the likeliest alternatives there. */
export interface TokenLogprob {
  readonly token: string;
  readonly logprob: number;
  readonly top: readonly { readonly token: string; readonly logprob: number }[];
}

export interface CompletionUsage {
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly totalTokens: number;
}

export interface CompletionResult {
  readonly content: string;
  readonly finishReason: string;
  /** As the service reported it; undefined when it did not. */
  readonly usage: CompletionUsage | undefined;
  /** Requests sent for this call, the successful one included. */
  readonly attempts: number;
  /** The model that answered, as the service names it. */
  readonly model: string;
  /** From the call to its result, waits included. */
  readonly durationMs: number;
  /** The reply's tokens with their log-probabilities, when the request asked for them and the service gave them. */
  readonly logprobs?: readonly TokenLogprob[];
}

export interface ModelClientOptions {
  /** The key itself, resolved by the caller from `profile.apiKeyRef`. Local servers need none. */
  readonly apiKey?: string;
  readonly clock?: Clock;
  /** For backoff jitter; seed it in tests. */
  readonly random?: () => number;
  readonly retry?: Partial<RetryPolicy>;
  /** The longest one attempt may take; 10 minutes by default. */
  readonly attemptTimeoutMs?: number;
  /** The longest a stream may go without a chunk; 60 s by default. */
  readonly idleTimeoutMs?: number;
  /** Requests in all for a call whose replies break its JSON schema; 3 by default. */
  readonly maxSchemaAttempts?: number;
  /** The fetch the `openai` client sends with (a keep-alive transport, or a wrapper that checks the origin); the global fetch by default. */
  readonly fetch?: typeof globalThis.fetch;
  /**
   * Sends non-streaming requests instead of this thread's `openai` client: the engine's request
   * threads (requestThreads.ts). Streams always go through this thread's client.
   */
  readonly send?: CompletionSender;
}

export { OPENAI_DEFAULT_BASE_URL };

/** The longest one attempt may take, unless the options say otherwise: 10 minutes. */
export const DEFAULT_ATTEMPT_TIMEOUT_MS = 600_000;

/**
 * The reason timers are stopped with: abort() without one builds a DOMException with a stack on
 * every attempt, a few per cent of the engine's CPU at thousands of calls a second.
 */
const TIMER_DONE = new Error('timer no longer needed');

/**
 * The engine for one profile: every call goes through the profile's queue (concurrency, rate
 * buckets, retry-after pauses), and the engine, not the `openai` client (made with
 * `maxRetries: 0`), owns retries, deadlines and cancellation.
 */
export class ModelClient {
  readonly scheduler: ProfileScheduler;
  private readonly openai: OpenAI;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly policy: RetryPolicy;
  private readonly attemptTimeoutMs: number;
  private readonly idleTimeoutMs: number;
  private readonly maxSchemaAttempts: number;
  private readonly secrets: string[];
  private readonly deadlines: DeadlineQueue;
  private readonly send: CompletionSender;
  private fatal: FatalModelError | undefined;

  constructor(
    readonly profile: ModelProfile,
    options: ModelClientOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? seededRandom(`${profile.name}:${Date.now()}`);
    this.policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.attemptTimeoutMs = options.attemptTimeoutMs ?? DEFAULT_ATTEMPT_TIMEOUT_MS;
    this.idleTimeoutMs = options.idleTimeoutMs ?? 60_000;
    this.maxSchemaAttempts = Math.max(1, options.maxSchemaAttempts ?? 3);
    this.secrets = options.apiKey && options.apiKey.length >= 4 ? [options.apiKey] : [];
    this.scheduler = new ProfileScheduler(profile, this.clock);
    this.deadlines = new DeadlineQueue(this.clock, this.attemptTimeoutMs);
    this.openai = createOpenAIClient({ baseURL: profile.baseURL, apiKey: options.apiKey, attemptTimeoutMs: this.attemptTimeoutMs, ...(options.fetch ? { fetch: options.fetch } : {}) });
    this.send = options.send ?? ((params, signal) => this.openai.chat.completions.create(params, { signal }));
  }

  /** The fatal error that stopped this profile, if one has. */
  fatalError(): FatalModelError | undefined {
    return this.fatal;
  }

  async complete(request: CompletionRequest, options: { signal?: AbortSignal } = {}): Promise<CompletionResult> {
    const { signal } = options;
    const started = this.clock.now();
    const params = requestParams(this.profile, request);
    const estimate = estimateTokens(request.messages, params.max_tokens ?? this.profile.sampling.max_tokens);
    let attempts = 0;
    let transientFailures = 0;
    let rateLimitedFailures = 0;
    let schemaFailures = 0;

    for (;;) {
      this.throwIfStopped(signal);
      let permit: Permit;
      try {
        permit = this.scheduler.tryAcquire(estimate, signal) ?? (await this.scheduler.acquire(estimate, signal));
      } catch (error) {
        this.throwIfStopped(signal);
        throw error;
      }
      if (this.fatal || signal?.aborted) {
        permit.release();
        this.throwIfStopped(signal);
      }
      attempts++;
      let reply: Reply;
      try {
        reply = await this.attempt(params, request.stream === true, signal);
      } catch (error) {
        const verdict = signal?.aborted || this.fatal ? undefined : classify(error, this.clock.now());
        // Before the permit goes back: a call waiting for it must already see the stop, or the
        // pause the service asked for, or it would be sent at once.
        if (verdict?.kind === 'fatal') this.fatal = this.fatalFor(verdict.status, verdict.code);
        else if (verdict?.kind === 'retry' && verdict.retryAfterMs !== undefined) this.scheduler.pause(verdict.retryAfterMs);
        permit.release();
        this.throwIfStopped(signal);
        if (!verdict) throw error;
        if (verdict.kind === 'reject') {
          throw new ModelRequestError(this.clean(`profile "${this.profile.name}": request refused (${verdict.why})`), this.profile.name, verdict.status);
        }
        if (verdict.kind === 'fatal') throw this.fatal ?? error;
        if (verdict.rateLimited) rateLimitedFailures++;
        else transientFailures++;
        if (transientFailures >= this.policy.maxAttempts || rateLimitedFailures >= this.policy.maxRateLimitedAttempts) {
          const why = this.clean(verdict.why);
          throw new RetriesExhaustedError(
            `profile "${this.profile.name}": gave up after ${attempts} attempts; last error: ${why}`, this.profile.name, attempts, why,
          );
        }
        // With a retry-after, the pause above holds this call too (the whole profile waits).
        if (verdict.retryAfterMs === undefined) {
          try {
            await this.clock.sleep(backoffDelay(transientFailures - 1, this.policy, this.random), signal);
          } catch (sleepError) {
            this.throwIfStopped(signal);
            throw sleepError;
          }
        }
        continue;
      }
      permit.release(reply.usage?.totalTokens);

      if (request.jsonSchema) {
        const problems = checkJsonReply(reply.content, request.jsonSchema.schema);
        if (problems.length > 0) {
          schemaFailures++;
          if (schemaFailures >= this.maxSchemaAttempts) {
            throw new SchemaMismatchError(
              `profile "${this.profile.name}": ${schemaFailures} replies did not match the schema "${request.jsonSchema.name}": ${problems.slice(0, 3).join('; ')}`,
              this.profile.name, attempts, problems, reply.content,
            );
          }
          continue;
        }
      }
      return { ...reply, attempts, durationMs: this.clock.now() - started };
    }
  }

  /** One request, bounded by the deadline (and for streams the idle timeout); a partial reply is an error. */
  private async attempt(params: OpenAI.ChatCompletionCreateParamsNonStreaming, stream: boolean, signal: AbortSignal | undefined): Promise<Reply> {
    const controller = new AbortController();
    const onAbort = (): void => controller.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    let timedOut: AttemptError | undefined;
    const expire = (error: AttemptError): void => {
      if (controller.signal.aborted) return;
      timedOut = error;
      controller.abort(error);
    };
    const deadline = this.deadlines.add(() => expire(new AttemptError(`no complete reply within ${this.attemptTimeoutMs} ms`, 'deadline')));
    let idle: IdleTimer | undefined;
    try {
      if (stream) {
        idle = new IdleTimer(this.clock, this.idleTimeoutMs, () => expire(new AttemptError(`the stream sent nothing for ${this.idleTimeoutMs} ms`, 'idle')));
        const events = await this.openai.chat.completions.create(
          { ...params, stream: true, stream_options: { include_usage: true } },
          { signal: controller.signal },
        );
        let content = '';
        let finishReason: string | undefined;
        let usage: CompletionUsage | undefined;
        let model = this.profile.model;
        let logprobs: TokenLogprob[] | undefined;
        for await (const chunk of events) {
          idle.touch();
          if (chunk.model) model = chunk.model;
          if (chunk.usage) usage = usageOf(chunk.usage);
          const choice = chunk.choices[0];
          if (choice?.delta?.content) content += choice.delta.content;
          if (choice?.finish_reason) finishReason = choice.finish_reason;
          if (choice?.logprobs?.content) (logprobs ??= []).push(...choice.logprobs.content.map(tokenLogprobOf));
        }
        // An aborted stream ends the loop quietly: find out why it ended.
        if (timedOut) throw timedOut;
        if (controller.signal.aborted) throw new ModelCancelledError(this.profile.name);
        if (finishReason === undefined) throw new AttemptError('the stream ended without a finish reason', 'partialStream');
        return { content, finishReason, usage, model, ...(logprobs ? { logprobs } : {}) };
      }
      const completion = await this.send(params, controller.signal);
      const choice = completion.choices[0];
      if (!choice || !choice.finish_reason) throw new AttemptError('the reply has no finished choice', 'partialStream');
      return {
        content: choice.message.content ?? '',
        finishReason: choice.finish_reason,
        usage: completion.usage ? usageOf(completion.usage) : undefined,
        model: completion.model || this.profile.model,
        ...(choice.logprobs?.content ? { logprobs: choice.logprobs.content.map(tokenLogprobOf) } : {}),
      };
    } catch (error) {
      if (timedOut) throw timedOut;
      throw error;
    } finally {
      this.deadlines.remove(deadline);
      idle?.stop();
      signal?.removeEventListener('abort', onAbort);
    }
  }

  private throwIfStopped(signal: AbortSignal | undefined): void {
    if (signal?.aborted) throw new ModelCancelledError(this.profile.name);
    if (this.fatal) throw this.fatal;
  }

  private fatalFor(status: number, code: string | undefined): FatalModelError {
    const name = this.profile.name;
    const keyFrom = this.profile.apiKeyRef ? `the key named by apiKeyRef "${this.profile.apiKeyRef}"` : 'the API key (the profile names no apiKeyRef)';
    const message = code === 'insufficient_quota'
      ? `profile "${name}": the account has no quota left (HTTP 429 insufficient_quota); add credit or choose another profile. The run stops.`
      : `profile "${name}": the service refused the key (HTTP ${status}${code ? ` ${code}` : ''}); check ${keyFrom}. The run stops.`;
    return new FatalModelError(this.clean(message), name, status, code);
  }

  private clean(text: string): string {
    return redact(text, this.secrets);
  }
}

/**
 * The body sent for a request (without `stream`): the profile's model, the messages, and every
 * sampling option, the profile's defaults filling what the request leaves out. The response cache
 * keys on exactly this.
 */
export function requestParams(profile: ModelProfile, request: CompletionRequest): OpenAI.ChatCompletionCreateParamsNonStreaming {
  const sampling = profile.sampling;
  const params: OpenAI.ChatCompletionCreateParamsNonStreaming = {
    model: profile.model,
    messages: request.messages,
    temperature: request.temperature ?? sampling.temperature,
    top_p: request.top_p ?? sampling.top_p,
    max_tokens: request.max_tokens ?? sampling.max_tokens,
  };
  // Assigned, not spread: this runs for every call, cache hits included.
  const seed = request.seed ?? sampling.seed;
  if (seed !== undefined) params.seed = seed;
  if (request.stop) params.stop = request.stop;
  if (request.logprobs === true) {
    params.logprobs = true;
    if (request.top_logprobs !== undefined) params.top_logprobs = request.top_logprobs;
  }
  if (request.jsonSchema) {
    params.response_format = {
      type: 'json_schema',
      json_schema: { name: request.jsonSchema.name, schema: request.jsonSchema.schema, strict: request.jsonSchema.strict ?? true },
    };
  }
  return params;
}

/** One attempt's deadline; `expire` runs when it falls due. */
interface Deadline {
  readonly at: number;
  readonly expire: () => void;
}

/**
 * The deadlines of a client's attempts in flight, on one timer. Every attempt gets the same
 * timeout, so deadlines fall due in the order the attempts started: a FIFO whose head is the next
 * to expire. A timer (and an AbortController to stop it) per attempt cost a few per cent of the
 * engine's CPU at thousands of calls a second; this costs a queue entry.
 */
class DeadlineQueue {
  private readonly pending = new WaitQueue<Deadline>();
  private timer: AbortController | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly timeoutMs: number,
  ) {}

  add(expire: () => void): Deadline {
    const deadline: Deadline = { at: this.clock.now() + this.timeoutMs, expire };
    this.pending.push(deadline);
    if (this.timer === undefined) this.arm(deadline.at);
    return deadline;
  }

  /** The attempt is over; its deadline no longer applies. */
  remove(deadline: Deadline): void {
    this.pending.remove(deadline);
    if (this.pending.size === 0 && this.timer !== undefined) {
      // Nothing left to watch: stop the timer, so that an idle client holds none.
      this.timer.abort(TIMER_DONE);
      this.timer = undefined;
    }
  }

  /** Sleeps until `at`, then expires what is due and sleeps again until the next head's time. */
  private arm(at: number): void {
    const timer = new AbortController();
    this.timer = timer;
    this.clock.sleep(at - this.clock.now(), timer.signal).then(
      () => {
        if (this.timer !== timer) return;
        this.timer = undefined;
        const now = this.clock.now();
        for (let head = this.pending.peek(); head !== undefined && head.at <= now; head = this.pending.peek()) {
          this.pending.shift();
          head.expire();
        }
        const next = this.pending.peek();
        if (next !== undefined && this.timer === undefined) this.arm(next.at);
      },
      () => undefined,
    );
  }
}

/**
 * A stream's idle timeout: `expire` runs when `touch` has not been called for `timeoutMs`. One
 * timer per quiet period rather than one per chunk: when it falls due after a chunk came, it
 * sleeps again for what is left since that chunk.
 */
class IdleTimer {
  private last: number;
  private readonly timer = new AbortController();

  constructor(
    private readonly clock: Clock,
    private readonly timeoutMs: number,
    private readonly expire: () => void,
  ) {
    this.last = clock.now();
    this.sleepUntil(this.last + timeoutMs);
  }

  touch(): void {
    this.last = this.clock.now();
  }

  stop(): void {
    this.timer.abort(TIMER_DONE);
  }

  private sleepUntil(at: number): void {
    this.clock.sleep(at - this.clock.now(), this.timer.signal).then(
      () => {
        const due = this.last + this.timeoutMs;
        if (this.clock.now() >= due) this.expire();
        else this.sleepUntil(due);
      },
      () => undefined,
    );
  }
}

interface Reply {
  content: string;
  finishReason: string;
  usage: CompletionUsage | undefined;
  model: string;
  logprobs?: TokenLogprob[];
}

function tokenLogprobOf(entry: OpenAI.ChatCompletionTokenLogprob): TokenLogprob {
  return { token: entry.token, logprob: entry.logprob, top: (entry.top_logprobs ?? []).map((alternative) => ({ token: alternative.token, logprob: alternative.logprob })) };
}

function usageOf(usage: OpenAI.CompletionUsage): CompletionUsage {
  return { promptTokens: usage.prompt_tokens, completionTokens: usage.completion_tokens, totalTokens: usage.total_tokens };
}
