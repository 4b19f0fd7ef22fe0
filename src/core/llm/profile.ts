import { isHttpUrl } from './endpoint';
/**
 * Model profiles: a name for one model behind one OpenAI-compatible endpoint, with its sampling
 * defaults and its limits. A profile names where its key comes from (`apiKeyRef`: an environment
 * variable for the CLI, a SecretStorage entry in the editor); it never holds the key.
 */

export interface SamplingDefaults {
  readonly temperature: number;
  readonly top_p: number;
  readonly max_tokens: number;
  readonly seed?: number;
}

export interface ModelProfile {
  readonly name: string;
  /** undefined: the `openai` package's own default endpoint. */
  readonly baseURL?: string;
  readonly model: string;
  /** Where the key comes from (a variable or secret name); never the key itself. */
  readonly apiKeyRef?: string;
  readonly sampling: SamplingDefaults;
  /** Calls in flight at once, at most. */
  readonly concurrency: number;
  readonly requestsPerMinute?: number;
  readonly tokensPerMinute?: number;
  /** US dollars per million prompt tokens. */
  readonly pricePerMillionInput?: number;
  /** US dollars per million completion tokens. */
  readonly pricePerMillionOutput?: number;
}

/** A profile that breaks the rules below; every problem is listed, each naming its field. */
export class ProfileError extends Error {
  constructor(
    readonly profile: string,
    readonly problems: readonly string[],
  ) {
    super(`model profile "${profile}": ${problems.join('; ')}`);
    this.name = 'ProfileError';
  }
}

export const DEFAULT_SAMPLING: SamplingDefaults = { temperature: 0.7, top_p: 1, max_tokens: 1024 };

const knownFields = new Set([
  'name', 'baseURL', 'model', 'apiKeyRef', 'sampling', 'concurrency', 'requestsPerMinute',
  'tokensPerMinute', 'pricePerMillionInput', 'pricePerMillionOutput',
]);
const samplingFields = new Set(['temperature', 'top_p', 'max_tokens', 'seed']);
/** A name for a variable or secret, not a value: letters, digits, `_`, `.`, `-`, `/`, `:`. */
const keyRefPattern = /^[A-Za-z_][A-Za-z0-9_.:/-]{0,127}$/;

/**
 * Checks an untrusted value (settings, a pipeline file) and returns it as a profile, or throws
 * ProfileError listing every problem. Missing sampling values take DEFAULT_SAMPLING.
 */
