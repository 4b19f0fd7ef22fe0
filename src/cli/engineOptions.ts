/**
 * How a CLI command that calls models builds its engine: from a profiles file (`--profiles FILE`
 * or DISTILLERY_PROFILES), or else from the environment as the `openai` package reads it
 * (OPENAI_BASE_URL, OPENAI_API_KEY, OPENAI_MODEL make one profile named "default"). Keys come from
 * the environment variable each profile names; they are never printed.
 */
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { InputError } from '../core/errors/located';
import type { ChatModel } from '../core/llm/chatModel';
import type { Clock } from '../core/llm/clock';
import type { ModelClientOptions } from '../core/llm/client';
import { ModelEngine, baseURLOf } from '../core/llm/engine';
import type { ModelProfile } from '../core/llm/profile';
import { PROFILE_PRESETS, ProfileError, validateProfile } from '../core/llm/profile';
import type { ProfilesConfig } from '../core/llm/profilesFile';
import { parseProfilesText } from '../core/llm/profilesFile';
import type { CommandInput, OptionsConfig } from './command';
import type { CliIo } from './io';

/** The options every command that calls models shares. */
export const engineOptions: OptionsConfig = {
  profiles: { type: 'string' },
  model: { type: 'string' },
  teacher: { type: 'string', multiple: true },
  'no-cache': { type: 'boolean' },
  'cache-dir': { type: 'string' },
};

export const engineOptionHelp = [
  '--profiles FILE     a JSONC profiles file (default: $DISTILLERY_PROFILES; without one, the',
  '                    environment: OPENAI_BASE_URL, OPENAI_API_KEY, OPENAI_MODEL)',
  '--model M           the model of the default profile, instead of the one configured',
  '--teacher NAME      a teacher profile (repeatable; default: the file\'s roles.teacher, else its default)',
  '--no-cache          ask the models again even when the response cache has the answer (still stored)',
  '--cache-dir DIR     where the response cache lives (default: .distillery/cache)',
];

/** The implicit profile's name, when the environment alone decides. */
export const ENVIRONMENT_PROFILE = 'default';
export const DEFAULT_CACHE_DIR = path.join('.distillery', 'cache');

/** What may be printed about one profile: never the key, only whether it is set and where from. */
export interface ProfileDescription {
  readonly profile: string;
  /** The roles it plays in this run: teacher, critic, judge. */
  readonly roles: readonly string[];
  readonly baseURL: string;
  readonly model: string;
  /** `set (from VAR)`, `not set (VAR)`, or `none (the profile names no key variable)`. */
  readonly apiKey: string;
}

export interface CliEngine {
  readonly engine: ModelEngine;
  readonly teachers: readonly ChatModel[];
  readonly critic: ChatModel | undefined;
  readonly judges: readonly ChatModel[];
  /** Where the response cache lives; undefined never (the CLI always has one), kept for symmetry with the editor. */
  readonly cacheDirectory: string;
  /** The profiles this run uses, as they may be printed. */
  describe(): ProfileDescription[];
}

/** What tests and benchmarks may add: a transport, a clock, client timeouts, a place for warnings. */
export interface CliEngineExtras {
  readonly fetch?: typeof globalThis.fetch;
  readonly clock?: Clock;
  readonly client?: Omit<ModelClientOptions, 'apiKey' | 'clock' | 'fetch'>;
  log?(message: string): void;
}

/**
 * Builds the engine for a command from its options and the environment. `values.critic` and
 * `values.judge` (string, or repeated strings), when a command declares them, choose those roles
 * as `--teacher` does the teachers. Bad input is an InputError (exit 2).
 */
