/** The constitution document format: parse, validate, render, sample, import and export. */
export * from './types';
export { parseConstitution } from './parse';
export { renderConstitution, type RenderOptions } from './render';
export { samplePrinciples, eligiblePrinciples, type SampleOptions, type SampleResult } from './sample';
export { seededRandom, hashSeed } from '../random';
export { normalizeValue } from './syntax';
export { isSlug, slugify, editDistance, nearMiss } from './text';
export {
  importConstitutionJson,
  exportConstitution,
  exportFormats,
  constitutionData,
  toDistilleryJson,
  principleData,
  rubricData,
  type ImportFormat,
  type ExportFormat,
  type ImportOptions,
  type ImportResult,
  type DistilleryConstitutionJson,
} from './interchange';
