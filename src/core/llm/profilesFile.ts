/**
 * The profiles file (JSONC; `--profiles FILE` or DISTILLERY_PROFILES for the CLI; the editor reads
 * the same structure from its settings):
 *
 *     {
 *       "default": "local",
 *       "profiles": {
 *         "local": { "preset": "vllm", "model": "Qwen/Qwen2.5-7B-Instruct", "concurrency": 32 },
 *         "gpt": { "preset": "openai", "model": "gpt-4o-mini", "apiKeyEnv": "OPENAI_API_KEY",
 *                  "pricePerMillionInput": 0.15, "pricePerMillionOutput": 0.6 }
 *       },
 *       "roles": { "teacher": ["gpt", "local"], "critic": "gpt", "judge": "gpt" }
 *     }
 *
 * One validator (`validateProfilesConfig`) checks a plain value and reports problems by path;
 * `parseProfilesText` places each at its line and column in the file. A key written into the
 * file is refused at its place, and its value is never repeated in the message.
 */
import { findNodeAtLocation, getNodeValue, parseTree, type Node, type ParseError } from 'jsonc-parser';
import { describeParseError } from '../errors/jsonParseError';
import { InputError, lineColumnAt, type SourceLocation } from '../errors/located';
import type { ModelRoles } from './chatModel';
import type { ModelProfile, PresetId } from './profile';
import { PROFILE_PRESETS, ProfileError, validateProfile } from './profile';

export interface ProfilesConfig {
  /** The profile used when nothing else is chosen. */
  readonly defaultProfile: string | undefined;
  readonly profiles: ReadonlyMap<string, ModelProfile>;
  /** Empty lists when the file names no roles. */
  readonly roles: ModelRoles;
  /** Profiles that gave no "model" (allowed only with `modelOptional`); they carry a placeholder model. */
  readonly withoutModel: ReadonlySet<string>;
}

export type JsonPath = ReadonlyArray<string | number>;

/** One problem, at a path in the value; `at: 'key'` points at the member's name rather than its value. */
export interface ProfilesProblem {
  readonly path: JsonPath;
  readonly at: 'key' | 'value';
  readonly message: string;
}

export interface ProfilesValidationOptions {
  /** Let profiles leave "model" out (the `endpoint` command falls back to OPENAI_MODEL). */
  readonly modelOptional?: boolean;
}

/** A profiles file that breaks the rules: every problem, each at its place, the first in the message's first line. */
export class ProfilesFileError extends InputError {
  constructor(readonly problems: ReadonlyArray<{ readonly message: string; readonly location: SourceLocation | undefined }>) {
    const [first, ...rest] = problems;
    const place = (problem: { message: string; location: SourceLocation | undefined }): string =>
      problem.location ? `${problem.location.file}:${problem.location.line}:${problem.location.column}: ${problem.message}` : problem.message;
    super([first?.message ?? 'invalid profiles file', ...rest.map(place)].join('\n'), first?.location);
    this.name = 'ProfilesFileError';
  }
}

const topFields = new Set(['default', 'profiles', 'roles']);
const fileProfileFields = new Set([
  'preset', 'baseURL', 'model', 'apiKeyEnv', 'apiKeyRef', 'sampling', 'concurrency', 'requestsPerMinute',
  'tokensPerMinute', 'pricePerMillionInput', 'pricePerMillionOutput',
]);
const keyFields = new Set(['apiKey', 'key', 'api_key', 'apikey', 'token', 'secret']);
const roleFields = new Set(['teacher', 'critic', 'judge']);
const PLACEHOLDER_MODEL = '(model not set)';
const KEY_REFUSAL = 'keys do not belong in a profiles file: name the variable that holds it with "apiKeyEnv"';