export async function buildCliEngine(
  values: CommandInput['values'],
  io: CliIo,
  extras: CliEngineExtras = {},
  /** The roles this command calls: a missing one is bad input; the others may be absent. */
  needs: readonly ('teacher' | 'critic' | 'judge')[] = ['teacher'],
): Promise<CliEngine> {
  const profilesPath = stringValue(values.profiles, '--profiles') ?? nonEmpty(io.env.DISTILLERY_PROFILES);
  const modelOverride = stringValue(values.model, '--model');
  const config = profilesPath !== undefined ? await readProfiles(profilesPath, io) : environmentConfig(io, modelOverride);

  let profiles = config.profiles;
  if (profilesPath !== undefined && modelOverride !== undefined) {
    const name = config.defaultProfile;
    const profile = name === undefined ? undefined : profiles.get(name);
    if (!profile) throw new InputError(`--model: ${profilesPath} has no "default" profile whose model it could replace; choose a profile with --teacher instead`);
    profiles = new Map(profiles).set(profile.name, checked({ ...profile, model: modelOverride }, '--model'));
  }

  const known = [...profiles.keys()];
  const pick = (names: readonly string[], option: string): string[] => {
    for (const name of names) {
      if (!profiles.has(name)) throw new InputError(`${option}: no profile named "${name}" (known: ${known.join(', ') || 'none'})`);
    }
    return [...new Set(names)];
  };
  const fallback = config.defaultProfile ?? (known.length === 1 ? known[0] : undefined);
  const teacherOption = stringList(values.teacher, '--teacher');
  const teacherNames = teacherOption.length > 0
    ? pick(teacherOption, '--teacher')
    : config.roles.teachers.length > 0 ? [...config.roles.teachers] : fallback !== undefined ? [fallback] : [];
  if (teacherNames.length === 0 && needs.includes('teacher')) {
    throw new InputError(`${profilesPath ?? 'profiles'}: no teacher: name one with --teacher, with "roles": { "teacher": … }, or with "default"`);
  }
  const criticOption = stringList(values.critic, '--critic');
  const criticName = criticOption.length > 0 ? pick(criticOption, '--critic')[0] : config.roles.critic ?? fallback;
  if (criticName === undefined && needs.includes('critic')) {
    throw new InputError(`${profilesPath ?? 'profiles'}: no critic: name one with --critic, with "roles": { "critic": … }, or with "default"`);
  }
  const judgeOption = stringList(values.judge, '--judge');
  const judgeNames = judgeOption.length > 0
    ? pick(judgeOption, '--judge')
    : config.roles.judges.length > 0 ? [...config.roles.judges] : fallback !== undefined ? [fallback] : [];

  const cacheDirectory = path.resolve(io.cwd, stringValue(values['cache-dir'], '--cache-dir') ?? DEFAULT_CACHE_DIR);
  const engine = new ModelEngine({
    profiles,
    keyFor: (profile) => (profile.apiKeyRef === undefined ? undefined : nonEmpty(io.env[profile.apiKeyRef])),
    cacheDirectory,
    cacheMode: values['no-cache'] === true ? 'off' : 'use',
    ...(extras.fetch ? { fetch: extras.fetch } : {}),
    ...(extras.clock ? { clock: extras.clock } : {}),
    ...(extras.client ? { client: extras.client } : {}),
    ...(extras.log ? { log: extras.log } : {}),
  });

  const used = new Map<string, string[]>();
  const play = (name: string | undefined, role: string): void => {
    if (name === undefined) return;
    used.set(name, [...(used.get(name) ?? []), role]);
  };
  for (const name of teacherNames) play(name, 'teacher');
  play(criticName, 'critic');
  for (const name of judgeNames) play(name, 'judge');

  return {
    engine,
    teachers: teacherNames.map((name) => engine.model(name)),
    critic: criticName === undefined ? undefined : engine.model(criticName),
    judges: judgeNames.map((name) => engine.model(name)),
    cacheDirectory,
    describe: () =>
      [...used].map(([name, roles]) => {
        const profile = profiles.get(name) as ModelProfile;
        return { profile: name, roles, baseURL: baseURLOf(profile), model: profile.model, apiKey: describeKey(profile, io) };
      }),
  };
}

/** `profile  roles  baseURL  model  key` lines for a run's header. */
export function formatProfileDescriptions(descriptions: readonly ProfileDescription[]): string[] {
  return descriptions.map((d) => `${d.profile} (${d.roles.join(', ')}): ${d.model} at ${d.baseURL}, key ${d.apiKey}`);
}

export function describeKey(profile: ModelProfile, io: CliIo): string {
  if (profile.apiKeyRef === undefined) return 'none (the profile names no key variable)';
  return nonEmpty(io.env[profile.apiKeyRef]) !== undefined ? `set (from ${profile.apiKeyRef})` : `not set (${profile.apiKeyRef})`;
}

export async function readProfiles(file: string, io: CliIo): Promise<ProfilesConfig> {
  let text: string;
  try {
    text = await readFile(path.resolve(io.cwd, file), 'utf8');
  } catch (error) {
    throw new InputError(`${file}: cannot read profiles file (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  return parseProfilesText(text, file);
}

/**
 * The implicit profile "default": where the openai package would send requests, with the model from
 * --model or OPENAI_MODEL, and the OpenAI preset's concurrency (a profile of one at a time would
 * make a batch crawl; a profiles file sets its own).
 */
export function environmentConfig(io: CliIo, modelOverride: string | undefined): ProfilesConfig {
  const model = modelOverride ?? nonEmpty(io.env.OPENAI_MODEL);
  if (model === undefined) throw new InputError('no model: pass --model M, set OPENAI_MODEL, or give a profiles file with --profiles');
  const baseURL = nonEmpty(io.env.OPENAI_BASE_URL);
  const profile = checked({ name: ENVIRONMENT_PROFILE, model, apiKeyRef: 'OPENAI_API_KEY', concurrency: PROFILE_PRESETS.openai.concurrency, ...(baseURL !== undefined ? { baseURL } : {}) }, baseURL !== undefined ? 'OPENAI_BASE_URL' : '--model');
  return {
    defaultProfile: ENVIRONMENT_PROFILE,
    profiles: new Map([[ENVIRONMENT_PROFILE, profile]]),
    roles: { teachers: [], judges: [] },
    withoutModel: new Set(),
  };
}

function checked(value: unknown, source: string): ModelProfile {
  try {
    return validateProfile(value);
  } catch (error) {
    if (error instanceof ProfileError) throw new InputError(`${source}: ${error.problems.join('; ')}`);
    throw error;
  }
}

function stringValue(value: CommandInput['values'][string], option: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '') throw new InputError(`${option} needs a value`);
  return value.trim();
}

function stringList(value: CommandInput['values'][string], option: string): string[] {
  if (value === undefined) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.map((item) => {
    if (typeof item !== 'string' || item.trim() === '') throw new InputError(`${option} needs a profile name`);
    return item.trim();
  });
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
