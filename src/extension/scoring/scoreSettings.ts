// The `distillery.score.*` settings as typed values with defaults, in one place. Pure (no
// `vscode` import) so unit tests check it without an editor.

/** Reads the raw value of `distillery.score.rubrics`; `undefined` when nobody set it. */
export type RawScoreSettingReader = (key: 'score.rubrics') => unknown;

export interface ScoreEditorSettings {
  /** Rubric ids to score on; empty: every rubric of the constitution. */
  readonly rubrics: readonly string[];
}

export interface ScoreSettingsRead {
  readonly settings: ScoreEditorSettings;
  /** Values that were ignored, each naming its setting; shown to the user, never thrown. */
  readonly problems: readonly string[];
}

export function readScoreSettings(raw: RawScoreSettingReader): ScoreSettingsRead {
  const value = raw('score.rubrics');
  if (value === undefined || value === null) return { settings: { rubrics: [] }, problems: [] };
  if (!Array.isArray(value)) return { settings: { rubrics: [] }, problems: [`distillery.score.rubrics: ${JSON.stringify(value)} is not a list of rubric ids; every rubric is scored.`] };
  const problems: string[] = [];
  const rubrics: string[] = [];
  value.forEach((id: unknown, i) => {
    if (typeof id === 'string' && id.trim() !== '') {
      if (!rubrics.includes(id.trim())) rubrics.push(id.trim());
    } else problems.push(`distillery.score.rubrics[${i}]: ${JSON.stringify(id)} is not a rubric id; ignored.`);
  });
  return { settings: { rubrics }, problems };
}