/** Checks a plain value of the profiles structure. Problems are listed in document order of their paths. */
export function validateProfilesConfig(value: unknown, options: ProfilesValidationOptions = {}): { config: ProfilesConfig | undefined; problems: ProfilesProblem[] } {
  const problems: ProfilesProblem[] = [];
  const problem = (path: JsonPath, at: 'key' | 'value', message: string): void => {
    problems.push({ path, at, message });
  };
  if (!isObject(value)) {
    problem([], 'value', 'a profiles file must hold a JSON object');
    return { config: undefined, problems };
  }
  for (const key of Object.keys(value)) {
    if (keyFields.has(key)) problem([key], 'key', KEY_REFUSAL);
    else if (!topFields.has(key)) problem([key], 'key', `unknown field "${key}" (expected ${[...topFields].join(', ')})`);
  }

  const profiles = new Map<string, ModelProfile>();
  const withoutModel = new Set<string>();
  const rawProfiles = value.profiles;
  if (!isObject(rawProfiles)) {
    problem(['profiles'], 'value', 'expected an object "profiles" (profile names to profiles)');
  } else {
    for (const [name, raw] of Object.entries(rawProfiles)) {
      const profile = validateFileProfile(name, raw, ['profiles', name], problem, options);
      if (profile) {
        profiles.set(name, profile.profile);
        if (profile.withoutModel) withoutModel.add(name);
      }
    }
  }
  // Names of profiles that exist in the file, valid or not: a role naming a broken profile is not also "unknown".
  const declared = new Set(isObject(rawProfiles) ? Object.keys(rawProfiles) : []);

  let defaultProfile: string | undefined;
  if (value.default !== undefined) {
    if (typeof value.default !== 'string' || value.default.trim() === '') problem(['default'], 'value', '"default" must be a profile name');
    else if (isObject(rawProfiles) && !declared.has(value.default)) problem(['default'], 'value', `"default" names no profile: "${value.default}"${knownList(declared)}`);
    else defaultProfile = value.default;
  }

  const roles = { teachers: [] as string[], critic: undefined as string | undefined, judges: [] as string[] };
  if (value.roles !== undefined) {
    if (!isObject(value.roles)) {
      problem(['roles'], 'value', '"roles" must be an object: { "teacher": …, "critic": …, "judge": … }');
    } else {
      for (const key of Object.keys(value.roles)) {
        if (!roleFields.has(key)) problem(['roles', key], 'key', `unknown role "${key}" (expected ${[...roleFields].join(', ')})`);
      }
      const names = (role: string, allowList: boolean): string[] => {
        const raw = (value.roles as Record<string, unknown>)[role];
        if (raw === undefined) return [];
        const list = typeof raw === 'string' ? [raw] : allowList && Array.isArray(raw) ? (raw as unknown[]) : undefined;
        if (list === undefined || (Array.isArray(raw) && raw.length === 0)) {
          problem(['roles', role], 'value', `"roles.${role}" must be a profile name${allowList ? ' or a non-empty list of them' : ''}`);
          return [];
        }
        const result: string[] = [];
        list.forEach((item, index) => {
          const path = typeof raw === 'string' ? ['roles', role] : ['roles', role, index];
          if (typeof item !== 'string' || item.trim() === '') problem(path, 'value', `"roles.${role}" must name profiles`);
          else if (isObject(rawProfiles) && !declared.has(item)) problem(path, 'value', `"roles.${role}" names no profile: "${item}"${knownList(declared)}`);
          else if (result.includes(item)) problem(path, 'value', `"roles.${role}" names "${item}" twice`);
          else result.push(item);
        });
        return result;
      };
      roles.teachers = names('teacher', true);
      roles.critic = names('critic', false)[0];
      roles.judges = names('judge', true);
    }
  }

  if (problems.length > 0) return { config: undefined, problems };
  return {
    config: {
      defaultProfile,
      profiles,
      roles: roles.critic === undefined ? { teachers: roles.teachers, judges: roles.judges } : roles as ModelRoles,
      withoutModel,
    },
    problems,
  };
}

/** Parses and checks a profiles file; throws ProfilesFileError with every problem at its line and column. */
export function parseProfilesText(text: string, file: string, options: ProfilesValidationOptions = {}): ProfilesConfig {
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false });
  const at = (offset: number): SourceLocation => ({ file, ...lineColumnAt(text, offset) });
  const firstError = errors[0];
  // After a syntax error the tree is a guess: report the error alone.
  if (firstError) throw new InputError(describeParseError(firstError), at(firstError.offset));
  if (!root) throw new InputError('a profiles file must hold a JSON object', at(0));

  const located: Array<{ message: string; location: SourceLocation; offset: number }> = [];
  for (const duplicate of duplicateKeys(root)) {
    located.push({ message: `"${String(duplicate.value)}" appears twice in one object`, location: at(duplicate.offset), offset: duplicate.offset });
  }
  const { config, problems } = validateProfilesConfig(getNodeValue(root), options);
  for (const problem of problems) {
    const offset = offsetOf(root, problem.path, problem.at);
    located.push({ message: problem.message, location: at(offset), offset });
  }
  if (located.length > 0 || !config) {
    located.sort((a, b) => a.offset - b.offset);
    throw new ProfilesFileError(located);
  }
  return config;
}

/** The problems of a value from settings, each prefixed with its path (`profiles.local.model: …`); throws InputError when there are any. */
export function profilesFromSettings(value: unknown, source: string, options: ProfilesValidationOptions = {}): ProfilesConfig {
  const { config, problems } = validateProfilesConfig(value, options);
  if (problems.length > 0 || !config) {
    throw new InputError(problems.map((p) => `${source}${p.path.length > 0 ? `.${p.path.join('.')}` : ''}: ${p.message}`).join('\n'));
  }
  return config;
}

