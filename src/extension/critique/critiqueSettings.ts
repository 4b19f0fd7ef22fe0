// The `distillery.critique.*` settings as typed values with defaults, in one place. Pure (no
// `vscode` import) so unit tests check it against package.json.

/** Setting keys, relative to the `distillery` section, with their defaults. */
export const critiqueSettingDefaults = {
  'critique.rounds': 2,
  'critique.seed': 1,
  'critique.tags': [] as readonly string[],
  'critique.fewShotFile': '',
  'critique.constitution': '',
} as const;

export type CritiqueSettingKey = keyof typeof critiqueSettingDefaults;

/** Reads one raw value; `undefined` when nobody set it. */
export type RawCritiqueSettingReader = (key: CritiqueSettingKey) => unknown;

/** Rounds are capped: each costs two model calls per row. */
export const MAX_ROUNDS = 16;

export interface CritiqueEditorSettings {
  readonly rounds: number;
  readonly seed: number;
  readonly tags: readonly string[];
  /** Workspace-relative or absolute path of a few-shot examples file; undefined when not set. */
  readonly fewShotFile: string | undefined;
  /** Workspace-relative or absolute path of the constitution to use; undefined: the last used, or ask. */
  readonly constitution: string | undefined;
}

export interface CritiqueSettingsRead {
  readonly settings: CritiqueEditorSettings;
  /** Values that were ignored, each naming its setting; shown to the user, never thrown. */
  readonly problems: readonly string[];
}

export function readCritiqueSettings(raw: RawCritiqueSettingReader): CritiqueSettingsRead {
  const problems: string[] = [];
  const wholeNumber = (key: 'critique.rounds' | 'critique.seed', min: number, max: number): number => {
    const value = raw(key);
    if (value === undefined || value === null) return critiqueSettingDefaults[key];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      problems.push(`distillery.${key}: ${JSON.stringify(value)} is not a whole number from ${min} to ${max}; ${critiqueSettingDefaults[key]} is used.`);
      return critiqueSettingDefaults[key];
    }
    return value;
  };
  const rounds = wholeNumber('critique.rounds', 1, MAX_ROUNDS);
  const seed = wholeNumber('critique.seed', 0, Number.MAX_SAFE_INTEGER);

  const rawTags = raw('critique.tags');
  let tags: string[] = [];
  if (Array.isArray(rawTags)) {
    rawTags.forEach((tag: unknown, index) => {
      if (typeof tag === 'string' && tag.trim() !== '') tags.push(tag.trim());
      else problems.push(`distillery.critique.tags[${index}]: ${JSON.stringify(tag)} is not a tag; ignored.`);
    });
  } else if (rawTags !== undefined && rawTags !== null) {
    problems.push(`distillery.critique.tags: ${JSON.stringify(rawTags)} is not a list of tags; ignored.`);
  }
  tags = [...new Set(tags)];

  const path = (key: 'critique.fewShotFile' | 'critique.constitution'): string | undefined => {
    const value = raw(key);
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') {
      problems.push(`distillery.${key}: ${JSON.stringify(value)} is not a path; ignored.`);
      return undefined;
    }
    return value.trim() === '' ? undefined : value.trim();
  };

  return { settings: { rounds, seed, tags, fewShotFile: path('critique.fewShotFile'), constitution: path('critique.constitution') }, problems };
}
