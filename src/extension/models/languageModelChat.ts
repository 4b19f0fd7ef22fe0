/**
 * VS Code's own language models (`vscode.lm`) as profiles that need no key: each chat model is
 * offered as `vscode-lm:<vendor>/<family>` (the id instead when two share a family). VS Code asks
 * the user's consent itself; there is no endpoint, so no origin to approve and no cache.
 */
import * as vscode from 'vscode';
import type { UsageLedger } from '../../core/llm/accounting';
import type { ChatCallOptions, ChatModel, ChatResult } from '../../core/llm/chatModel';
import type { CompletionRequest, CompletionUsage } from '../../core/llm/client';
import { ModelCancelledError, ModelRequestError } from '../../core/llm/errors';
import { DEFAULT_SAMPLING, type SamplingDefaults } from '../../core/llm/profile';
import { toLanguageModelTurns } from './languageModelMessages';
import { languageModelNames } from './languageModelNames';

/** Profile name → the language model it stands for, for the models VS Code offers now. */
export async function languageModelProfiles(): Promise<Map<string, vscode.LanguageModelChat>> {
  let models: vscode.LanguageModelChat[];
  try {
    models = await vscode.lm.selectChatModels();
  } catch {
    // Hosts without language model support (code-server offers none) answer with nothing or fail.
    models = [];
  }
  return languageModelNames(models);
}

export class LanguageModelChatModel implements ChatModel {
  readonly model: string;
  readonly sampling: SamplingDefaults = DEFAULT_SAMPLING;

  constructor(
    readonly profile: string,
    private readonly chat: vscode.LanguageModelChat,
    private readonly ledger: UsageLedger,
  ) {
    this.model = chat.id;
  }

  async complete(request: CompletionRequest, options: ChatCallOptions = {}): Promise<ChatResult> {
    const { signal } = options;
    if (signal?.aborted) throw new ModelCancelledError(this.profile);
    const started = Date.now();
    const messages = toLanguageModelTurns(request.messages).map((turn) =>
      turn.role === 'user' ? vscode.LanguageModelChatMessage.User(turn.content) : vscode.LanguageModelChatMessage.Assistant(turn.content),
    );
    const cancellation = new vscode.CancellationTokenSource();
    const onAbort = (): void => cancellation.cancel();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      let content = '';
      try {
        const response = await this.chat.sendRequest(messages, { justification: 'Distillery generates synthetic training data with this model.' }, cancellation.token);
        for await (const text of response.text) content += text;
      } catch (error) {
        if (signal?.aborted) throw new ModelCancelledError(this.profile);
        this.ledger.recordFailed(this.profile, this.model);
        const message = error instanceof Error ? error.message : String(error);
        throw new ModelRequestError(`profile "${this.profile}": ${message}`, this.profile, undefined);
      }
      if (signal?.aborted) throw new ModelCancelledError(this.profile);
      const usage = await this.estimateUsage(messages, content, cancellation.token);
      this.ledger.recordAnswered(this.profile, this.model, usage, undefined);
      return {
        content, finishReason: 'stop', usage, attempts: 1, model: this.model, durationMs: Date.now() - started,
        profile: this.profile, cached: false, costUsd: undefined,
      };
    } finally {
      signal?.removeEventListener('abort', onAbort);
      cancellation.dispose();
    }
  }

  /** VS Code reports no usage: count with the model's own tokenizer; unknown when it cannot count. */
  private async estimateUsage(messages: vscode.LanguageModelChatMessage[], content: string, token: vscode.CancellationToken): Promise<CompletionUsage | undefined> {
    try {
      const promptTokens = (await Promise.all(messages.map((message) => this.chat.countTokens(message, token)))).reduce((a, b) => a + b, 0);
      const completionTokens = content === '' ? 0 : await this.chat.countTokens(content, token);
      return { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens };
    } catch {
      return undefined;
    }
  }
}
