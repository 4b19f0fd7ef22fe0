/**
 * The project's own OpenAI-compatible server, for tests and for the offline simulator: HTTP on
 * 127.0.0.1, `POST /v1/chat/completions` (plain and streaming) and `GET /v1/models`, with
 * scripted rules, seeded randomness, latency, rate limits, faults on demand, a simulated judge,
 * and every request recorded. Every response is labelled as simulated
 * (`x-distillery-simulated: true`, `system_fingerprint: "distillery-simulator"`).
 *
 *     const server = await startTestServer({ seed: 1 });
 *     const client = new OpenAI({ baseURL: server.baseURL, apiKey: 'test-key', maxRetries: 0 });
 *     …
 *     await server.close();
 */
import * as http from 'node:http';
import type { Socket } from 'node:net';
import type { ChoiceOutput, CompletionMeta } from './completion';
import { buildChunks, buildCompletion, buildUsage } from './completion';
import type { FaultKind, FaultSpec } from './faults';
import { errorReplyFor, FaultQueue, retryAfterHeaders } from './faults';
import { genericAnswer, phrase } from './generate';
import type { JudgeOptions } from './judge';
import { runJudge } from './judge';
import type { LatencySpec } from './latency';
import { planDelay } from './latency';
import { buildLogprobs } from './logprobs';
import type { MatchTarget } from './match';
import { CHAT_COMPLETIONS_PATH } from './match';
import type { ChatRequest, CompletionUsage, Model } from './protocol';
import { ApiError, lastUserText, parseChatRequest } from './protocol';
import { deriveSeed, Rng } from './random';
import type { RateLimitOptions } from './rateLimit';
import { RateLimiter } from './rateLimit';
import type { RecordedRequest } from './recording';
import { flattenHeaders } from './recording';
import type { ActiveRule, ReplyContext, ReplySpec, Rule, RuleHandle } from './rules';
import { resolveReply, RuleBook } from './rules';
import { generateFromSchema, violateSchema } from './schema';
import { SSE_DONE, SSE_HEADERS, sseEvent, writeFlushed } from './sse';
import { countPromptTokens, countTokens, tokenize } from './tokens';

export interface TestServerOptions {
  /** Seed of every random choice; 0 by default. */
  seed?: number;
  /** Counts the prompt tokens reported in usage (the built-in estimate by default), e.g. a real tokenizer when a test compares counts with one. */
  usageTokenizer?: (text: string) => number;
  /** Rules in order; more can be added with `addRule`. */
  rules?: Rule[];
  /** Delay before each answer; none by default. */
  latency?: LatencySpec;
  /** Pause between stream events; 0 by default (the whole stream is written at once). */
  streamChunkIntervalMs?: number;
  rateLimit?: RateLimitOptions;
  /** The simulated judge's biases for requests no rule answers. */
  judge?: JudgeOptions;
  /** Listed by GET /v1/models. */
  models?: string[];
  /** When set, requests with another bearer token get 401. */
  apiKey?: string;
  /** 0 (any free port) by default. The host is always 127.0.0.1. */
  port?: number;
  /** Keep at most this many recorded requests (the oldest go first); unlimited by default. */
  recordLimit?: number;
}

export interface TestServer {
  /** `http://127.0.0.1:PORT/v1`, for the openai client's `baseURL`. */
  readonly baseURL: string;
  readonly port: number;
  readonly seed: number;
  /** Every request, in arrival order. */
  readonly requests: readonly RecordedRequest[];
  /** Unexpected errors inside the server (a bug in a rule, say); each also answered 500. */
  readonly errors: readonly Error[];
  /** The recorded `POST /v1/chat/completions` requests. */
  chatRequests(): RecordedRequest[];
  addRule(rule: Rule): RuleHandle;
  /** Queues a fault for the next matching request(s). */
  fault(spec: FaultSpec): void;
  pendingFaults(): Array<{ kind: FaultKind; remaining: number }>;
  clearFaults(): void;
  setJudge(options: JudgeOptions): void;
  setLatency(spec: LatencySpec | undefined): void;
  setRateLimit(options: RateLimitOptions | undefined): void;
  /** Requests being answered now (a stalled stream counts until its client goes away). */
  inFlight(): number;
  /** Open TCP connections, idle keep-alive ones included. */
  openConnections(): number;
  /** Back to the state just after start: no recorded requests, added rules, faults, counters; full rate buckets. */
  reset(): void;
  /** Stops listening and closes every connection, stalled ones included. */
  close(): Promise<void>;
}

