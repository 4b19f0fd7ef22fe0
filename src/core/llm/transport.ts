/**
 * The keep-alive transport: a `fetch` for the `openai` client over an undici Agent of its own.
 *
 * - A profile's concurrent calls reuse warm connections (one request at a time on each), up to
 *   `connections` per origin; nothing global is changed (the process-wide dispatcher is shared
 *   with the editor and with other extensions).
 * - It sends through undici's dispatcher with a handler of its own (FetchHandler) rather than a
 *   WHATWG `fetch` (undici's or Node's) or undici's `request`, whose request, header and
 *   body-stream objects cost noticeably more CPU per call; at thousands of calls a second the CPU
 *   is the limit (bench/engineThroughput.bench.ts). A JSON reply with a length (every
 *   non-streaming completion) is gathered whole before it is handed over; anything else (an SSE
 *   stream) is handed over as it arrives.
 * - The Agent has no timeouts of its own (connect, headers, body): the engine owns every deadline
 *   through the AbortSignal it passes, and a shorter timeout here would cut off a slow model that
 *   the engine is still willing to wait for. An abort stops the request or the stream at once and
 *   closes its connection.
 * - Redirects are not followed (an OpenAI-compatible API does not redirect; a 3xx is the
 *   caller's error to see, and a key is never resent to another place).
 */
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { Agent } from 'undici';

export interface KeepAliveFetchOptions {
  /** Connections per origin, at most: the profile's concurrency (more would sit idle). 64 by default. */
  readonly connections?: number;
  /**
   * How long an idle connection is kept for the next request; 10 s by default. A server's own
   * `Keep-Alive: timeout=…` hint, when shorter, wins (less a margin), so that a request does not
   * race the server closing the socket.
   */
  readonly keepAliveTimeoutMs?: number;
}

export interface KeepAliveTransport {
  /** Pass to `ModelClient` (and so to the `openai` client) as its `fetch`. */
  readonly fetch: typeof globalThis.fetch;
  /** Closes every connection at once; requests still in flight fail, and later ones are refused. */
  close(): Promise<void>;
}

const DEFAULT_CONNECTIONS = 64;
const DEFAULT_KEEP_ALIVE_MS = 10_000;
/** Statuses whose response may not have a body (the Response constructor refuses one). */
const NULL_BODY_STATUSES = new Set([204, 205, 304]);

type HttpMethod = Parameters<Agent['request']>[0]['method'];
type RequestBody = Parameters<Agent['request']>[0]['body'];

export function createKeepAliveFetch(options: KeepAliveFetchOptions = {}): KeepAliveTransport {
  const connections = options.connections ?? DEFAULT_CONNECTIONS;
  if (!Number.isInteger(connections) || connections < 1) {
    throw new RangeError(`keep-alive transport: "connections" must be a whole number of at least 1, got ${connections}`);
  }
  const keepAliveTimeout = options.keepAliveTimeoutMs ?? DEFAULT_KEEP_ALIVE_MS;
  if (!(Number.isFinite(keepAliveTimeout) && keepAliveTimeout > 0)) {
    throw new RangeError(`keep-alive transport: "keepAliveTimeoutMs" must be a number above 0, got ${keepAliveTimeout}`);
  }
  const agent = new Agent({
    connections,
    // One request at a time per connection: a slow generation must not hold up others behind it.
    pipelining: 1,
    keepAliveTimeout,
    // A server's Keep-Alive hint may shorten this, never lengthen it.
    keepAliveMaxTimeout: keepAliveTimeout,
    // 0: none. The engine's attempt deadline and stream idle timeout, through the signal, decide.
    headersTimeout: 0,
    bodyTimeout: 0,
    connect: { timeout: 0 },
  });
  let closing: Promise<void> | undefined;
  // A profile sends every call to the same URL: parse it once, not per call.
  let lastURL: { readonly input: string; readonly origin: string; readonly path: string } | undefined;
  const target = (input: string | URL): { readonly origin: string; readonly path: string } => {
    const text = typeof input === 'string' ? input : input.href;
    if (lastURL?.input === text) return lastURL;
    const url = new URL(text);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`keep-alive transport: not an http(s) URL: ${url.protocol}`);
    lastURL = { input: text, origin: url.origin, path: `${url.pathname}${url.search}` };
    return lastURL;
  };

  const keepAliveFetch = async (input: Parameters<typeof globalThis.fetch>[0], init: RequestInit = {}): Promise<Response> => {
    if (closing) throw new TypeError('keep-alive transport: closed');
    if (typeof input !== 'string' && !(input instanceof URL)) {
      // The openai client always passes a URL and an init; a Request object would carry its own
      // body, headers and signal that this transport would have to merge.
      throw new TypeError('keep-alive transport: pass a URL and an init object, not a Request');
    }
    const { origin, path } = target(input);
    const headers = headerRecord(init.headers);
    const body = isPlainBody(init.body) ? init.body : await requestBody(init.body, headers);
    const signal = init.signal ?? undefined;
    if (signal?.aborted) throw signal.reason;
    return new Promise<Response>((resolve, reject) => {
      const handler = new FetchHandler(resolve, reject, signal);
      try {
        agent.dispatch({ origin, path, method: (init.method ?? 'GET').toUpperCase() as HttpMethod, headers, body }, handler);
      } catch (error) {
        handler.onError(error instanceof Error ? error : new Error(String(error)));
      }
    });
  };

  return {
    fetch: keepAliveFetch as typeof globalThis.fetch,
    close: () => {
      closing ??= agent.destroy();
      return closing;
    },
  };
}

