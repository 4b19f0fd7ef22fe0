import { parseConstitution, samplePrinciples, type Principle } from '../../core/constitution';

export const DEFAULT_SAMPLE_K = 3;
export const DEFAULT_SAMPLE_SEED = '1';

export interface SampleSpec {
  readonly k: number;
  readonly seed: string;
}

/** What the Sample input box shows first: `3 @ seed 1`. */
export function formatSampleSpec(spec: SampleSpec): string {
  return `${spec.k} @ seed ${spec.seed}`;
}

/** Reads `K`, `K @ seed S` or `K @ S` (seed: any text); undefined when it is neither. */
export function parseSampleSpec(text: string): SampleSpec | undefined {
  const match = /^\s*(\d{1,6})\s*(?:@\s*(?:seed\b\s*)?(\S(?:.*\S)?)?)?\s*$/i.exec(text);
  if (!match?.[1]) return undefined;
  return { k: Number(match[1]), seed: match[2] ?? DEFAULT_SAMPLE_SEED };
}

export interface SampleDraw {
  readonly principles: readonly Principle[];
  readonly poolSize: number;
  readonly notes: readonly string[];
}

/** The principles a seeded draw of k picks from a constitution's text (the same draw the tasks will make). */
export function drawPrinciples(text: string, spec: SampleSpec): SampleDraw {
  const { principles } = parseConstitution(text);
  return samplePrinciples(principles, { k: spec.k, seed: spec.seed });
}