export function validateProfile(value: unknown): ModelProfile {
  const problems: string[] = [];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ProfileError('(unnamed)', ['a profile must be an object']);
  }
  const raw = value as Record<string, unknown>;
  const name = typeof raw.name === 'string' && raw.name.trim() !== '' ? raw.name.trim() : undefined;
  if (name === undefined) problems.push('"name" must be a non-empty string');

  for (const key of Object.keys(raw)) {
    if (key === 'apiKey' || key === 'key') {
      problems.push(`"${key}": keys never go in a profile; name where the key comes from with "apiKeyRef"`);
    } else if (!knownFields.has(key)) {
      problems.push(`unknown field "${key}" (expected ${[...knownFields].join(', ')})`);
    }
  }

  let baseURL: string | undefined;
  if (raw.baseURL !== undefined) {
    if (typeof raw.baseURL !== 'string' || !isHttpUrl(raw.baseURL.trim())) {
      problems.push('"baseURL" must be an http or https URL (or left out for the openai package default)');
    } else if (/[{}]/.test(raw.baseURL)) {
      problems.push(`"baseURL" still holds a template placeholder: ${raw.baseURL}`);
    } else {
      baseURL = raw.baseURL.trim();
    }
  }

  const model = typeof raw.model === 'string' && raw.model.trim() !== '' ? raw.model.trim() : undefined;
  if (model === undefined) problems.push('"model" must be a non-empty string');

  let apiKeyRef: string | undefined;
  if (raw.apiKeyRef !== undefined) {
    if (typeof raw.apiKeyRef !== 'string' || !keyRefPattern.test(raw.apiKeyRef)) {
      problems.push('"apiKeyRef" must be the name of a variable or secret (letters, digits, _ . : / -), not a key');
    } else if (looksLikeKey(raw.apiKeyRef)) {
      problems.push('"apiKeyRef" looks like a key itself; give the name of the variable or secret that holds it');
    } else {
      apiKeyRef = raw.apiKeyRef;
    }
  }

  let sampling: SamplingDefaults = DEFAULT_SAMPLING;
  if (raw.sampling !== undefined) {
    if (typeof raw.sampling !== 'object' || raw.sampling === null || Array.isArray(raw.sampling)) {
      problems.push('"sampling" must be an object');
    } else {
      const s = raw.sampling as Record<string, unknown>;
      for (const key of Object.keys(s)) {
        if (!samplingFields.has(key)) problems.push(`unknown field "sampling.${key}" (expected ${[...samplingFields].join(', ')})`);
      }
      const temperature = numberIn(s.temperature, 'sampling.temperature', 0, 2, false, problems) ?? DEFAULT_SAMPLING.temperature;
      const top_p = numberIn(s.top_p, 'sampling.top_p', 0, 1, false, problems) ?? DEFAULT_SAMPLING.top_p;
      const max_tokens = numberIn(s.max_tokens, 'sampling.max_tokens', 1, 10_000_000, true, problems) ?? DEFAULT_SAMPLING.max_tokens;
      const seed = numberIn(s.seed, 'sampling.seed', Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, true, problems);
      sampling = seed === undefined ? { temperature, top_p, max_tokens } : { temperature, top_p, max_tokens, seed };
    }
  }

  const concurrency = numberIn(raw.concurrency, 'concurrency', 1, 1024, true, problems) ?? 1;
  const requestsPerMinute = positive(raw.requestsPerMinute, 'requestsPerMinute', problems);
  const tokensPerMinute = positive(raw.tokensPerMinute, 'tokensPerMinute', problems);
  const pricePerMillionInput = numberIn(raw.pricePerMillionInput, 'pricePerMillionInput', 0, 1e6, false, problems);
  const pricePerMillionOutput = numberIn(raw.pricePerMillionOutput, 'pricePerMillionOutput', 0, 1e6, false, problems);

  if (problems.length > 0 || name === undefined || model === undefined) throw new ProfileError(name ?? '(unnamed)', problems);
  return dropUndefined({
    name, baseURL, model, apiKeyRef, sampling, concurrency, requestsPerMinute, tokensPerMinute,
    pricePerMillionInput, pricePerMillionOutput,
  }) as unknown as ModelProfile;
}

/** Profiles by name; names must be unique. */
export function validateProfiles(values: readonly unknown[]): Map<string, ModelProfile> {
  const profiles = new Map<string, ModelProfile>();
  for (const value of values) {
    const profile = validateProfile(value);
    if (profiles.has(profile.name)) throw new ProfileError(profile.name, ['another profile has the same name']);
    profiles.set(profile.name, profile);
  }
  return profiles;
}

export type PresetId = 'openai' | 'azure-openai' | 'openrouter' | 'vllm' | 'ollama' | 'llama.cpp' | 'lm-studio';

export interface ProfilePreset {
  readonly id: PresetId;
  readonly label: string;
  /** undefined: the openai package default (OpenAI's own service), or a template must be filled. */
  readonly baseURL: string | undefined;
  /** For services whose URL depends on the account: `{name}` placeholders to fill in. */
  readonly baseURLTemplate?: string;
  /** Where the key is usually kept; local servers need none. */
  readonly apiKeyRef: string | undefined;
  readonly concurrency: number;
  readonly note: string;
}

/**
 * Starting points for the usual endpoints. The local servers' URLs are their documented default
 * ports, on 127.0.0.1 rather than `localhost` (Node may try ::1 first, where these servers do not
 * listen by default).
 */