export const DEFAULT_MODELS = ['sim-small', 'sim-large', 'sim-judge'];

/** Bodies above this are refused with 413, so that a runaway test cannot exhaust memory. */
const MAX_BODY_BYTES = 32 * 1024 * 1024;

interface Exchange {
  req: http.IncomingMessage;
  res: http.ServerResponse;
  record: RecordedRequest;
  /** Whether the response has closed: finished, or the client went away. */
  isClosed(): boolean;
  /** Aborts when the response closes. Made on demand: most requests never wait on anything. */
  closedSignal(): AbortSignal;
}

/**
 * Resolves after `ms`, or early when `signal` aborts; says whether the full time passed. A plain
 * timer and one listener: timers/promises with a signal costs several times more per request,
 * which at thousands of requests a second is CPU taken from the client under test.
 */
function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** The reason a response's signal aborts with: abort() without one builds a DOMException, stack and all, for every request. */
const CLIENT_GONE = new Error('the response closed');

function whenAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

class OpenAITestServer implements TestServer {
  readonly requests: RecordedRequest[] = [];
  readonly errors: Error[] = [];
  readonly seed: number;
  private readonly http: http.Server;
  private readonly rules = new RuleBook();
  private readonly faults = new FaultQueue();
  private readonly sockets = new Set<Socket>();
  private readonly occurrences = new Map<number, number>();
  private latency: LatencySpec | undefined;
  private judgeOptions: JudgeOptions;
  private limiter: RateLimiter | undefined;
  private sequence = 0;
  private active = 0;
  private closing: Promise<void> | undefined;
  private listeningPort = 0;

