// The `distillery.generate.*` settings as typed values with defaults, in one place. Pure (no
// `vscode` import) so unit tests check it against package.json.
import type { GenerateSettings, SampleFilterSettings } from '../../core/tasks/types';

export const generateOutputs = ['sft', 'candidates'] as const;
export const dedupeModes = ['off', 'exact', 'near'] as const;

/** Setting keys, relative to the `distillery` section, with their defaults (null: not set, the profile's own value). */
export const generateSettingDefaults = {
  'generate.samples': 1,
  'generate.systemPrompt': '',
  'generate.temperature': null,
  'generate.maxTokens': null,
  'generate.output': 'sft',
  'generate.filters.minChars': 0,
  'generate.filters.maxChars': 0,
  'generate.filters.rejectRefusals': true,
  'generate.filters.dedupe': 'near',
  'generate.verifier': '',
} as const satisfies Record<string, string | number | boolean | null>;

export type GenerateSettingKey = keyof typeof generateSettingDefaults;

/** Reads one raw value; `undefined` when nobody set it. */
export type RawGenerateSettingReader = (key: GenerateSettingKey) => unknown;

/** Samples per teacher per prompt are capped: a typo of 1000 must not send a thousand requests a row. */
export const MAX_SAMPLES = 32;

export interface GenerateSettingsRead {
  readonly settings: GenerateSettings;
  /** Values that were ignored, each naming its setting; shown to the user, never thrown. */
  readonly problems: readonly string[];
}

/**
 * The settings a generation runs with. `verifierCwd` is where a verifier's relative program path
 * and its working directory resolve (the dataset's workspace folder).
 */
export function readGenerateSettings(raw: RawGenerateSettingReader, verifierCwd?: string): GenerateSettingsRead {
  const problems: string[] = [];
  const numberSetting = (key: GenerateSettingKey, { min, max, integer }: { min: number; max: number; integer: boolean }): number | undefined => {
    const value = raw(key);
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' || !Number.isFinite(value) || (integer && !Number.isInteger(value)) || value < min || value > max) {
      problems.push(`distillery.${key}: ${JSON.stringify(value)} is not ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}; ignored.`);
      return undefined;
    }
    return value;
  };

  const samples = numberSetting('generate.samples', { min: 1, max: MAX_SAMPLES, integer: true }) ?? generateSettingDefaults['generate.samples'];
  const systemPrompt = stringOr(raw('generate.systemPrompt'), '');
  const temperature = numberSetting('generate.temperature', { min: 0, max: 2, integer: false });
  const maxTokens = numberSetting('generate.maxTokens', { min: 1, max: 1_000_000, integer: true });
  const output = oneOf(raw('generate.output'), generateOutputs, generateSettingDefaults['generate.output']);
  // 0 means "no bound" for both lengths.
  const minChars = numberSetting('generate.filters.minChars', { min: 0, max: Number.MAX_SAFE_INTEGER, integer: true }) || undefined;
  const maxChars = numberSetting('generate.filters.maxChars', { min: 0, max: Number.MAX_SAFE_INTEGER, integer: true }) || undefined;
  const rejectRefusals = booleanOr(raw('generate.filters.rejectRefusals'), generateSettingDefaults['generate.filters.rejectRefusals']);
  const dedupe = oneOf(raw('generate.filters.dedupe'), dedupeModes, generateSettingDefaults['generate.filters.dedupe']);

  let verifier: SampleFilterSettings['verifier'];
  const verifierLine = stringOr(raw('generate.verifier'), '').trim();
  if (verifierLine) {
    try {
      const [command, ...args] = splitCommandLine(verifierLine);
      if (command) verifier = { command, args, ...(verifierCwd ? { cwd: verifierCwd } : {}) };
    } catch (error) {
      problems.push(`distillery.generate.verifier: ${error instanceof Error ? error.message : String(error)}; no verifier is used.`);
    }
  }

  const filters: SampleFilterSettings = {
    ...(minChars !== undefined ? { minChars } : {}),
    ...(maxChars !== undefined ? { maxChars } : {}),
    rejectRefusals,
    dedupe,
    ...(verifier ? { verifier } : {}),
  };
  const settings: GenerateSettings = {
    n: samples,
    ...(systemPrompt.trim() ? { systemPrompt } : {}),
    ...(temperature !== undefined ? { temperature } : {}),
    ...(maxTokens !== undefined ? { max_tokens: maxTokens } : {}),
    output,
    filters,
  };
  if (minChars !== undefined && maxChars !== undefined && minChars > maxChars) {
    problems.push(`distillery.generate.filters.minChars (${minChars}) is above distillery.generate.filters.maxChars (${maxChars}): every sample will be dropped.`);
  }
  return { settings, problems };
}

/**
 * Splits a command line into a program and its arguments the way a POSIX shell splits words, and
 * nothing more: no variables, globs, pipes or redirections (the verifier is spawned without a
 * shell). Single quotes keep everything; double quotes let `\"` and `\\` through; a backslash
 * outside quotes escapes the next character.
 */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: "'" | '"' | undefined;
  let quoteColumn = 0;
  for (let i = 0; i < line.length; i++) {
    const char = line[i] as string;
    if (quote === "'") {
      if (char === "'") quote = undefined;
      else word += char;
    } else if (quote === '"') {
      if (char === '"') quote = undefined;
      else if (char === '\\' && (line[i + 1] === '"' || line[i + 1] === '\\')) word += line[++i];
      else word += char;
    } else if (char === "'" || char === '"') {
      quote = char;
      quoteColumn = i + 1;
      inWord = true;
    } else if (char === '\\') {
      if (i + 1 >= line.length) throw new Error(`a backslash ends the command line at column ${i + 1}`);
      word += line[++i];
      inWord = true;
    } else if (/\s/.test(char)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += char;
      inWord = true;
    }
  }
  if (quote) throw new Error(`the ${quote === '"' ? 'double' : 'single'} quote at column ${quoteColumn} is never closed`);
  if (inWord) words.push(word);
  return words;
}

function stringOr(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value : fallback;
}

function booleanOr(value: unknown, fallback: boolean): boolean {
  return typeof value === 'boolean' ? value : fallback;
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], fallback: T): T {
  return typeof value === 'string' && (allowed as readonly string[]).includes(value) ? (value as T) : fallback;
}
