import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import type { TestServer } from '../../support/openaiServer';
import { startTestServer } from '../../support/openaiServer';
import { seededRandom } from '../../../src/core/random';
import type { CompletionRequest, ModelClientOptions } from '../../../src/core/llm/client';
import { ModelClient } from '../../../src/core/llm/client';
import { ModelCancelledError } from '../../../src/core/llm/errors';
import type { ModelProfile } from '../../../src/core/llm/profile';
import { validateProfile } from '../../../src/core/llm/profile';
import type { KeepAliveTransport } from '../../../src/core/llm/transport';
import { createKeepAliveFetch } from '../../../src/core/llm/transport';
import { delay, eventually, within } from './helpers';

const KEY = 'sk-transport-test-0123456789abcdef';
const ask = (content = 'hello'): CompletionRequest => ({ messages: [{ role: 'user', content }] });

/**
 * A TCP forwarder in front of the test server that counts the connections it accepts: how many
 * sockets the client really opened, whatever it did with them.
 */
async function startConnectionCounter(target: number): Promise<{ baseURL: string; accepted: () => number; close: () => Promise<void> }> {
  let accepted = 0;
  const sockets = new Set<net.Socket>();
  const proxy = net.createServer((client) => {
    accepted++;
    const upstream = net.connect(target, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const address = proxy.address() as net.AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${address.port}/v1`,
    accepted: () => accepted,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        proxy.close(() => resolve());
      }),
  };
}

describe('llm: the keep-alive transport against the test server', function () {
  this.timeout(15_000);
  let server: TestServer;
  const transports: KeepAliveTransport[] = [];

  before(async () => {
    server = await startTestServer({ seed: 21 });
  });
  afterEach(async () => {
    await Promise.all(transports.splice(0).map((transport) => transport.close()));
    server.reset();
  });
  after(() => server.close());

  function makeTransport(connections = 4): KeepAliveTransport {
    const transport = createKeepAliveFetch({ connections });
    transports.push(transport);
    return transport;
  }

  function makeClient(transport: KeepAliveTransport, profile: Partial<ModelProfile> = {}, options: ModelClientOptions = {}): ModelClient {
    return new ModelClient(
      validateProfile({ name: 'sim', model: 'sim-small', baseURL: server.baseURL, concurrency: 4, ...profile }),
      { apiKey: KEY, fetch: transport.fetch, random: seededRandom('transport-test'), retry: { baseDelayMs: 5, maxDelayMs: 50 }, idleTimeoutMs: 2000, attemptTimeoutMs: 5000, ...options },
    );
  }

  it('answers plain and streaming calls the same as the default fetch does', async () => {
    const viaTransport = makeClient(makeTransport());
    const viaDefault = new ModelClient(
      validateProfile({ name: 'sim', model: 'sim-small', baseURL: server.baseURL, concurrency: 4, sampling: { temperature: 0, top_p: 1, max_tokens: 64 } }),
      { apiKey: KEY },
    );
    const request: CompletionRequest = { ...ask('Name three rivers.'), temperature: 0, max_tokens: 64 };
    const plain = await viaTransport.complete(request);
    const streamed = await viaTransport.complete({ ...request, stream: true });
    const reference = await viaDefault.complete(request);
    assert.equal(plain.finishReason, 'stop');
    assert.ok(plain.content.length > 0);
    assert.equal(plain.content, reference.content, 'the same reply as through the global fetch');
    assert.equal(streamed.content, reference.content, 'the stream reassembles to the same reply');
    assert.deepEqual(plain.usage, reference.usage);
    assert.ok(streamed.usage, 'usage comes in the last stream event');
    const [first, second] = server.chatRequests();
    assert.equal(first?.headers.authorization, `Bearer ${KEY}`);
    assert.equal(first?.headers['content-type'], 'application/json');
    assert.equal((first?.body as { messages: unknown[] }).messages.length, 1);
    assert.equal((second?.body as { stream?: boolean }).stream, true);
    assert.deepEqual(server.chatRequests().map((r) => r.status), [200, 200, 200]);
  });

  it('a long stream read slowly arrives whole and in order (the socket waits for the reader)', async () => {
    const transport = makeTransport();
    // A reply of a few thousand words: hundreds of stream events, more than one socket read holds.
    const story = Array.from({ length: 3000 }, (_, i) => `word${i}`).join(' ');
    server.addRule({ name: 'long story', reply: story });
    const body = JSON.stringify({ model: 'sim-small', messages: [{ role: 'user', content: 'Tell a long story.' }], temperature: 0, stream: true });
    /** The reply's text, put back together from the SSE events; `slow` waits a little every few chunks. */
    const read = async (fetcher: typeof globalThis.fetch, slow: boolean): Promise<{ text: string; chunks: number }> => {
      const response = await fetcher(`${server.baseURL}/chat/completions`, {
        method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` }, body,
      });
      assert.equal(response.status, 200);
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      const decoder = new TextDecoder();
      let raw = '';
      let chunks = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        raw += decoder.decode(value, { stream: true });
        if (slow && ++chunks % 4 === 0) await delay(2);
      }
      const text = raw.split('\n').filter((line) => line.startsWith('data: {')).map((line) => {
        const event = JSON.parse(line.slice('data: '.length)) as { choices: { delta?: { content?: string } }[] };
        return event.choices[0]?.delta?.content ?? '';
      }).join('');
      assert.ok(raw.trimEnd().endsWith('data: [DONE]'), 'the stream ends with [DONE]');
      return { text, chunks };
    };
    const viaTransport = await within(read(transport.fetch, true), 10_000, 'the slowly read stream');
    const reference = await read(globalThis.fetch, false);
    assert.ok(reference.text.length > 2000, `a reply long enough to need several socket reads (got ${reference.text.length} characters)`);
    assert.equal(viaTransport.text, story);
    assert.equal(reference.text, story);
  });

  it('reuses connections: 60 calls at concurrency 4 open at most 4 sockets', async () => {
    const counter = await startConnectionCounter(server.port);
    try {
      const client = makeClient(makeTransport(4), { baseURL: counter.baseURL });
      const results = await Promise.all(Array.from({ length: 60 }, (_, i) => client.complete({ ...ask(`row ${i}`), stream: i % 2 === 0 })));
      assert.equal(results.length, 60);
      assert.equal(server.chatRequests().length, 60);
      assert.ok(counter.accepted() >= 1 && counter.accepted() <= 4, `opened ${counter.accepted()} connections for 60 calls`);
      assert.ok(server.openConnections() >= 1, 'idle connections stay open for the next call');
    } finally {
      await counter.close();
    }
  });

  it('cancellation mid-stream stops within a second, closes the stream, and sends nothing more', async () => {
    server.fault({ kind: 'stall', afterChunks: 1 });
    const client = makeClient(makeTransport());
    const controller = new AbortController();
    const call = client.complete({ ...ask(), stream: true }, { signal: controller.signal });
    await eventually(() => server.chatRequests()[0]?.status === 200, 'the stream has started');
    await delay(50);
    controller.abort();
    await within(assert.rejects(call, ModelCancelledError), 1000, 'the cancelled call');
    await eventually(() => server.inFlight() === 0, 'the server sees the stalled stream closed', 1000);
    assert.equal(server.chatRequests()[0]?.closedEarly, true);
    await delay(300);
    assert.equal(server.chatRequests().length, 1, 'no request after the cancellation');
  });

  it('cancellation before the reply comes (a slow model) stops within a second and sends nothing more', async () => {
    server.addRule({ latency: 10_000, times: 1 });
    const client = makeClient(makeTransport());
    const controller = new AbortController();
    const call = client.complete(ask(), { signal: controller.signal });
    await eventually(() => server.inFlight() === 1, 'the request has arrived');
    controller.abort();
    await within(assert.rejects(call, ModelCancelledError), 1000, 'the cancelled call');
    await eventually(() => server.inFlight() === 0, 'the server sees the request closed', 1000);
    await delay(300);
    assert.equal(server.chatRequests().length, 1, 'no request after the cancellation');
  });

  it('has no timeout of its own, yet honours the engine deadline: a stalled body is cut off and retried', async () => {
    server.fault({ kind: 'stall' }); // non-streaming: headers, then nothing
    const client = makeClient(makeTransport(), {}, { attemptTimeoutMs: 400 });
    const result = await within(client.complete(ask()), 5000, 'the call after a stalled body');
    assert.equal(result.attempts, 2);
    assert.equal(server.chatRequests().length, 2);
  });

  it('a reset connection and a stream dropped mid-way are retried through the transport', async () => {
    const client = makeClient(makeTransport());
    server.fault({ kind: 'reset' });
    assert.equal((await client.complete(ask())).attempts, 2);
    server.fault({ kind: 'dropStream', afterChunks: 1 });
    const streamed = await client.complete({ ...ask(), stream: true });
    assert.equal(streamed.attempts, 2);
    assert.equal(streamed.finishReason, 'stop');
  });

  it('close() frees every socket, and the transport refuses calls after', async () => {
    const transport = makeTransport(4);
    const client = makeClient(transport);
    await Promise.all(Array.from({ length: 8 }, () => client.complete(ask())));
    assert.ok(server.openConnections() >= 1, 'kept alive before close');
    await transport.close();
    await eventually(() => server.openConnections() === 0, 'the server sees every socket closed', 2000);
    await assert.rejects(transport.fetch(`${server.baseURL}/models`), /closed/);
    assert.equal(server.requests.filter((r) => r.path === '/v1/models').length, 0);
  });

  it('a JSON reply reads as a Response does: status, headers, the body once (json, text, bytes, stream), clone', async () => {
    const { fetch } = makeTransport();
    const url = `${server.baseURL}/models`;
    const response = await fetch(url, { headers: { authorization: `Bearer ${KEY}` } });
    assert.ok(response instanceof Response);
    assert.equal(response.status, 200);
    assert.equal(response.ok, true);
    assert.equal(response.headers.get('x-distillery-simulated'), 'true');
    const copy = response.clone();
    const listed = (await response.json()) as { data: Array<{ id: string }> };
    assert.deepEqual(listed.data.map((model) => model.id), ['sim-small', 'sim-large', 'sim-judge']);
    assert.equal(response.bodyUsed, true);
    await assert.rejects(response.text(), /already read/);
    assert.deepEqual(JSON.parse(await copy.text()), listed);
    const asBytes = await (await fetch(url)).arrayBuffer();
    assert.deepEqual(JSON.parse(Buffer.from(asBytes).toString('utf8')), listed);
    const streamed = await fetch(url);
    const asStream = streamed.body;
    assert.ok(asStream);
    assert.equal(streamed.body, asStream, 'the same stream each time');
    assert.equal(streamed.bodyUsed, false);
    assert.deepEqual(JSON.parse(await new Response(asStream).text()), listed);
    assert.equal(streamed.bodyUsed, true);
    await assert.rejects(streamed.json(), /already read/);
    const missing = await fetch(`${server.baseURL}/models/no-such-model`);
    assert.equal(missing.status, 404);
    assert.equal(missing.ok, false);
    assert.match(((await missing.json()) as { error: { message: string } }).error.message, /no-such-model/);
  });

  it('an error reply reaches the caller with the service\'s message', async () => {
    server.fault({ kind: 'status', status: 400, message: 'max_tokens is too large for this model' });
    await assert.rejects(makeClient(makeTransport()).complete(ask()), /HTTP 400: .*max_tokens is too large for this model/);
  });

  it('refuses bad options, naming the option', () => {
    assert.throws(() => createKeepAliveFetch({ connections: 0 }), /"connections"/);
    assert.throws(() => createKeepAliveFetch({ keepAliveTimeoutMs: -1 }), /"keepAliveTimeoutMs"/);
  });
});
