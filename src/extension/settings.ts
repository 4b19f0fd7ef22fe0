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
}

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
} as const satisfies Record<string, string | number | boolean>;

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
  };
}

function stringOr(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value : fallback;
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], fallback: T): T {
  return typeof value === 'string' && (allowed as readonly string[]).includes(value) ? (value as T) : fallback;
}

function booleanOr(value: unknown, fallback: boolean): boolean {
  return typeof value === 'boolean' ? value : fallback;
}

/** Trailing slashes are dropped so that later joins never produce `//v1`. */
function normaliseUrl(value: unknown): string {
  return stringOr(value, settingDefaults['endpoint.baseUrl']).trim().replace(/\/+$/, '');
}
