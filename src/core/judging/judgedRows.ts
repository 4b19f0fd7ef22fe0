/**
 * Reading a judged row: its `distillery.judgement` (a PairVerdict, as judgePair writes it) and,
 * when a person overrode it, `distillery.human` (a HumanLabel). Only the fields the report uses
 * are checked; a bad one is named by its JSON path so that the caller can point at it.
 */
import type { HumanLabel, JudgeSample, PairVerdict, Verdict } from '../tasks/judgeTypes';

/** The parts of a judged row the report reads. */
export interface JudgedRow {
  readonly judgement: Pick<PairVerdict, 'winner' | 'positionConsistent' | 'agreement' | 'lengthDifference'> & {
    readonly samples: readonly Pick<JudgeSample, 'judge' | 'order' | 'verdict'>[];
  };
  readonly human?: Pick<HumanLabel, 'winner'>;
}

export type JsonPath = readonly (string | number)[];

export type JudgedRowReading =
  | { readonly kind: 'judged'; readonly row: JudgedRow }
  | { readonly kind: 'unjudged' }
  | { readonly kind: 'invalid'; readonly path: JsonPath; readonly message: string };

const isVerdict = (value: unknown): value is Verdict => value === 'A' || value === 'B' || value === 'tie';
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

class Invalid extends Error {
  constructor(readonly path: JsonPath, message: string) {
    super(message);
  }
}

export function readJudgedRow(value: Record<string, unknown>): JudgedRowReading {
  const meta = value.distillery;
  if (!isObject(meta) || meta.judgement === undefined) return { kind: 'unjudged' };
  try {
    const judgement = readJudgement(meta.judgement, ['distillery', 'judgement']);
    const human = meta.human === undefined ? undefined : readHuman(meta.human, ['distillery', 'human']);
    return { kind: 'judged', row: human ? { judgement, human } : { judgement } };
  } catch (error) {
    if (error instanceof Invalid) return { kind: 'invalid', path: error.path, message: error.message };
    throw error;
  }
}

function readJudgement(value: unknown, at: JsonPath): JudgedRow['judgement'] {
  if (!isObject(value)) throw new Invalid(at, 'must be an object (a judge verdict)');
  const winner = field(value, at, 'winner', isVerdict, '"A", "B" or "tie"');
  const positionConsistent = field(value, at, 'positionConsistent', (v): v is boolean => typeof v === 'boolean', 'true or false');
  const agreement = field(value, at, 'agreement', (v): v is number => typeof v === 'number' && v >= 0 && v <= 1, 'a number from 0 to 1');
  const lengthDifference = field(value, at, 'lengthDifference', (v): v is number => typeof v === 'number' && Number.isFinite(v), 'a number (characters of A − B)');
  const rawSamples = field(value, at, 'samples', Array.isArray, 'a list');
  const samples = (rawSamples as unknown[]).map((sample, index) => {
    const here = [...at, 'samples', index];
    if (!isObject(sample)) throw new Invalid(here, 'must be an object (one judge sample)');
    return {
      judge: field(sample, here, 'judge', (v): v is string => typeof v === 'string', 'a profile name'),
      order: field(sample, here, 'order', (v): v is 'AB' | 'BA' => v === 'AB' || v === 'BA', '"AB" or "BA"'),
      verdict: field(sample, here, 'verdict', isVerdict, '"A", "B" or "tie"'),
    };
  });
  return { winner, positionConsistent, agreement, lengthDifference, samples };
}

function readHuman(value: unknown, at: JsonPath): JudgedRow['human'] {
  if (!isObject(value)) throw new Invalid(at, 'must be an object (a human label)');
  return { winner: field(value, at, 'winner', isVerdict, '"A", "B" or "tie"') };
}

function field<T>(object: Record<string, unknown>, at: JsonPath, key: string, test: (v: unknown) => v is T, what: string): T {
  const value = object[key];
  if (value === undefined) throw new Invalid(at, `has no "${key}" (${what})`);
  if (!test(value)) throw new Invalid([...at, key], `must be ${what}, not ${JSON.stringify(value)}`);
  return value;
}