function validateFileProfile(
  name: string,
  raw: unknown,
  path: JsonPath,
  problem: (path: JsonPath, at: 'key' | 'value', message: string) => void,
  options: ProfilesValidationOptions,
): { profile: ModelProfile; withoutModel: boolean } | undefined {
  if (name.trim() === '') {
    problem(path, 'key', 'a profile needs a non-empty name');
    return undefined;
  }
  if (!isObject(raw)) {
    problem(path, 'value', `profile "${name}" must be an object`);
    return undefined;
  }
  let ok = true;
  const fields: Record<string, unknown> = {};
  for (const [key, fieldValue] of Object.entries(raw)) {
    if (keyFields.has(key)) {
      problem([...path, key], 'key', KEY_REFUSAL);
      ok = false;
    } else if (!fileProfileFields.has(key)) {
      problem([...path, key], 'key', `unknown field "${key}" (expected ${[...fileProfileFields].join(', ')})`);
      ok = false;
    } else {
      fields[key] = fieldValue;
    }
  }
  if (fields.apiKeyEnv !== undefined && fields.apiKeyRef !== undefined) {
    problem([...path, 'apiKeyRef'], 'key', '"apiKeyEnv" and "apiKeyRef" are the same setting; give one');
    ok = false;
  }
  const keyField = fields.apiKeyEnv !== undefined ? 'apiKeyEnv' : 'apiKeyRef';

  let presetDefaults: Record<string, unknown> = {};
  if (fields.preset !== undefined) {
    const preset = typeof fields.preset === 'string' ? PROFILE_PRESETS[fields.preset as PresetId] : undefined;
    if (!preset || !Object.hasOwn(PROFILE_PRESETS, fields.preset as string)) {
      problem([...path, 'preset'], 'value', `"preset" must be one of ${Object.keys(PROFILE_PRESETS).join(', ')}`);
      ok = false;
    } else {
      if (preset.baseURLTemplate !== undefined && fields.baseURL === undefined) {
        problem([...path, 'preset'], 'value', `preset "${preset.id}" needs "baseURL" (${preset.baseURLTemplate})`);
        ok = false;
      }
      presetDefaults = { baseURL: preset.baseURL, apiKeyRef: preset.apiKeyRef, concurrency: preset.concurrency };
    }
  }
  const modelGiven = fields.model !== undefined;
  const candidate: Record<string, unknown> = { ...withoutUndefined(presetDefaults), name };
  for (const [key, fieldValue] of Object.entries(fields)) {
    if (key === 'preset') continue;
    candidate[key === 'apiKeyEnv' ? 'apiKeyRef' : key] = fieldValue;
  }
  if (!modelGiven && options.modelOptional) candidate.model = PLACEHOLDER_MODEL;

  try {
    const profile = validateProfile(candidate);
    return ok ? { profile, withoutModel: !modelGiven } : undefined;
  } catch (error) {
    if (!(error instanceof ProfileError)) throw error;
    for (const message of error.problems) {
      const field = /^(?:unknown field )?"([^"]+)"/.exec(message)?.[1];
      const fieldPath = field === undefined ? [] : field.split('.').map((part) => (part === 'apiKeyRef' ? keyField : part));
      const inFile = fieldPath.length > 0 && hasPath(raw, fieldPath);
      const shown = message.replace('"apiKeyRef"', `"${keyField}"`);
      if (inFile) problem([...path, ...fieldPath], message.startsWith('unknown field') ? 'key' : 'value', shown);
      else if (fields.preset !== undefined && field !== undefined && field in presetDefaults) problem([...path, 'preset'], 'value', shown);
      else problem(path, 'key', field === 'model' ? `profile "${name}" needs "model"` : shown);
    }
    return undefined;
  }
}

/** The offset to report for a problem: the member's name or value, else the nearest enclosing member that exists. */
function offsetOf(root: Node, path: JsonPath, at: 'key' | 'value'): number {
  for (let length = path.length; length >= 0; length--) {
    const node = findNodeAtLocation(root, [...path.slice(0, length)]);
    if (!node) continue;
    const wantKey = length < path.length || at === 'key';
    const keyNode = node.parent?.type === 'property' ? node.parent.children?.[0] : undefined;
    return wantKey && keyNode ? keyNode.offset : node.offset;
  }
  return root.offset;
}

/** Property-name nodes that repeat an earlier name in the same object. */
function duplicateKeys(node: Node): Node[] {
  const found: Node[] = [];
  const visit = (current: Node): void => {
    if (current.type === 'object') {
      const seen = new Set<string>();
      for (const property of current.children ?? []) {
        const keyNode = property.children?.[0];
        if (!keyNode) continue;
        const name = String(keyNode.value);
        if (seen.has(name)) found.push(keyNode);
        seen.add(name);
      }
    }
    for (const child of current.children ?? []) visit(child);
  };
  visit(node);
  return found;
}

function hasPath(value: unknown, path: readonly string[]): boolean {
  let current: unknown = value;
  for (const part of path) {
    if (!isObject(current) || !Object.hasOwn(current, part)) return false;
    current = current[part];
  }
  return true;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function withoutUndefined(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
}

function knownList(names: ReadonlySet<string>): string {
  return names.size > 0 ? ` (known: ${[...names].join(', ')})` : '';
}
