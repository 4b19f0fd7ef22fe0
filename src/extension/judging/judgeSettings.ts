// The `distillery.judge.*` settings as typed values with defaults, in one place. Pure (no
// `vscode` import) so unit tests check it without an editor.

/** Setting keys, relative to the `distillery` section, with their defaults. */
export const judgeSettingDefaults = {
  'judge.samples': 1,
  'judge.bothOrders': true,
  'judge.principles': 1,
  'judge.constitution': '',
} as const;

export type JudgeSettingKey = keyof typeof judgeSettingDefaults;

/** Reads one raw value; `undefined` when nobody set it. */
export type RawJudgeSettingReader = (key: JudgeSettingKey) => unknown;

/** Samples are capped: each costs one call per order and judge. */
export const MAX_JUDGE_SAMPLES = 16;
export const MAX_JUDGE_PRINCIPLES = 16;

export interface JudgeEditorSettings {
  readonly samples: number;
  readonly bothOrders: boolean;
  /** How many Compare principles are drawn for each comparison. */
  readonly principles: number;
  /** Workspace-relative or absolute path of the constitution; undefined: the last used, or none. */
  readonly constitution: string | undefined;
}

export interface JudgeSettingsRead {
  readonly settings: JudgeEditorSettings;
  /** Values that were ignored, each naming its setting; shown to the user, never thrown. */
  readonly problems: readonly string[];
}

export function readJudgeSettings(raw: RawJudgeSettingReader): JudgeSettingsRead {
  const problems: string[] = [];
  const wholeNumber = (key: 'judge.samples' | 'judge.principles', max: number): number => {
    const value = raw(key);
    if (value === undefined || value === null) return judgeSettingDefaults[key];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
      problems.push(`distillery.${key}: ${JSON.stringify(value)} is not a whole number from 1 to ${max}; ${judgeSettingDefaults[key]} is used.`);
      return judgeSettingDefaults[key];
    }
    return value;
  };
  const bothOrdersRaw = raw('judge.bothOrders');
  let bothOrders: boolean = judgeSettingDefaults['judge.bothOrders'];
  if (typeof bothOrdersRaw === 'boolean') bothOrders = bothOrdersRaw;
  else if (bothOrdersRaw !== undefined && bothOrdersRaw !== null) problems.push(`distillery.judge.bothOrders: ${JSON.stringify(bothOrdersRaw)} is not true or false; true is used.`);

  const constitutionRaw = raw('judge.constitution');
  let constitution: string | undefined;
  if (typeof constitutionRaw === 'string') constitution = constitutionRaw.trim() === '' ? undefined : constitutionRaw.trim();
  else if (constitutionRaw !== undefined && constitutionRaw !== null) problems.push(`distillery.judge.constitution: ${JSON.stringify(constitutionRaw)} is not a path; ignored.`);

  return {
    settings: { samples: wholeNumber('judge.samples', MAX_JUDGE_SAMPLES), bothOrders, principles: wholeNumber('judge.principles', MAX_JUDGE_PRINCIPLES), constitution },
    problems,
  };
}
