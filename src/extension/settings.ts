// The one place where Distillery's raw settings become typed values with defaults.
// Pure (no `vscode` import) so unit tests can check it against package.json.

export interface Settings {
  /** Where model requests go when no profile says otherwise; empty means "not configured". */
  readonly endpointBaseUrl: string;
  /** Model name sent with requests to that endpoint. */
  readonly endpointModel: string;
  /** Show Distillery's CodeLenses in dataset files. */
  readonly codeLensEnabled: boolean;
  /** Check dataset files as they change (malformed rows, schema problems, duplicates). */
  readonly diagnosticsEnabled: boolean;
  /** The row preview shows the row under the cursor as it moves. */
  readonly previewFollowCursor: boolean;
  /** Which tokenizer counts tokens in the statistics; `auto` picks it from the endpoint's model family. */
  readonly statisticsEncoding: TokenEncodingSetting;
  /** `distillery.profiles`: profile name → raw profile fields, checked by models/profileSettings. */
  readonly profiles: Readonly<Record<string, unknown>>;
  /** `distillery.roles`: raw `{ teacher, critic, judge }`, checked by models/profileSettings. */
  readonly roles: Readonly<Record<string, unknown>>;
  /** Answer identical model requests from the on-disk response cache. */
  readonly cacheEnabled: boolean;
}

/** Settings that decide where model requests go: an untrusted workspace's values are ignored. */
export const restrictedSettingKeys = ['endpoint.baseUrl', 'profiles', 'roles'] as const satisfies readonly SettingKey[];

export const tokenEncodingSettings = ['auto', 'o200k_base', 'cl100k_base'] as const;
export type TokenEncodingSetting = (typeof tokenEncodingSettings)[number];

/** Setting keys, relative to the `distillery` section, with their defaults. */
export const settingDefaults = {
  'endpoint.baseUrl': '',
  'endpoint.model': '',
  'codeLens.enabled': true,
  'diagnostics.enabled': true,
  'preview.followCursor': true,
  'statistics.encoding': 'auto',
  profiles: {},
  roles: {},
  'cache.enabled': true,
} as const satisfies Record<string, string | number | boolean | Readonly<Record<string, never>>>;

export type SettingKey = keyof typeof settingDefaults;

/** Reads one raw value; `undefined` when the user has not set it. */
export type RawSettingReader = (key: SettingKey) => unknown;

export function readSettings(raw: RawSettingReader): Settings {
  return {
    endpointBaseUrl: normaliseUrl(raw('endpoint.baseUrl')),
    endpointModel: stringOr(raw('endpoint.model'), settingDefaults['endpoint.model']).trim(),
    codeLensEnabled: booleanOr(raw('codeLens.enabled'), settingDefaults['codeLens.enabled']),
    diagnosticsEnabled: booleanOr(raw('diagnostics.enabled'), settingDefaults['diagnostics.enabled']),
    previewFollowCursor: booleanOr(raw('preview.followCursor'), settingDefaults['preview.followCursor']),
    statisticsEncoding: oneOf(raw('statistics.encoding'), tokenEncodingSettings, settingDefaults['statistics.encoding']),
    profiles: objectOr(raw('profiles')),
    roles: objectOr(raw('roles')),
    cacheEnabled: booleanOr(raw('cache.enabled'), settingDefaults['cache.enabled']),
  };
}

function stringOr(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value : fallback;
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], fallback: T): T {
  return typeof value === 'string' && (allowed as readonly string[]).includes(value) ? (value as T) : fallback;
}

/** Objects only (not arrays); anything else counts as unset. */
function objectOr(value: unknown): Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function booleanOr(value: unknown, fallback: boolean): boolean {
  return typeof value === 'boolean' ? value : fallback;
}

/** Trailing slashes are dropped so that later joins never produce `//v1`. */
function normaliseUrl(value: unknown): string {
  return stringOr(value, settingDefaults['endpoint.baseUrl']).trim().replace(/\/+$/, '');
}
