// The `distillery.mix.*` settings as the mix report's thresholds, in one place. Pure (no `vscode`
// import) so unit tests check it against package.json. Defaults are the core's: no teacher or
// synthetic-share limit until the user sets one (null), and the core's distinct-n drop.
import { DEFAULT_MAX_DISTINCT_DROP, type MixThresholds } from '../../core/curation/mixReport';

/** Setting keys, relative to the `distillery` section, with their defaults. */
export const mixSettingDefaults = {
  'mix.maxTeacherShare': null,
  'mix.maxSyntheticShare': null,
  'mix.maxDistinctDrop': DEFAULT_MAX_DISTINCT_DROP,
} as const;

export type MixSettingKey = keyof typeof mixSettingDefaults;

export interface MixSettingsRead {
  readonly thresholds: MixThresholds;
  /** Values that were ignored, each naming its setting; shown in the panel, never thrown. */
  readonly problems: readonly string[];
}

const FIELDS: Readonly<Record<MixSettingKey, keyof MixThresholds>> = {
  'mix.maxTeacherShare': 'maxTeacherShare',
  'mix.maxSyntheticShare': 'maxSyntheticShare',
  'mix.maxDistinctDrop': 'maxDistinctDrop',
};

export function readMixSettings(raw: (key: MixSettingKey) => unknown): MixSettingsRead {
  const thresholds: Record<string, number> = {};
  const problems: string[] = [];
  for (const key of Object.keys(FIELDS) as MixSettingKey[]) {
    const value = raw(key);
    const fallback = mixSettingDefaults[key];
    if (value === undefined || value === null) {
      if (fallback !== null) thresholds[FIELDS[key]] = fallback;
      continue;
    }
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
      problems.push(`distillery.${key}: ${JSON.stringify(value)} is not a share from 0 to 1; ${fallback === null ? 'no limit' : String(fallback)} is used.`);
      if (fallback !== null) thresholds[FIELDS[key]] = fallback;
      continue;
    }
    thresholds[FIELDS[key]] = value;
  }
  return { thresholds: thresholds as MixThresholds, problems };
}
