// The adapter that makes a VS Code language model (`vscode.lm`) a ChatModel. code-server offers no
// language models, so this drives the adapter with a LanguageModelChat of the test's own that
// records what VS Code would have been asked: the real LanguageModelChatMessage and
// CancellationToken types, the adapter's mapping, streaming, token counts and cancellation.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { UsageLedger } from '../../src/core/llm/accounting';
import { ModelCancelledError } from '../../src/core/llm/errors';
import { LanguageModelChatModel } from '../../src/extension/models/languageModelChat';

interface Sent {
  messages: vscode.LanguageModelChatMessage[];
  token: vscode.CancellationToken | undefined;
}

/** A language model that answers in the given chunks, or waits until cancelled when `hang` is set. */
function recordingModel(chunks: string[], options: { hang?: boolean } = {}): { chat: vscode.LanguageModelChat; sent: Sent[] } {
  const sent: Sent[] = [];
  const chat: vscode.LanguageModelChat = {
    name: 'Echo', id: 'echo-1', vendor: 'test', family: 'echo', version: '1', maxInputTokens: 8192,
    async sendRequest(messages, _options, token) {
      sent.push({ messages, token });
      async function* text(): AsyncIterable<string> {
        for (const chunk of chunks) yield chunk;
        if (options.hang) {
          await new Promise<void>((resolve) => token?.onCancellationRequested(() => resolve()));
          throw new vscode.CancellationError();
        }
      }
      return { text: text(), stream: text() };
    },
    // One token per word: enough to see that the adapter counts both sides.
    async countTokens(input) {
      const text = typeof input === 'string' ? input : input.content.map((part) => (part instanceof vscode.LanguageModelTextPart ? part.value : '')).join('');
      return text.split(/\s+/).filter(Boolean).length;
    },
  };
  return { chat, sent };
}

function textOf(message: vscode.LanguageModelChatMessage): string {
  return message.content.map((part) => (part instanceof vscode.LanguageModelTextPart ? part.value : '')).join('');
}

describe('VS Code language models as profiles', function () {
  this.timeout(30_000);

  it('sends user and assistant turns with the system prompt folded in, joins the streamed text, and counts usage', async () => {
    const { chat, sent } = recordingModel(['Seven ', 'is ', 'prime.']);
    const ledger = new UsageLedger();
    const model = new LanguageModelChatModel('vscode-lm:test/echo', chat, ledger);
    const result = await model.complete({
      messages: [
        { role: 'system', content: 'Answer briefly.' },
        { role: 'user', content: 'Name a prime.' },
        { role: 'assistant', content: 'Two.' },
        { role: 'user', content: 'Another one?' },
      ],
    });
    assert.equal(result.content, 'Seven is prime.');
    assert.equal(result.profile, 'vscode-lm:test/echo');
    assert.equal(result.model, 'echo-1');
    assert.equal(result.cached, false);
    assert.equal(result.costUsd, undefined);
    const [request] = sent;
    assert.ok(request);
    assert.deepEqual(
      request.messages.map((message) => [message.role, textOf(message)]),
      [
        [vscode.LanguageModelChatMessageRole.User, 'Answer briefly.\n\nName a prime.'],
        [vscode.LanguageModelChatMessageRole.Assistant, 'Two.'],
        [vscode.LanguageModelChatMessageRole.User, 'Another one?'],
      ],
    );
    assert.deepEqual(result.usage, { promptTokens: 8, completionTokens: 3, totalTokens: 11 });
    const usage = ledger.summary().profiles[0];
    assert.equal(usage?.requests, 1);
    assert.equal(usage?.promptTokens, 8);
    assert.equal(usage?.costUsd, undefined, 'a language model has no price: the cost is unknown, not 0');
  });

  it('turns the caller\'s abort into VS Code\'s cancellation, and fails as cancelled', async () => {
    const { chat, sent } = recordingModel(['Partial '], { hang: true });
    const ledger = new UsageLedger();
    const model = new LanguageModelChatModel('vscode-lm:test/echo', chat, ledger);
    const controller = new AbortController();
    const call = model.complete({ messages: [{ role: 'user', content: 'Go on forever.' }] }, { signal: controller.signal });
    while (sent.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(sent[0]?.token?.isCancellationRequested, false);
    controller.abort();
    await assert.rejects(call, ModelCancelledError);
    assert.equal(sent[0]?.token?.isCancellationRequested, true);
    assert.equal(ledger.summary().total.failed, 0, 'a cancelled call is not a failure');
  });
});
