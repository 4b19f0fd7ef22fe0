/** Helpers for the batch export/import tests: engines on the test server, deferring or not, sharing one cache. */
import * as path from 'node:path';
import type OpenAI from 'openai';
import { ModelEngine, type DeferredRequest } from '../../../src/core/llm/engine';
import { validateProfile, type ModelProfile } from '../../../src/core/llm/profile';
import { seededRandom } from '../../../src/core/random';
import type { TestServer } from '../../support/openaiServer';

export interface BatchEngineOptions {
  /** Profiles on the test server; one "teacher" on sim-small by default. */
  readonly profiles?: readonly Partial<ModelProfile>[];
  /** Defer mode: calls the cache cannot answer go here instead of to the server. */
  readonly defer?: (request: DeferredRequest) => void;
  /** Counts the keys asked for (a deferring engine must ask for none). */
  readonly onKey?: (profile: string) => void;
  readonly onApproval?: (origin: string) => void;
}

export function batchProfiles(server: TestServer, profiles: readonly Partial<ModelProfile>[] = [{}]): ModelProfile[] {
  return profiles.map((profile) =>
    validateProfile({ name: 'teacher', model: 'sim-small', baseURL: server.baseURL, apiKeyRef: 'SIM_API_KEY', concurrency: 8, ...profile }),
  );
}

/** The real engine on the test server, with its response cache in `<dir>/cache`. */
export function batchEngine(server: TestServer, dir: string, options: BatchEngineOptions = {}): ModelEngine {
  return new ModelEngine({
    profiles: batchProfiles(server, options.profiles),
    keyFor: (profile) => {
      options.onKey?.(profile.name);
      return 'sk-batch-test-key';
    },
    beforeFirstRequest: (origin) => {
      options.onApproval?.(origin);
      return Promise.resolve(true);
    },
    cacheDirectory: path.join(dir, 'cache'),
    client: { random: seededRandom('batch-engine'), retry: { baseDelayMs: 5, maxDelayMs: 40, maxAttempts: 3 }, idleTimeoutMs: 500, attemptTimeoutMs: 3000 },
    ...(options.defer ? { deferRequests: options.defer } : {}),
  });
}

/** A request line of a batch request file. */
export interface RequestLine {
  custom_id: string;
  method: string;
  url: string;
  body: OpenAI.ChatCompletionCreateParamsNonStreaming;
}
