/**
 * What every task calls: one named model that answers chat requests. The engine gives one per
 * profile (over the `openai` client, with the profile's queue, the response cache and the usage
 * ledger); the editor adds one per VS Code language model (`vscode.lm`), which needs no key.
 */
import type { CompletionRequest, CompletionResult } from './client';
import type { SamplingDefaults } from './profile';

/** 'use' (the default): answer from the cache when it holds the request, store fresh replies. 'off': always ask the model; the reply is still stored. */
export type CacheMode = 'use' | 'off';

export interface ChatCallOptions {
  readonly signal?: AbortSignal;
  readonly cache?: CacheMode;
  /** Which of several samples of one request this is (from 0); part of the cache key, so n samples are n entries. */
  readonly sample?: number;
}

export interface ChatResult extends CompletionResult {
  /** The profile that answered. */
  readonly profile: string;
  /** Answered from the response cache: no request was sent and nothing was spent. */
  readonly cached: boolean;
  /** US dollars from the profile's prices and the reported usage; 0 when cached; undefined when a price or the usage is unknown. */
  readonly costUsd: number | undefined;
}

export interface ChatModel {
  /** The profile's name, as roles and provenance name it. */
  readonly profile: string;
  /** The model the profile asks for. */
  readonly model: string;
  readonly sampling: SamplingDefaults;
  complete(request: CompletionRequest, options?: ChatCallOptions): Promise<ChatResult>;
}

/** Which profiles play which part: several teachers (distillation), one critic (critique–revise), judges (an ensemble). */
export interface ModelRoles {
  readonly teachers: readonly string[];
  readonly critic?: string;
  readonly judges: readonly string[];
}
