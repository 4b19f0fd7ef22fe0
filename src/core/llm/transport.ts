/**
 * The keep-alive transport: a `fetch` for the `openai` client over an undici Agent of its own.
 *
 * - A profile's concurrent calls reuse warm connections (one request at a time on each), up to
 *   `connections` per origin; nothing global is changed (the process-wide dispatcher is shared
 *   with the editor and with other extensions).
 * - It sends with undici's `request` rather than a WHATWG `fetch` (undici's or Node's), whose
 *   request, header and body-stream objects cost noticeably more CPU per call; at thousands of
 *   calls a second the CPU is the limit (bench/engineThroughput.bench.ts). A JSON reply with a length (every non-streaming
 *   completion) is read whole before it is handed over; anything else (an SSE stream) is handed
 *   over as it arrives.
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

  const keepAliveFetch = async (input: Parameters<typeof globalThis.fetch>[0], init: RequestInit = {}): Promise<Response> => {
    if (closing) throw new TypeError('keep-alive transport: closed');
    if (typeof input !== 'string' && !(input instanceof URL)) {
      // The openai client always passes a URL and an init; a Request object would carry its own
      // body, headers and signal that this transport would have to merge.
      throw new TypeError('keep-alive transport: pass a URL and an init object, not a Request');
    }
    const url = new URL(input);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`keep-alive transport: not an http(s) URL: ${url.protocol}`);
    const headers = headerRecord(init.headers);
    const body = await requestBody(init.body, headers);
    const signal = init.signal ?? undefined;
    const reply = await agent.request({
      origin: url.origin,
      path: `${url.pathname}${url.search}`,
      method: (init.method ?? 'GET').toUpperCase() as HttpMethod,
      headers,
      body,
      ...(signal ? { signal } : {}),
    });
    const responseHeaders = new Headers();
    for (const [name, value] of Object.entries(reply.headers)) {
      if (Array.isArray(value)) for (const item of value) responseHeaders.append(name, item);
      else if (value !== undefined) responseHeaders.set(name, value);
    }
    const responseInit = { status: reply.statusCode, headers: responseHeaders };
    if (NULL_BODY_STATUSES.has(reply.statusCode)) {
      reply.body.resume(); // nothing to read; let the connection go back to the pool
      return new Response(null, responseInit);
    }
    if (reply.headers['content-length'] !== undefined && isJson(reply.headers['content-type'])) {
      // A JSON reply of known length (every non-streaming completion, every error): read it
      // whole; an abort rejects this. Anything else (a stream, a download) is passed on as it comes.
      return new BufferedJsonResponse(Buffer.from(await reply.body.arrayBuffer()), responseInit) as unknown as Response;
    }
    return new Response(Readable.toWeb(reply.body) as ReadableStream<Uint8Array>, responseInit);
  };

  return {
    fetch: keepAliveFetch as typeof globalThis.fetch,
    close: () => {
      closing ??= agent.destroy();
      return closing;
    },
  };
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

function isJson(contentType: string | string[] | undefined): boolean {
  const type = (Array.isArray(contentType) ? contentType[0] : contentType)?.split(';')[0]?.trim().toLowerCase();
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
