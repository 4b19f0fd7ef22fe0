import { InputError } from '../errors/located';
import { parseProfilesText } from './profilesFile';

/**
 * Where model requests go. The key itself is carried here only to be handed to the
 * `openai` client; `describeEndpoint` is what may be shown to people.
 */
/** Whether `value` is an absolute http or https URL (the only kinds of endpoint we talk to). */
export function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

export interface Endpoint {
  /** undefined: the `openai` package's own default endpoint. */
  readonly baseURL: string | undefined;
  readonly apiKey: string | undefined;
  /** The name of the environment variable the key came from, for messages. */
  readonly apiKeyVariable: string;
  readonly model: string | undefined;
  /** Which profile chose this endpoint, or undefined when the environment did. */
  readonly profile: string | undefined;
}

/** One endpoint in a profiles file. Keys are never stored there, only the variable holding one. */
export interface EndpointProfile {
  readonly baseURL?: string;
  readonly model?: string;
  readonly apiKeyEnv?: string;
}

export interface ProfilesFile {
  readonly defaultProfile: string | undefined;
  readonly profiles: ReadonlyMap<string, EndpointProfile>;
}

export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * Resolves the endpoint as the `openai` package does (OPENAI_BASE_URL, OPENAI_API_KEY),
 * unless a profile is chosen, explicitly or as the profiles file's default.
 */
export function resolveEndpoint(env: Environment, profiles?: ProfilesFile, profileName?: string): Endpoint {
  const name = profileName ?? profiles?.defaultProfile;
  if (name === undefined) {
    return {
      baseURL: nonEmpty(env.OPENAI_BASE_URL),
      apiKey: nonEmpty(env.OPENAI_API_KEY),
      apiKeyVariable: 'OPENAI_API_KEY',
      model: nonEmpty(env.OPENAI_MODEL),
      profile: undefined,
    };
  }
  const profile = profiles?.profiles.get(name);
  if (!profile) {
    const known = profiles ? [...profiles.profiles.keys()].join(', ') : '';
    throw new InputError(`unknown profile "${name}"${known ? ` (known: ${known})` : ' (no profiles file given)'}`);
  }
  const apiKeyVariable = profile.apiKeyEnv ?? 'OPENAI_API_KEY';
  return {
    baseURL: profile.baseURL ?? nonEmpty(env.OPENAI_BASE_URL),
    apiKey: nonEmpty(env[apiKeyVariable]),
    apiKeyVariable,
    model: profile.model ?? nonEmpty(env.OPENAI_MODEL),
    profile: name,
  };
}

/** What may be printed about an endpoint: never the key, only whether one is set and where from. */
export function describeEndpoint(endpoint: Endpoint): Record<string, string> {
  return {
    profile: endpoint.profile ?? '(environment)',
    baseURL: endpoint.baseURL ?? '(openai package default)',
    model: endpoint.model ?? '(not set)',
    apiKey: endpoint.apiKey ? `set (from ${endpoint.apiKeyVariable})` : `not set (${endpoint.apiKeyVariable})`,
  };
}

/**
 * Parses a JSONC profiles file (see profilesFile.ts for the whole format) into the endpoints the
 * `endpoint` and `models` commands use. Here a profile may leave "model" out (OPENAI_MODEL then
 * decides). Every problem is reported at its line and column.
 */
export function parseProfilesFile(text: string, file: string): ProfilesFile {
  const config = parseProfilesText(text, file, { modelOptional: true });
  const profiles = new Map<string, EndpointProfile>();
  for (const [name, profile] of config.profiles) {
    profiles.set(name, {
      ...(profile.baseURL !== undefined ? { baseURL: profile.baseURL } : {}),
      ...(config.withoutModel.has(name) ? {} : { model: profile.model }),
      ...(profile.apiKeyRef !== undefined ? { apiKeyEnv: profile.apiKeyRef } : {}),
    });
  }
  return { defaultProfile: config.defaultProfile, profiles };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