export const PROFILE_PRESETS: Readonly<Record<PresetId, ProfilePreset>> = {
  openai: {
    id: 'openai', label: 'OpenAI', baseURL: undefined, apiKeyRef: 'OPENAI_API_KEY', concurrency: 8,
    note: 'The openai package default endpoint.',
  },
  'azure-openai': {
    id: 'azure-openai', label: 'Azure OpenAI', baseURL: undefined,
    baseURLTemplate: 'https://{resource}.openai.azure.com/openai/v1/', apiKeyRef: 'AZURE_OPENAI_API_KEY', concurrency: 8,
    note: 'The v1 OpenAI-compatible API of an Azure OpenAI resource; the model is the deployment name.',
  },
  openrouter: {
    id: 'openrouter', label: 'OpenRouter', baseURL: 'https://openrouter.ai/api/v1', apiKeyRef: 'OPENROUTER_API_KEY', concurrency: 8,
    note: 'Models are named provider/model.',
  },
  vllm: {
    id: 'vllm', label: 'vLLM', baseURL: 'http://127.0.0.1:8000/v1', apiKeyRef: undefined, concurrency: 16,
    note: '`vllm serve` default port; the model is the served model name.',
  },
  ollama: {
    id: 'ollama', label: 'Ollama', baseURL: 'http://127.0.0.1:11434/v1', apiKeyRef: undefined, concurrency: 1,
    note: 'Ollama serves one request at a time unless OLLAMA_NUM_PARALLEL is raised.',
  },
  'llama.cpp': {
    id: 'llama.cpp', label: 'llama.cpp server', baseURL: 'http://127.0.0.1:8080/v1', apiKeyRef: undefined, concurrency: 1,
    note: '`llama-server` default port; raise concurrency to match its --parallel slots.',
  },
  'lm-studio': {
    id: 'lm-studio', label: 'LM Studio', baseURL: 'http://127.0.0.1:1234/v1', apiKeyRef: undefined, concurrency: 1,
    note: 'LM Studio local server default port.',
  },
};

/**
 * A profile from a preset. `template` fills a preset's URL template (Azure: `{ resource }`);
 * `overrides` win over the preset. The result is validated.
 */
export function profileFromPreset(
  id: PresetId,
  fields: { name: string; model: string; template?: Record<string, string> } & Partial<Omit<ModelProfile, 'name' | 'model'>>,
): ModelProfile {
  const preset = PROFILE_PRESETS[id];
  const { template, ...overrides } = fields;
  let baseURL = preset.baseURL;
  if (preset.baseURLTemplate !== undefined && overrides.baseURL === undefined) {
    baseURL = preset.baseURLTemplate.replace(/\{(\w+)\}/g, (whole, key: string) => {
      const value = template?.[key];
      if (value === undefined || !/^[A-Za-z0-9-]+$/.test(value)) {
        throw new ProfileError(fields.name, [`preset "${id}" needs ${whole} (letters, digits and -)`]);
      }
      return value;
    });
  }
  return validateProfile(dropUndefined({
    baseURL,
    apiKeyRef: preset.apiKeyRef,
    concurrency: preset.concurrency,
    sampling: DEFAULT_SAMPLING,
    ...overrides,
  }));
}

function numberIn(value: unknown, field: string, min: number, max: number, integer: boolean, problems: string[]): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    problems.push(`"${field}" must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}`);
    return undefined;
  }
  return value;
}

function positive(value: unknown, field: string, problems: string[]): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    problems.push(`"${field}" must be a number above 0 (leave it out for no limit)`);
    return undefined;
  }
  return value;
}

/** Typical key shapes: `sk-…`, or one long token without separators. */
function looksLikeKey(value: string): boolean {
  return /^(sk|rk|pk)-[A-Za-z0-9_-]{16,}$/.test(value) || (value.length >= 32 && /^[A-Za-z0-9_-]+$/.test(value) && /\d/.test(value) && !/_/.test(value));
}

function dropUndefined(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
}