/**
 * One request's replies from undici's dispatcher, turned into a Response: a JSON reply of known
 * length (every non-streaming completion, every error) is gathered whole and resolves at its end;
 * anything else (an SSE stream) resolves at its headers with a body stream that is fed as chunks
 * come, with backpressure. Written against the dispatcher rather than `request`, whose Node
 * Readable body and its consumers cost more CPU per call than the reply's JSON costs to parse.
 * An abort of `signal` stops the request (or the stream) at once and closes its connection.
 */
class FetchHandler {
  private abortRequest: ((reason: Error) => void) | undefined;
  /** Set when the signal aborted before undici handed over its abort function. */
  private abortedWith: Error | undefined;
  private settled = false;
  private nullBody = false;
  private chunks: Buffer[] | undefined;
  private responseInit: ResponseInit | undefined;
  private stream: ReadableStreamDefaultController<Uint8Array> | undefined;
  private resume: (() => void) | undefined;
  private readonly onAbort = (): void => {
    const reason = abortError(this.signal);
    if (this.abortRequest) this.abortRequest(reason);
    else this.abortedWith = reason;
  };

  constructor(
    private readonly resolve: (response: Response) => void,
    private readonly reject: (error: unknown) => void,
    private readonly signal: AbortSignal | undefined,
  ) {
    signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  onConnect(abort: (reason: Error) => void): void {
    if (this.abortedWith) abort(this.abortedWith);
    else this.abortRequest = abort;
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    if (statusCode < 200) return true; // an informational reply; the real one follows
    const headers = new Headers();
    let contentType: string | undefined;
    let contentLength: string | undefined;
    for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
      const name = (rawHeaders[i] as Buffer).toString('latin1').toLowerCase();
      const value = (rawHeaders[i + 1] as Buffer).toString('latin1');
      headers.append(name, value);
      if (name === 'content-type') contentType ??= value;
      else if (name === 'content-length') contentLength ??= value;
    }
    const responseInit = { status: statusCode, headers };
    if (NULL_BODY_STATUSES.has(statusCode)) {
      this.nullBody = true;
      this.settle(new Response(null, responseInit));
      return true;
    }
    if (contentLength !== undefined && isJson(contentType)) {
      this.chunks = [];
      this.responseInit = responseInit;
      return true;
    }
    this.resume = resume;
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.stream = controller;
      },
      pull: () => this.resume?.(),
      // The reader gave up: stop the request and free its connection.
      cancel: (reason: unknown) => this.abortRequest?.(reason instanceof Error ? reason : new Error('the response body was cancelled')),
    });
    this.settle(new Response(body, responseInit));
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.chunks) {
      this.chunks.push(chunk);
      return true;
    }
    if (!this.stream) return true; // a null-body status: nothing to keep
    try {
      this.stream.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    } catch {
      return true; // the reader cancelled; the abort is on its way
    }
    // Above the stream's high-water mark: pause the socket until the reader pulls.
    return (this.stream.desiredSize ?? 1) > 0;
  }

  onComplete(): void {
    this.done();
    if (this.chunks) {
      const bytes = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks);
      this.chunks = undefined;
      this.settle(new BufferedJsonResponse(bytes, this.responseInit ?? {}) as unknown as Response);
      return;
    }
    if (this.stream) {
      try {
        this.stream.close();
      } catch {
        // Cancelled by its reader already.
      }
    }
  }

  onError(error: Error): void {
    this.done();
    this.chunks = undefined;
    if (!this.settled) {
      this.settled = true;
      this.reject(error);
    } else if (this.stream && !this.nullBody) {
      try {
        this.stream.error(error);
      } catch {
        // Cancelled by its reader already.
      }
    }
  }

  private settle(response: Response): void {
    if (this.settled) return;
    this.settled = true;
    this.resolve(response);
  }

  private done(): void {
    this.signal?.removeEventListener('abort', this.onAbort);
  }
}

