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
import { describeError } from './requestThreadProtocol';
import { createKeepAliveFetch } from './transport';

const port = parentPort;
if (!port) throw new Error('requestWorker: run me as a worker thread');

const clients = new Map<number, OpenAI>();
const inFlight = new Map<number, AbortController>();
let outbox: FromRequestThread[] = [];
const flush = (): void => {
  const batch = outbox;
  outbox = [];
  port.postMessage(batch);
};
const post = (message: FromRequestThread): void => {
  if (outbox.push(message) === 1) setImmediate(flush);
};

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
    case 'send': {
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
      return;
    }
    case 'abort':
      inFlight.get(message.id)?.abort();
      inFlight.delete(message.id);
      return;
  }
}

post({ kind: 'ready' });
