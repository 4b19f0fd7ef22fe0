/**
 * Test support for the tasks: a ChatModel over ModelClient (the real engine, with its cache and
 * accounting, is being built elsewhere; this adapter adds neither), pointed at the project's own
 * OpenAI-compatible test server, and small helpers.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestServer } from '../../support/openaiServer';
import type { ChatCallOptions, ChatModel, ChatResult } from '../../../src/core/llm/chatModel';
import type { CompletionRequest } from '../../../src/core/llm/client';
import { ModelClient } from '../../../src/core/llm/client';
import { validateProfile } from '../../../src/core/llm/profile';
import { seededRandom } from '../../../src/core/random';

export const TEST_KEY = 'sk-test-3b8e0c5a1f7d9e2c4a6b8d0f';

/** Calls made through a model, with the options they were made with. */
export interface RecordedCall {
  readonly request: CompletionRequest;
  readonly options: ChatCallOptions;
}

export interface TestChatModel extends ChatModel {
  readonly calls: RecordedCall[];
}

export function testChatModel(server: TestServer, profile: string, model: string, apiKey = TEST_KEY, profileSeed?: number): TestChatModel {
  const sampling = { temperature: 0.5, top_p: 1, max_tokens: 256, ...(profileSeed !== undefined ? { seed: profileSeed } : {}) };
  const client = new ModelClient(
    validateProfile({ name: profile, model, baseURL: server.baseURL, apiKeyRef: 'TEST_KEY', concurrency: 8, sampling }),
    { apiKey, random: seededRandom(profile), retry: { baseDelayMs: 1, maxDelayMs: 5, maxAttempts: 2 }, attemptTimeoutMs: 5000 },
  );
  const calls: RecordedCall[] = [];
  return {
    profile,
    model,
    sampling: client.profile.sampling,
    calls,
    async complete(request: CompletionRequest, options: ChatCallOptions = {}): Promise<ChatResult> {
      calls.push({ request, options });
      const result = await client.complete(request, options.signal ? { signal: options.signal } : {});
      return { ...result, profile, cached: false, costUsd: undefined };
    },
  };
}

/** A temporary directory, removed by the returned function. */
export async function tempDir(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'distillery-tasks-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Writes a Node script and returns the verifier settings that run it with this Node. */
export async function nodeVerifier(dir: string, name: string, source: string, timeoutMs?: number) {
  const file = path.join(dir, name);
  await writeFile(file, source);
  return { command: process.execPath, args: [file], ...(timeoutMs !== undefined ? { timeoutMs } : {}) };
}
