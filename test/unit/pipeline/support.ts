/** Helpers for batch-run tests: JSONL files, and a model on the test server through the real client. */
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { ChatModel } from '../../../src/core/llm/chatModel';
import { ModelClient, type ModelClientOptions } from '../../../src/core/llm/client';
import type { Clock } from '../../../src/core/llm/clock';
import { ModelEngine } from '../../../src/core/llm/engine';
import { validateProfile, type ModelProfile } from '../../../src/core/llm/profile';
import { seededRandom } from '../../../src/core/random';
import type { ChatRequest, ReplyContext, TestServer } from '../../support/openaiServer';

export function writeJsonl(file: string, rows: readonly unknown[]): void {
  writeFileSync(file, rows.map((row) => `${JSON.stringify(row)}\n`).join(''));
}

/** Every complete line of a JSONL file, parsed; a missing file is empty. A torn last line fails the parse, on purpose. */
export function readJsonl(file: string): Record<string, unknown>[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** `row.distillery.source`, as the batch runner writes it. */
export function sourceOf(row: Record<string, unknown>): { key: string; input: string; outputs: number } {
  const metadata = row.distillery as { source?: { key: string; input: string; outputs: number } } | undefined;
  if (!metadata?.source) throw new Error(`row without distillery.source: ${JSON.stringify(row)}`);
  return metadata.source;
}

/** The real model client on the test server, with short seeded waits. */
export function testClient(server: TestServer, profile: Partial<ModelProfile> = {}, options: ModelClientOptions = {}): ModelClient {
  return new ModelClient(
    validateProfile({ name: 'sim', model: 'sim-small', baseURL: server.baseURL, apiKeyRef: 'SIM_API_KEY', concurrency: 8, ...profile }),
    {
      apiKey: 'test-key',
      random: seededRandom('pipeline-test'),
      retry: { baseDelayMs: 5, maxDelayMs: 40, maxAttempts: 3 },
      idleTimeoutMs: 300,
      attemptTimeoutMs: 2000,
      ...options,
    },
  );
}

/** A ChatModel over one ModelClient, with no cache (the engine adds one). */
export function chatModelOf(client: ModelClient): ChatModel {
  return {
    profile: client.profile.name,
    model: client.profile.model,
    sampling: client.profile.sampling,
    async complete(request, options) {
      const result = await client.complete(request, { signal: options?.signal });
      return { ...result, profile: client.profile.name, cached: false, costUsd: undefined };
    },
  };
}

export interface TestEngineOptions {
  /** Profiles beyond the default one ("teacher-a" on sim-small); each on the same server unless it says. */
  readonly profiles?: readonly Partial<ModelProfile>[];
  readonly clock?: Clock;
  readonly client?: Partial<Omit<ModelClientOptions, 'apiKey' | 'clock' | 'fetch'>>;
  readonly key?: string;
}

/** The real engine on the test server, with a response cache under `dir` and short seeded waits. */
export function testEngine(server: TestServer, dir: string, options: TestEngineOptions = {}): ModelEngine {
  const profiles = (options.profiles ?? [{}]).map((profile, index) =>
    validateProfile({
      name: index === 0 ? 'teacher-a' : `teacher-${String.fromCharCode(97 + index)}`,
      model: 'sim-small',
      baseURL: server.baseURL,
      apiKeyRef: 'SIM_API_KEY',
      concurrency: 8,
      pricePerMillionInput: 1,
      pricePerMillionOutput: 2,
      ...profile,
    }),
  );
  return new ModelEngine({
    profiles,
    keyFor: () => options.key ?? 'test-key',
    cacheDirectory: path.join(dir, 'cache'),
    ...(options.clock ? { clock: options.clock } : {}),
    client: {
      random: seededRandom('pipeline-engine'),
      retry: { baseDelayMs: 5, maxDelayMs: 40, maxAttempts: 3 },
      idleTimeoutMs: 300,
      attemptTimeoutMs: 2000,
      ...options.client,
    },
  });
}

/** A record of the errors file. */
export interface FailedRecord {
  line: number;
  column?: number;
  key: string;
  error: string;
  fatal?: boolean;
  row?: unknown;
  text?: string;
}

export function readFailures(output: string): FailedRecord[] {
  return readJsonl(`${output}.errors.jsonl`) as unknown as FailedRecord[];
}

const WORDS = [
  'amber', 'basil', 'cedar', 'delta', 'ember', 'fjord', 'garnet', 'harbor', 'indigo', 'juniper', 'kelp', 'lumen', 'maple', 'nectar',
  'onyx', 'pebble', 'quartz', 'raven', 'saffron', 'tundra', 'umber', 'velvet', 'willow', 'yarrow', 'zephyr', 'birch', 'coral', 'dune',
];

/** Answers that differ by prompt, model and seed (so no sample is a near-duplicate of another), long enough for any length filter. */
export function distinctAnswer(request: ChatRequest, context: ReplyContext): string {
  let state = 0;
  for (const char of `${context.lastUserText}|${request.model}|${request.seed ?? 'none'}`) state = (state * 31 + char.charCodeAt(0)) % 2147483647;
  const words: string[] = [];
  for (let i = 0; i < 12; i++) {
    state = (state * 1103515245 + 12345) % 2147483648;
    words.push(WORDS[state % WORDS.length] as string);
  }
  return `Here is an answer: ${words.join(' ')}.`;
}