  constructor(private readonly options: TestServerOptions) {
    this.seed = options.seed ?? 0;
    this.latency = options.latency;
    this.judgeOptions = { ...options.judge };
    this.limiter = options.rateLimit ? new RateLimiter(options.rateLimit) : undefined;
    for (const rule of options.rules ?? []) this.rules.add(rule);
    this.http = http.createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => this.fail(res, error));
    });
    this.http.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  async listen(port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(port, '127.0.0.1', () => {
        this.http.off('error', reject);
        resolve();
      });
    });
    const address = this.http.address();
    if (address === null || typeof address === 'string') throw new Error('test server: no TCP address');
    this.listeningPort = address.port;
  }

  get port(): number {
    return this.listeningPort;
  }

  get baseURL(): string {
    return `http://127.0.0.1:${this.listeningPort}/v1`;
  }

  chatRequests(): RecordedRequest[] {
    return this.requests.filter((r) => r.method === 'POST' && r.path === CHAT_COMPLETIONS_PATH);
  }

  addRule(rule: Rule): RuleHandle {
    return this.rules.add(rule);
  }

  fault(spec: FaultSpec): void {
    this.faults.push(spec);
  }

  pendingFaults(): Array<{ kind: FaultKind; remaining: number }> {
    return this.faults.pending();
  }

  clearFaults(): void {
    this.faults.clear();
  }

  setJudge(options: JudgeOptions): void {
    this.judgeOptions = { ...options };
  }

  setLatency(spec: LatencySpec | undefined): void {
    this.latency = spec;
  }

  setRateLimit(options: RateLimitOptions | undefined): void {
    this.limiter = options ? new RateLimiter(options) : undefined;
  }

  inFlight(): number {
    return this.active;
  }

  openConnections(): number {
    return this.sockets.size;
  }

  reset(): void {
    this.requests.length = 0;
    this.errors.length = 0;
    this.sequence = 0;
    this.occurrences.clear();
    this.faults.clear();
    this.rules.clear();
    for (const rule of this.options.rules ?? []) this.rules.add(rule);
    this.latency = this.options.latency;
    this.judgeOptions = { ...this.options.judge };
    this.limiter = this.options.rateLimit ? new RateLimiter(this.options.rateLimit) : undefined;
  }

  close(): Promise<void> {
    if (!this.closing) {
      this.closing = new Promise<void>((resolve) => this.http.close(() => resolve()));
      // Idle keep-alive sockets and stalled streams would otherwise keep close() waiting.
      this.http.closeAllConnections();
    }
    return this.closing;
  }

  // ---- HTTP --------------------------------------------------------------------------------

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    this.active++;
    let closed = false;
    // Created only when something waits on it: an AbortController per request costs measurable throughput.
    let closedController: AbortController | undefined;
    res.on('close', () => {
      this.active--;
      closed = true;
      closedController?.abort(CLIENT_GONE);
    });

    const bodyRead = await this.readBody(req);
    if (bodyRead === 'aborted') return;
    const rawBody = bodyRead === 'tooLarge' ? '' : bodyRead;
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    let body: unknown;
    if (rawBody.length > 0) {
      try {
        body = JSON.parse(rawBody);
      } catch {
        body = undefined;
      }
    }
    const record: RecordedRequest = {
      index: this.sequence++,
      method: req.method ?? 'GET',
      path,
      headers: flattenHeaders(req.headers),
      rawBody,
      body,
      time: Date.now(),
      plannedDelayMs: 0,
      status: undefined,
      responseHeaders: {},
      fault: undefined,
      rule: undefined,
      rateLimited: undefined,
      judgements: [],
      usage: undefined,
      closedEarly: false,
    };
    this.requests.push(record);
    res.on('close', () => {
      if (!res.writableFinished) record.closedEarly = true;
    });
    if (this.options.recordLimit !== undefined && this.requests.length > this.options.recordLimit) this.requests.shift();
    const exchange: Exchange = {
      req,
      res,
      record,
      isClosed: () => closed,
      closedSignal: () => {
        if (!closedController) {
          closedController = new AbortController();
          if (closed) closedController.abort(CLIENT_GONE);
        }
        return closedController.signal;
      },
    };

    if (bodyRead === 'tooLarge') {
      this.sendError(exchange, new ApiError(413, 'The request body is too large.', 'invalid_request_error'));
      return;
    }
    // Like the real service, the key is checked before anything else, on every route.
    if (this.options.apiKey !== undefined && record.headers.authorization !== `Bearer ${this.options.apiKey}`) {
      this.sendError(exchange, new ApiError(401, 'Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key'));
      return;
    }
    if (record.method === 'POST' && path === CHAT_COMPLETIONS_PATH) {
      await this.chatCompletions(exchange);
    } else if (record.method === 'GET' && (path === '/v1/models' || path.startsWith('/v1/models/'))) {
      await this.models(exchange);
    } else {
      this.sendError(exchange, new ApiError(404, `Unknown request URL: ${record.method} ${path}.`, 'invalid_request_error', 'unknown_url'));
    }
  }

  /** The body as text; 'tooLarge' past the limit; 'aborted' when the client went away before sending it all. */
  private readBody(req: http.IncomingMessage): Promise<string | 'tooLarge' | 'aborted'> {
    return new Promise((resolve) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let tooLarge = false;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) tooLarge = true;
        else chunks.push(chunk);
      });
      req.on('end', () => resolve(tooLarge ? 'tooLarge' : Buffer.concat(chunks).toString('utf8')));
      // Without 'end', the client is gone: nothing to answer (resolving twice is harmless).
      req.on('error', () => resolve('aborted'));
      req.on('close', () => {
        if (!req.complete) resolve('aborted');
      });
    });
  }

  private commonHeaders(record: RecordedRequest): Record<string, string> {
    return {
      'x-distillery-simulated': 'true',
      'x-request-id': `req_sim_${record.index}`,
      'openai-processing-ms': String(Math.round(record.plannedDelayMs)),
      ...this.limiter?.headers(),
    };
  }

  private sendError(exchange: Exchange, error: ApiError, headers: Record<string, string> = {}): void {
    void this.sendJson(exchange, error.status, error.toBody(), undefined, headers);
  }

  /** Sends a JSON body, or breaks it as the fault says (malformed, dropped half-way, stalled). */
  private async sendJson(
    exchange: Exchange,
    status: number,
    payload: unknown,
    fault: FaultSpec | undefined,
    extraHeaders: Record<string, string> = {},
  ): Promise<void> {
    const { res, record } = exchange;
    if (res.destroyed) return;
    const text = JSON.stringify(payload);
    const headers = { ...this.commonHeaders(record), ...extraHeaders, 'content-type': 'application/json' };
    record.status = status;
    record.responseHeaders = headers;
    switch (fault?.kind) {
      case 'malformedJson': {
        // A truncated document: what a proxy that cut the body short would deliver.
        const broken = text.slice(0, Math.max(1, Math.floor(text.length * 0.6)));
        res.writeHead(status, { ...headers, 'content-length': String(Buffer.byteLength(broken)) });
        res.end(broken);
        return;
      }
      case 'dropStream': {
        res.writeHead(status, { ...headers, 'content-length': String(Buffer.byteLength(text)) });
        await writeFlushed(res, text.slice(0, Math.floor(text.length / 2)));
        res.destroy();
        return;
      }
      case 'stall': {
        res.writeHead(status, { ...headers, 'content-length': String(Buffer.byteLength(text)) });
        res.flushHeaders();
        await whenAborted(exchange.closedSignal());
        return;
      }
      default:
        res.writeHead(status, { ...headers, 'content-length': String(Buffer.byteLength(text)) });
        res.end(text);
    }
  }

  private fail(res: http.ServerResponse, error: unknown): void {
    const asError = error instanceof Error ? error : new Error(String(error));
    this.errors.push(asError);
    if (res.headersSent || res.destroyed) {
      res.destroy();
      return;
    }
    const body = JSON.stringify({ error: { message: `simulator error: ${asError.message}`, type: 'server_error', param: null, code: null } });
    // x-should-retry: a bug in the simulator or a rule will not go away on retry.
    res.writeHead(500, { 'content-type': 'application/json', 'x-distillery-simulated': 'true', 'x-should-retry': 'false' });
    res.end(body);
  }

  // ---- Routes ------------------------------------------------------------------------------

  private async models(exchange: Exchange): Promise<void> {
    const { record } = exchange;
    const target: MatchTarget = { method: record.method, path: record.path, chat: undefined };
    const fault = this.faults.take(target);
    if (fault) record.fault = fault.kind;
    if (fault && (await this.sendFaultError(exchange, fault))) return;
    const ids = this.options.models ?? DEFAULT_MODELS;
    const model = (id: string): Model => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'distillery-simulator' });
    if (record.path === '/v1/models') {
      await this.sendJson(exchange, 200, { object: 'list', data: ids.map(model) }, fault);
      return;
    }
    const id = decodeURIComponent(record.path.slice('/v1/models/'.length));
    if (!ids.includes(id)) {
      this.sendError(exchange, new ApiError(404, `The model '${id}' does not exist.`, 'invalid_request_error', 'model_not_found', 'model'));
      return;
    }
    await this.sendJson(exchange, 200, model(id), fault);
  }

  /** Answers the faults that replace the response (errors, reset); says whether it did. */
  private async sendFaultError(exchange: Exchange, fault: FaultSpec): Promise<boolean> {
    if (fault.kind === 'reset') {
      // A TCP RST, as a crashed proxy or a killed server would leave.
      exchange.req.socket.resetAndDestroy();
      return true;
    }
    const reply = errorReplyFor(fault);
    if (!reply) return false;
    await this.sendJson(exchange, reply.status, reply.body, undefined, reply.headers);
    return true;
  }

  private async chatCompletions(exchange: Exchange): Promise<void> {
    const { record } = exchange;
    if (record.body === undefined) {
      this.sendError(
        exchange,
        new ApiError(400, 'We could not parse the JSON body of your request. The OpenAI API expects a JSON payload.', 'invalid_request_error'),
      );
      return;
    }
    let chat: ChatRequest;
    try {
      chat = parseChatRequest(record.body);
    } catch (error) {
      if (error instanceof ApiError) {
        this.sendError(exchange, error);
        return;
      }
      throw error;
    }

    const target: MatchTarget = { method: record.method, path: record.path, chat };
    let fault = this.faults.take(target);
    // A queued fault pre-empts the rules: the rule keeps its use for a request it answers.
    const rule = fault ? undefined : this.rules.take(target);
    if (rule) {
      record.rule = rule.name;
      fault = rule.rule.fault;
    }
    if (fault) record.fault = fault.kind;

    const promptTokens = countPromptTokens(chat.messages, this.options.usageTokenizer);
    const refusedByFault = fault !== undefined && (fault.kind === 'reset' || errorReplyFor(fault) !== undefined);
    if (this.limiter && !refusedByFault) {
      const decision = this.limiter.admit(promptTokens + (chat.maxTokens ?? 0) * chat.n);
      if (!decision.allowed) {
        record.rateLimited = decision.limit;
        const headers = decision.tooLarge ? { 'x-should-retry': 'false' } : retryAfterHeaders(decision.retryAfterMs);
        this.sendError(exchange, new ApiError(429, decision.message ?? 'Rate limit reached.', decision.limit ?? 'requests', 'rate_limit_exceeded'), headers);
        return;
      }
    }

    record.plannedDelayMs = planDelay(rule?.rule.latency ?? this.latency, new Rng(deriveSeed(this.seed, 'latency', record.index)));
    if (record.plannedDelayMs > 0 && !(await pause(record.plannedDelayMs, exchange.closedSignal()))) return;

    if (fault && (await this.sendFaultError(exchange, fault))) return;

    const choices = await this.answer(chat, record, rule, fault);
    const completionTokens = choices.reduce((sum, choice) => sum + choice.completionTokens, 0);
    if (this.limiter && chat.maxTokens === undefined) this.limiter.charge(completionTokens);
    const usage = buildUsage(promptTokens, completionTokens);
    record.usage = usage;
    const meta: CompletionMeta = { id: `chatcmpl-sim-${record.index}`, created: Math.floor(record.time / 1000), model: chat.model };
    if (chat.stream) await this.sendStream(exchange, meta, choices, chat.includeUsage ? usage : undefined, fault);
    else await this.sendJson(exchange, 200, buildCompletion(meta, choices, usage), fault);
  }

  // ---- Answers -----------------------------------------------------------------------------

  /**
   * The answers to a request, one per choice. Each choice draws from its own PRNG, seeded by the
   * server seed, the request's content, the choice index, and (unless temperature is 0) how many
   * times the same content came before: repeating a request samples again, as a real model would.
   */
  private async answer(chat: ChatRequest, record: RecordedRequest, rule: ActiveRule | undefined, fault: FaultSpec | undefined): Promise<ChoiceOutput[]> {
    const contentKey = deriveSeed(
      chat.model,
      JSON.stringify(chat.messages),
      JSON.stringify(chat.body.response_format ?? null),
      chat.seed ?? 'no seed',
    );
    let occurrence = 0;
    if (chat.temperature !== 0) {
      // A long-running simulator sees endless distinct prompts: forget them now and then.
      if (this.occurrences.size > 100_000) this.occurrences.clear();
      occurrence = this.occurrences.get(contentKey) ?? 0;
      this.occurrences.set(contentKey, occurrence + 1);
    }
    const last = lastUserText(chat);
    const outputs: ChoiceOutput[] = [];
    for (let choiceIndex = 0; choiceIndex < chat.n; choiceIndex++) {
      const rng = new Rng(deriveSeed(this.seed, contentKey, occurrence, choiceIndex));
      const context: ReplyContext = {
        rng,
        choiceIndex,
        record,
        lastUserText: last,
        defaultReply: () => this.defaultReply(chat, rng, record, this.judgeOptions),
        judge: (options) => this.judgeReply(chat, rng, record, options ?? this.judgeOptions),
      };
      const spec = rule?.rule.reply !== undefined ? await resolveReply(rule.rule.reply, chat, context) : context.defaultReply();
      outputs.push(this.finishChoice(spec, chat, rng, fault));
    }
    return outputs;
  }

  private judgeReply(chat: ChatRequest, rng: Rng, record: RecordedRequest, options: JudgeOptions): ReplySpec {
    const judged = runJudge(chat, rng, options);
    if (!judged) return this.defaultReply(chat, rng, record, { ...options, enabled: false });
    record.judgements.push(judged.verdict);
    return judged.reply;
  }

  /** The simulator's own answer: a judge verdict, schema-conforming JSON, or generic text. */
  private defaultReply(chat: ChatRequest, rng: Rng, record: RecordedRequest, judgeOptions: JudgeOptions): ReplySpec {
    if (judgeOptions.enabled !== false) {
      const judged = runJudge(chat, rng, judgeOptions);
      if (judged) {
        record.judgements.push(judged.verdict);
        return judged.reply;
      }
    }
    const own = rng.fork('default');
    const prompt = lastUserText(chat);
    const format = chat.responseFormat;
    if (format.type === 'json_schema') {
      const value = generateFromSchema(format.schema, own, {
        text: (field, maxLength) =>
          /answer|response|text|content|output|completion|revis|critique/i.test(field.name ?? '') && maxLength >= 40
            ? genericAnswer(prompt, own)
            : phrase(own, own.int(2, 6)),
      });
      return { json: value };
    }
    if (format.type === 'json_object') return { json: { answer: genericAnswer(prompt, own) } };
    return { content: genericAnswer(prompt, own) };
  }

  /** A reply spec made into a choice: schema fault, stop sequences, max_tokens, token count, logprobs. */
  private finishChoice(spec: ReplySpec, chat: ChatRequest, rng: Rng, fault: FaultSpec | undefined): ChoiceOutput {
    if (spec.refusal !== undefined) {
      return { content: null, refusal: spec.refusal, finishReason: spec.finishReason ?? 'stop', logprobs: null, completionTokens: countTokens(spec.refusal) };
    }
    let content = spec.json !== undefined ? JSON.stringify(spec.json) : spec.content ?? '';
    let overrides = spec.logprobOverrides;
    let finishReason = spec.finishReason ?? 'stop';
    if (fault?.kind === 'schemaViolation') {
      const schema = chat.responseFormat.type === 'json_schema' ? chat.responseFormat.schema : {};
      let conforming: unknown;
      try {
        conforming = JSON.parse(content);
      } catch {
        conforming = generateFromSchema(schema, rng.fork('violation'));
      }
      content = violateSchema(schema, conforming, chat.responseFormat.type === 'json_schema' ? fault.mode : 'notJson').content;
      overrides = undefined; // their offsets point into the content that was replaced
    }
    for (const stop of chat.stop) {
      const at = content.indexOf(stop);
      if (at >= 0) {
        content = content.slice(0, at);
        finishReason = 'stop';
      }
    }
    if (chat.maxTokens !== undefined) {
      const tokens = tokenize(content);
      const cut = tokens[chat.maxTokens];
      if (cut) {
        content = content.slice(0, cut.offset);
        finishReason = 'length';
      }
    }
    const logprobs = chat.logprobs ? spec.logprobs ?? buildLogprobs(content, chat.topLogprobs, rng.fork('logprobs'), overrides) : null;
    return { content, refusal: null, finishReason, logprobs, completionTokens: countTokens(content) };
  }

  // ---- Streaming ---------------------------------------------------------------------------

  private async sendStream(
    exchange: Exchange,
    meta: CompletionMeta,
    choices: readonly ChoiceOutput[],
    usage: CompletionUsage | undefined,
    fault: FaultSpec | undefined,
  ): Promise<void> {
    const { res, record } = exchange;
    if (res.destroyed) return;
    const events = buildChunks(meta, choices, usage).map(sseEvent);
    record.status = 200;
    record.responseHeaders = { ...this.commonHeaders(record), ...SSE_HEADERS };
    res.writeHead(200, record.responseHeaders);
    const interval = this.options.streamChunkIntervalMs ?? 0;

    if (interval === 0 && fault?.kind !== 'dropStream' && fault?.kind !== 'stall' && fault?.kind !== 'malformedJson') {
      // One write: the client still parses it as a stream, and the server stays fast.
      res.end(events.join('') + SSE_DONE);
      return;
    }

    const cutAt = fault?.kind === 'dropStream' || fault?.kind === 'stall'
      ? Math.min(fault.afterChunks ?? Math.max(1, Math.floor(events.length / 2)), events.length)
      : Infinity;
    if (cutAt === 0) res.flushHeaders(); // so that the client sees the response start before it stalls
    for (let i = 0; i < events.length && i < cutAt; i++) {
      if (exchange.isClosed()) return;
      const event = events[i] as string;
      if (fault?.kind === 'malformedJson' && i === 1) {
        // An event whose data is cut short: not valid JSON.
        await writeFlushed(res, `${event.slice(0, Math.floor(event.length / 2))}\n\n`);
        break;
      }
      await writeFlushed(res, event);
      if (interval > 0 && !(await pause(interval, exchange.closedSignal()))) return;
    }
    if (fault?.kind === 'dropStream') {
      res.destroy();
      return;
    }
    if (fault?.kind === 'stall') {
      await whenAborted(exchange.closedSignal());
      return;
    }
    res.end(SSE_DONE);
  }
}

/** Starts a test server on 127.0.0.1 (port 0 unless told) and resolves once it listens. */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const server = new OpenAITestServer(options);
  await server.listen(options.port ?? 0);
  return server;
}
