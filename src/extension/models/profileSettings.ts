/**
 * Model profiles and roles from the settings: `distillery.profiles` (name → fields, as in the
 * CLI's profiles file, `preset` included), `distillery.roles`, and `distillery.endpoint.baseUrl` +
 * `distillery.endpoint.model` as the implicit profile "default". Pure: problems are collected,
 * each naming its setting and field, never thrown, so a bad setting cannot break activation.
 */
import type { ModelRoles } from '../../core/llm/chatModel';
import type { ModelProfile } from '../../core/llm/profile';
import { validateProfilesConfig } from '../../core/llm/profilesFile';
import type { Settings } from '../settings';
import { OPENAI_DEFAULT_BASE_URL } from './origins';

/** The profile that `distillery.endpoint.*` makes, and the one roles fall back to. */
export const IMPLICIT_PROFILE = 'default';
/** Profiles named `vscode-lm:<vendor>/<family>` are VS Code's own language models. */
export const LANGUAGE_MODEL_PREFIX = 'vscode-lm:';

export interface ModelSettings {
  /** Valid profiles by name; every one has an explicit base URL. */
  readonly profiles: ReadonlyMap<string, ModelProfile>;
  /** Which setting each profile came from: `distillery.profiles` or `distillery.endpoint`. */
  readonly settingOf: ReadonlyMap<string, 'distillery.profiles' | 'distillery.endpoint'>;
  /**
   * Roles after defaults. Names are profiles above or `vscode-lm:` names, which only the
   * editor can check (its language models come and go).
   */
  readonly roles: ModelRoles;
  /** Each starts with the setting and field it is about, e.g. `distillery.profiles.local.model: …`. */
  readonly problems: readonly string[];
}

const roleKeys = ['teacher', 'critic', 'judge'] as const;

export function readModelSettings(settings: Pick<Settings, 'endpointBaseUrl' | 'endpointModel' | 'profiles' | 'roles'>): ModelSettings {
  const problems: string[] = [];
  const profiles = new Map<string, ModelProfile>();
  const settingOf = new Map<string, 'distillery.profiles' | 'distillery.endpoint'>();

  for (const [name, raw] of Object.entries(settings.profiles)) {
    const where = `distillery.profiles.${name}`;
    if (name.trim() === '' || name !== name.trim()) {
      problems.push(`${where}: a profile name must be non-empty, without surrounding spaces`);
      continue;
    }
    if (name.startsWith(LANGUAGE_MODEL_PREFIX)) {
      problems.push(`${where}: names starting with "${LANGUAGE_MODEL_PREFIX}" are VS Code's language models; choose another name`);
      continue;
    }
    const profile = profileFromSetting(name, raw, problems);
    if (profile) {
      profiles.set(name, profile);
      settingOf.set(name, 'distillery.profiles');
    }
  }

  // An empty base URL means "not configured" (a model name alone, perhaps from an untrusted
  // workspace whose base URL is withheld, does not make a profile).
  if (!profiles.has(IMPLICIT_PROFILE) && settings.endpointBaseUrl !== '') {
    if (settings.endpointModel !== '') {
      const endpointSetting = (path: string): string =>
        path.endsWith('.baseURL') ? 'distillery.endpoint.baseUrl' : path.endsWith('.model') ? 'distillery.endpoint.model' : 'distillery.endpoint';
      const profile = profileFromSetting(IMPLICIT_PROFILE, { baseURL: settings.endpointBaseUrl, model: settings.endpointModel }, problems, endpointSetting);
      if (profile) {
        profiles.set(IMPLICIT_PROFILE, profile);
        settingOf.set(IMPLICIT_PROFILE, 'distillery.endpoint');
      }
    } else {
      problems.push('distillery.endpoint.model: empty, so distillery.endpoint.baseUrl is not used; set the model name to send');
    }
  }

  const roles = readRoles(settings.roles, profiles, problems);
  return { profiles, settingOf, roles, problems };
}

/**
 * One profile, checked by the same validator as the CLI's profiles file (one profile at a time, so
 * that a bad profile does not take the good ones down with it). `where` renames the file's paths
 * for messages: `profiles.local.model` → `distillery.profiles.local.model`.
 */
function profileFromSetting(name: string, raw: unknown, problems: string[], where = (path: string): string => `distillery.${path}`): ModelProfile | undefined {
  const { config, problems: found } = validateProfilesConfig({ profiles: { [name]: raw } });
  const profile = config?.profiles.get(name);
  if (!profile) {
    for (const problem of found) {
      const message = problem.message.startsWith('keys do not belong')
        ? 'keys never go in settings: store it with "Distillery: Set API Key…" (kept in VS Code\'s secret storage)'
        : problem.message;
      problems.push(`${where(problem.path.join('.'))}: ${message}`);
    }
    return undefined;
  }
  // Always explicit: the `openai` package would otherwise follow OPENAI_BASE_URL from the
  // editor's environment, and send a key stored for OpenAI's origin somewhere else.
  return profile.baseURL === undefined ? { ...profile, baseURL: OPENAI_DEFAULT_BASE_URL } : profile;
}

function readRoles(raw: Readonly<Record<string, unknown>>, profiles: ReadonlyMap<string, ModelProfile>, problems: string[]): ModelRoles {
  for (const key of Object.keys(raw)) {
    if (!(roleKeys as readonly string[]).includes(key)) {
      problems.push(`distillery.roles.${key}: unknown role (expected ${roleKeys.join(', ')})`);
    }
  }
  const named = (key: (typeof roleKeys)[number], many: boolean): string[] => {
    const value = raw[key];
    if (value === undefined) return [];
    const where = `distillery.roles.${key}`;
    const names = typeof value === 'string' ? [value] : many && Array.isArray(value) ? value : undefined;
    if (names === undefined || names.some((name) => typeof name !== 'string')) {
      problems.push(`${where}: must be a profile name${many ? ' or a list of them' : ''}`);
      return [];
    }
    const known = (names as string[]).filter((name) => {
      if (profiles.has(name) || (name.startsWith(LANGUAGE_MODEL_PREFIX) && name.length > LANGUAGE_MODEL_PREFIX.length)) return true;
      const choices = [...profiles.keys()];
      problems.push(`${where}: no profile named "${name}" (${choices.length > 0 ? `known: ${choices.join(', ')}` : 'no valid profiles are configured'})`);
      return false;
    });
    return [...new Set(known)];
  };
  const fallback = fallbackProfile(profiles);
  const orFallback = (names: string[]): string[] => (names.length > 0 ? names : fallback !== undefined ? [fallback] : []);
  const critic = orFallback(named('critic', false))[0];
  return {
    teachers: orFallback(named('teacher', true)),
    ...(critic !== undefined ? { critic } : {}),
    judges: orFallback(named('judge', true)),
  };
}

/** What a role that says nothing uses: "default", else the only profile there is. */
function fallbackProfile(profiles: ReadonlyMap<string, ModelProfile>): string | undefined {
  if (profiles.has(IMPLICIT_PROFILE)) return IMPLICIT_PROFILE;
  return profiles.size === 1 ? [...profiles.keys()][0] : undefined;
}
