import { parseTree, findNodeAtLocation, type Node, type ParseError } from 'jsonc-parser';
import { describeParseError } from '../errors/jsonParseError';
import { InputError, lineColumnAt } from '../errors/located';

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

const profileFields = new Set(['baseURL', 'model', 'apiKeyEnv']);

/**
 * Parses a JSONC profiles file:
 * `{ "default": "local", "profiles": { "local": { "baseURL": "...", "model": "...", "apiKeyEnv": "VAR" } } }`.
 * Every problem is reported at its line and column.
 */
export function parseProfilesFile(text: string, file: string): ProfilesFile {
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false });
  const at = (offset: number) => ({ file, ...lineColumnAt(text, offset) });
  const firstError = errors[0];
  if (firstError) throw new InputError(describeParseError(firstError), at(firstError.offset));
  if (!root || root.type !== 'object') throw new InputError('a profiles file must hold a JSON object', at(root?.offset ?? 0));

  const profilesNode = findNodeAtLocation(root, ['profiles']);
  if (!profilesNode || profilesNode.type !== 'object') {
    throw new InputError('expected an object "profiles"', at(profilesNode?.offset ?? root.offset));
  }
  const profiles = new Map<string, EndpointProfile>();
  for (const property of profilesNode.children ?? []) {
    const [keyNode, valueNode] = property.children ?? [];
    if (!keyNode || !valueNode) continue;
    profiles.set(String(keyNode.value), readProfile(valueNode, at));
  }

  const defaultNode = findNodeAtLocation(root, ['default']);
  let defaultProfile: string | undefined;
  if (defaultNode) {
    if (defaultNode.type !== 'string') throw new InputError('"default" must be a profile name', at(defaultNode.offset));
    defaultProfile = String(defaultNode.value);
    if (!profiles.has(defaultProfile)) {
      throw new InputError(`"default" names no profile: "${defaultProfile}"`, at(defaultNode.offset));
    }
  }
  return { defaultProfile, profiles };
}

function readProfile(node: Node, at: (offset: number) => { file: string; line: number; column: number }): EndpointProfile {
  if (node.type !== 'object') throw new InputError('a profile must be an object', at(node.offset));
  const profile: Record<string, string> = {};
  for (const property of node.children ?? []) {
    const [keyNode, valueNode] = property.children ?? [];
    if (!keyNode || !valueNode) continue;
    const key = String(keyNode.value);
    if (key === 'apiKey') {
      throw new InputError('keys do not belong in a profiles file: name the variable that holds it with "apiKeyEnv"', at(keyNode.offset));
    }
    if (!profileFields.has(key)) {
      throw new InputError(`unknown field "${key}" (expected ${[...profileFields].join(', ')})`, at(keyNode.offset));
    }
    if (valueNode.type !== 'string' || String(valueNode.value).trim() === '') {
      throw new InputError(`"${key}" must be a non-empty string`, at(valueNode.offset));
    }
    profile[key] = String(valueNode.value).trim();
  }
  if (profile.baseURL !== undefined && !isHttpUrl(profile.baseURL)) {
    const valueNode = findNodeAtLocation(node, ['baseURL']);
    throw new InputError('"baseURL" must be an http or https URL', at(valueNode?.offset ?? node.offset));
  }
  return profile;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
