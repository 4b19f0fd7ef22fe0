import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { CompletionRequest } from '../../../src/core/llm/client';
import { ModelEngine, type DeferredRequest } from '../../../src/core/llm/engine';
import { FatalModelError, ModelError, RequestDeferredError } from '../../../src/core/llm/errors';
import { startTestServer, type TestServer } from '../../support/openaiServer';
import { batchEngine, batchProfiles } from './support';

const plain: CompletionRequest = { messages: [{ role: 'user', content: 'Name a colour. <<plain>>' }], temperature: 0.4, max_tokens: 40, seed: 7, stop: ['\n\n'] };
const structured: CompletionRequest = {
  messages: [{ role: 'system', content: 'Judge.' }, { role: 'user', content: 'A or B? <<structured>>' }],
  jsonSchema: { name: 'verdict', schema: { type: 'object', properties: { winner: { type: 'string', enum: ['A', 'B'] } }, required: ['winner'], additionalProperties: false } },
  logprobs: true,
  top_logprobs: 3,
};

describe('engine defer mode', function () {
  this.timeout(20_000);
  let server: TestServer;
  let dir: string;
  const engines: ModelEngine[] = [];
  const track = (engine: ModelEngine): ModelEngine => {
    engines.push(engine);
    return engine;
  };

  before(async () => {
    server = await startTestServer({ seed: 11 });
  });
  after(() => server.close());
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'distillery-defer-'));
  });
  afterEach(() => {
    for (const engine of engines.splice(0)) engine.dispose();
    server.reset();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends nothing: the sink gets the exact body the client would send, under the cache key, and the call fails as deferred (not fatal)', async () => {
    const deferred: DeferredRequest[] = [];
    const keys: string[] = [];
    const approvals: string[] = [];
    const engine = track(batchEngine(server, dir, { defer: (request) => deferred.push(request), onKey: (p) => keys.push(p), onApproval: (o) => approvals.push(o) }));
    const model = engine.model('teacher');
    for (const [request, sample] of [[plain, 0], [plain, 1], [structured, 0]] as const) {
      await assert.rejects(model.complete(request, { sample }), (error: unknown) => {
        assert.ok(error instanceof RequestDeferredError);
        assert.ok(error instanceof ModelError && !(error instanceof FatalModelError));
        assert.equal(error.message, 'profile "teacher": deferred to a batch request file');
        return true;
      });
    }
    assert.equal(server.chatRequests().length, 0, 'nothing reached the server');
    assert.deepEqual([keys, approvals], [[], []], 'no key and no approval was asked for');
    assert.equal(deferred.length, 3);
    assert.deepEqual(deferred.map((d) => d.profile), ['teacher', 'teacher', 'teacher']);
    assert.equal(deferred[0]?.baseURL, server.baseURL);
    assert.notEqual(deferred[0]?.customId, deferred[1]?.customId, 'two samples of one request are two requests');
    assert.deepEqual(deferred[0]?.body, deferred[1]?.body);

    // The same calls on a sending engine: the server receives exactly the deferred bodies, and
    // the replies are cached under the deferred custom_ids.
    const sender = track(batchEngine(server, path.join(dir, 'sender')));
    const senderModel = sender.model('teacher');
    await senderModel.complete(plain, { sample: 0 });
    await senderModel.complete(structured, { sample: 0 });
    const sent = server.chatRequests().map((request) => request.body);
    assert.deepEqual(sent, [deferred[0]?.body, deferred[2]?.body]);
    assert.ok(sender.cache?.get(deferred[0]?.customId as string), 'the custom_id is the cache key');
    assert.ok(sender.cache?.get(deferred[2]?.customId as string));
  });

  it('a call the cache can answer is answered, not deferred', async () => {
    const sender = track(batchEngine(server, dir));
    const first = await sender.model('teacher').complete(plain);
    assert.equal(server.chatRequests().length, 1);

    const deferred: DeferredRequest[] = [];
    const engine = track(batchEngine(server, dir, { defer: (request) => deferred.push(request) }));
    const again = await engine.model('teacher').complete(plain);
    assert.equal(again.cached, true);
    assert.equal(again.content, first.content);
    await assert.rejects(engine.model('teacher').complete(plain, { sample: 1 }), RequestDeferredError);
    assert.equal(deferred.length, 1);
    assert.equal(server.chatRequests().length, 1, 'still one request');
    assert.deepEqual(engine.ledger.summary().profiles.map((p) => [p.profile, p.cached, p.requests]), [['teacher', 1, 0]]);
  });

  it('needs a cache directory', () => {
    assert.throws(
      () => new ModelEngine({ profiles: batchProfiles(server), keyFor: () => undefined, deferRequests: () => undefined }),
      /defer mode needs a response cache/,
    );
  });
});
