/**
 * The model engine of a pipeline run on the command line: the pipeline's own "models" section,
 * else `--profiles FILE` (or DISTILLERY_PROFILES), else the environment's endpoint
 * (OPENAI_BASE_URL, OPENAI_MODEL, OPENAI_API_KEY) as the one profile playing every role.
 * Keys come from the environment variables the profiles name, as for every other command.
 */
import * as path from 'node:path';
import { InputError } from '../core/errors/located';
import type { ChatModel } from '../core/llm/chatModel';
import { ModelEngine, baseURLOf, type ModelEngineOptions } from '../core/llm/engine';
import type { ModelProfile } from '../core/llm/profile';
import type { ProfilesConfig } from '../core/llm/profilesFile';
import { MODEL_STEP_TYPES, type PipelineDefinition } from '../core/pipeline/run/pipelineTypes';
import type { PipelineModels } from '../core/pipeline/run/runnerTypes';
import {
  DEFAULT_CACHE_DIR, describeKey, environmentConfig, readProfiles, type CliEngineExtras, type ProfileDescription,
} from './engineOptions';
import type { CliIo } from './io';

export interface PipelineEngineOptions {
  /** `--cache-dir`; `.distillery/cache` under the working folder by default. */
  readonly cacheDir?: string;
  /** `--no-cache`, or the pipeline's "cache": false. */
  readonly noCache?: boolean;
  /** `--profiles FILE`: used when the pipeline has no "models" section. */
  readonly profilesFile?: string;
}

export interface PipelineEngineExtras extends CliEngineExtras {
  /** Batch export and dry runs: calls the cache cannot answer are handed here, not sent. */
  readonly deferRequests?: ModelEngineOptions['deferRequests'];
}

export interface PipelineEngine {
  readonly engine: ModelEngine;
  readonly models: PipelineModels;
  readonly config: ProfilesConfig;
  readonly cacheDirectory: string;
  /** The profiles, as they may be printed (never keys). */
  describe(): ProfileDescription[];
}

const NO_PROFILES: ProfilesConfig = { defaultProfile: undefined, profiles: new Map(), roles: { teachers: [], judges: [] }, withoutModel: new Set() };

export async function buildPipelineEngine(pipeline: PipelineDefinition, io: CliIo, options: PipelineEngineOptions = {}, extras: PipelineEngineExtras = {}): Promise<PipelineEngine> {
  const profilesFile = options.profilesFile ?? (io.env.DISTILLERY_PROFILES?.trim() || undefined);
  const callsModels = pipeline.steps.some((step) => MODEL_STEP_TYPES.has(step.type));
  const config = pipeline.models
    ?? (profilesFile !== undefined ? await readProfiles(profilesFile, io)
      // A pipeline that only curates needs no endpoint.
      : callsModels ? environmentConfig(io, undefined) : NO_PROFILES);
  const known = [...config.profiles.keys()];
  const fallback = config.defaultProfile ?? (known.length === 1 ? known[0] : undefined);
  const teacherNames = config.roles.teachers.length > 0 ? [...config.roles.teachers] : fallback !== undefined ? [fallback] : [];
  const criticName = config.roles.critic ?? fallback;
  const judgeNames = config.roles.judges.length > 0 ? [...config.roles.judges] : fallback !== undefined ? [fallback] : [];
  const cacheDirectory = path.resolve(io.cwd, options.cacheDir ?? DEFAULT_CACHE_DIR);
  const engine = new ModelEngine({
    profiles: config.profiles,
    keyFor: (profile) => {
      const value = profile.apiKeyRef === undefined ? undefined : io.env[profile.apiKeyRef];
      return value === undefined || value.trim() === '' ? undefined : value.trim();
    },
    cacheDirectory,
    cacheMode: options.noCache === true || pipeline.cache === false ? 'off' : 'use',
    ...(extras.fetch ? { fetch: extras.fetch } : {}),
    ...(extras.clock ? { clock: extras.clock } : {}),
    ...(extras.client ? { client: extras.client } : {}),
    ...(extras.log ? { log: extras.log } : {}),
    ...(extras.deferRequests ? { deferRequests: extras.deferRequests } : {}),
  });
  const model = (name: string): ChatModel => {
    if (!config.profiles.has(name)) throw new InputError(`no profile named "${name}" (known: ${known.join(', ') || 'none'})`);
    return engine.model(name);
  };
  const models: PipelineModels = {
    model,
    teachers: teacherNames.map(model),
    critic: criticName === undefined ? undefined : model(criticName),
    judges: judgeNames.map(model),
    ledger: engine.ledger,
  };
  const roles = (name: string): string[] => [
    ...(teacherNames.includes(name) ? ['teacher'] : []),
    ...(criticName === name ? ['critic'] : []),
    ...(judgeNames.includes(name) ? ['judge'] : []),
  ];
  return {
    engine,
    models,
    config,
    cacheDirectory,
    describe: () => [...config.profiles.values()].map((profile: ModelProfile) => ({
      profile: profile.name, roles: roles(profile.name), baseURL: baseURLOf(profile), model: profile.model, apiKey: describeKey(profile, io),
    })),
  };
}