/** The signal's reason as an Error (what undici aborts with, and what the caller's fetch rejects with). */
function abortError(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  return reason instanceof Error ? reason : new DOMException('This operation was aborted', 'AbortError');
}

/** Request headers as a plain record with lower-case names, from any HeadersInit. */
function headerRecord(init: RequestInit['headers']): Record<string, string> {
  const record: Record<string, string> = {};
  if (init === undefined) return record;
  if (init instanceof Headers) {
    init.forEach((value, name) => {
      record[name] = value;
    });
  } else if (Array.isArray(init)) {
    for (const [name, value] of init) if (name !== undefined) add(record, name, value);
  } else {
    for (const [name, value] of Object.entries(init as Record<string, string | undefined>)) add(record, name, value);
  }
  return record;
}

function add(record: Record<string, string>, name: string, value: string | undefined): void {
  if (value === undefined) return;
  const key = name.toLowerCase();
  const existing = record[key];
  record[key] = existing === undefined ? value : `${existing}, ${value}`;
}

/** A body undici takes as it is (a JSON call's, the common case): no await, no conversion. */
function isPlainBody(body: RequestInit['body']): body is string | Uint8Array | null | undefined {
  return body === undefined || body === null || typeof body === 'string' || body instanceof Uint8Array;
}

/**
 * The body as undici takes it. Text and bytes go as they are (JSON calls, the common case); any
 * other BodyInit (FormData for uploads, Blob, a stream) goes through a Response, which encodes it
 * the way fetch would and says its content type.
 */
async function requestBody(body: RequestInit['body'], headers: Record<string, string>): Promise<RequestBody> {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string' || body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  const encoded = new Response(body);
  const type = encoded.headers.get('content-type');
  if (type !== null && headers['content-type'] === undefined) headers['content-type'] = type;
  if (encoded.body === null) return undefined;
  return Readable.fromWeb(encoded.body as NodeReadableStream<Uint8Array>);
}

/** Response's constructor, typed so that a subclass may redefine the body and its readers (the typings declare them as plain properties). */
type ResponseBase = new (body: null, init: ResponseInit) => { readonly headers: Headers };

function isJson(contentType: string | undefined): boolean {
  const type = contentType?.split(';')[0]?.trim().toLowerCase();
  return type !== undefined && (type === 'application/json' || type.endsWith('+json'));
}

/**
 * A JSON reply already read whole. A real Response (its status and headers are the base class's),
 * made without a body stream: a WHATWG body stream costs more to make than the JSON costs to
 * parse, thousands of times a second. Reading it as text, JSON or bytes works as usual, once;
 * `body` makes the stream only when someone asks for it, and then reads go through it.
 */
class BufferedJsonResponse extends (Response as unknown as ResponseBase) {
  private used = false;
  private stream: ReadableStream<Uint8Array> | undefined;

  constructor(
    private readonly bytes: Buffer,
    private readonly responseInit: ResponseInit,
  ) {
    super(null, responseInit);
  }

  get bodyUsed(): boolean {
    return this.used || (this.stream?.locked ?? false);
  }

  get body(): ReadableStream<Uint8Array> | null {
    if (this.stream === undefined) {
      if (this.used) return null;
      const bytes = this.bytes;
      this.stream = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new Uint8Array(bytes));
          controller.close();
        },
      });
    }
    return this.stream;
  }

  text(): Promise<string> {
    return this.consume(utf8Text);
  }

  json(): Promise<unknown> {
    return this.consume((bytes) => JSON.parse(utf8Text(bytes)) as unknown);
  }

  arrayBuffer(): Promise<ArrayBuffer> {
    return this.consume((bytes) => bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
  }

  blob(): Promise<Blob> {
    return this.consume((bytes) => new Blob([bytes], { type: this.headers.get('content-type') ?? '' }));
  }

  clone(): Response {
    if (this.bodyUsed) throw new TypeError('keep-alive transport: the response body was already read');
    return new BufferedJsonResponse(this.bytes, this.responseInit) as unknown as Response;
  }

  private consume<T>(read: (bytes: Buffer) => T): Promise<T> {
    if (this.bodyUsed) return Promise.reject(new TypeError('keep-alive transport: the response body was already read'));
    this.used = true;
    if (this.stream !== undefined) {
      // Someone took the stream but has not read it: read through it, as a Response would.
      return new Response(this.stream).arrayBuffer().then((buffer) => read(Buffer.from(buffer)));
    }
    try {
      return Promise.resolve(read(this.bytes));
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }
}

/** UTF-8 text without a leading byte order mark, as Response.text() decodes it. */
function utf8Text(bytes: Buffer): string {
  const text = bytes.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
