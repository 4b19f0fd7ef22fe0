/**
 * A request thread (bundled as dist/requestWorker.js): sends the engine's non-streaming requests
 * through the `openai` client and a keep-alive transport of its own, and posts back each reply
 * or error. The client's per-call work (building, sending, parsing) is most of a call's CPU; at
 * thousands of calls a second it no longer fits in the engine's thread beside the scheduling.
 * Everything else (queues, limits, retries, deadlines, cache, accounting) stays in the engine's
 * thread, which aborts a request here when its caller or its deadline does.
 */
import { parentPort } from 'node:worker_threads';
import type OpenAI from 'openai';
import { createOpenAIClient } from './openaiClient';
import type { FromRequestThread, ToRequestThread } from './requestThreadProtocol';
import { BATCH_LIMIT, describeError } from './requestThreadProtocol';
import { createKeepAliveFetch } from './transport';

const port = parentPort;
if (!port) throw new Error('requestWorker: run me as a worker thread');

type SendMessage = Extract<ToRequestThread, { kind: 'send' }>;

const clients = new Map<number, OpenAI>();
const inFlight = new Map<number, AbortController>();

let outbox: FromRequestThread[] = [];
const flush = (): void => {
  if (outbox.length === 0) return; // sent already, at the batch limit
  const batch = outbox;
  outbox = [];
  port.postMessage(batch);
};
const post = (message: FromRequestThread): void => {
  const waiting = outbox.push(message);
  if (waiting >= BATCH_LIMIT) flush();
  else if (waiting === 1) setImmediate(flush);
};

/**
 * Requests start one per turn of the event loop. The `openai` client builds a request over
 * several promise steps, and undici writes a request on a reused connection only at the end of
 * the turn (once it has checked that the idle socket is still open): started together, a batch's
 * requests would all be built before the first is written, and the server would get them in one
 * late burst. One per turn, each is on the wire before the next is built. Measured at 2,000 calls
 * × 64 in flight (bench/engineThroughput.bench.ts): 1.048 → 1.035 × ideal.
 */
/** Sends waiting for their turn, in arrival order (a Map keeps it), by id: an abort takes one out before it goes. */
const toSend = new Map<number, SendMessage>();
let sending = false;

function sendNext(): void {
  for (const message of toSend.values()) {
    toSend.delete(message.id);
    send(message);
    break;
  }
  if (toSend.size > 0) setImmediate(sendNext);
  else sending = false;
}

port.on('message', (batch: readonly ToRequestThread[]) => {
  for (const message of batch) handle(message);
});

function handle(message: ToRequestThread): void {
  switch (message.kind) {
    case 'client': {
      const { settings } = message;
      const transport = createKeepAliveFetch({ connections: settings.connections });
      clients.set(message.client, createOpenAIClient({ baseURL: settings.baseURL, apiKey: settings.apiKey, attemptTimeoutMs: settings.attemptTimeoutMs, fetch: transport.fetch }));
      return;
    }
    case 'send':
      toSend.set(message.id, message);
      if (!sending) {
        sending = true;
        setImmediate(sendNext);
      }
      return;
    case 'abort': {
      // The engine has settled the call already: nothing goes back for it.
      if (toSend.delete(message.id)) return;
      inFlight.get(message.id)?.abort();
      inFlight.delete(message.id);
      return;
    }
  }
}

function send(message: SendMessage): void {
  const { id } = message;
  const client = clients.get(message.client);
  if (!client) {
    post({ kind: 'error', id, error: { kind: 'other', name: 'Error', message: `request thread: no client ${message.client}`, causes: [] } });
    return;
  }
  const controller = new AbortController();
  inFlight.set(id, controller);
  // What chat.completions.create sends, with the body already JSON (a string body with its
  // content type goes as it is); the raw reply back, which the engine's thread parses.
  const reply = client
    .post('/chat/completions', { body: message.body, headers: { 'content-type': 'application/json' }, stream: false, signal: controller.signal })
    .asResponse();
  reply.then((response) => response.text()).then(
    (body) => {
      inFlight.delete(id);
      post({ kind: 'reply', id, body });
    },
    (error: unknown) => {
      inFlight.delete(id);
      post({ kind: 'error', id, error: describeError(error) });
    },
  );
}

post({ kind: 'ready' });
