/**
 * The run manifest, `<outputDir>/manifest.json`: what a pipeline run read, which profiles it used
 * (never keys), what each step wrote and counted, and what it cost. It is rewritten atomically at
 * every step's start and end, so it always describes the run as far as it went; the next run reads
 * it to know which steps are done and may be skipped.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { writeFileAtomic } from '../../dataset/atomicWrite';
import type { UsageSummary } from '../../llm/accounting';
import { canonicalJson } from '../../llm/responseCache';
import type { ProfilesConfig } from '../../llm/profilesFile';
import type { PipelineDefinition, PipelineStep } from './pipelineTypes';
import type { PipelineOutcome, StepResult, StepStatus } from './runnerTypes';

export const MANIFEST_FILE = 'manifest.json';
const MANIFEST_VERSION = 1;

/** Size and modification time: enough to tell that a file changed between runs without reading it. */
export interface FileStamp {
  readonly size: number;
  readonly mtimeMs: number;
}

export interface ManifestProfile {
  readonly name: string;
  readonly baseURL: string | undefined;
  readonly model: string;
  /** The environment variable that holds the key (its name only). */
  readonly apiKeyEnv: string | undefined;
  readonly pricePerMillionInput: number | undefined;
  readonly pricePerMillionOutput: number | undefined;
}

export interface ManifestStep {
  readonly id: string;
  readonly type: string;
  readonly status: StepStatus;
  /** Paths relative to the output folder's parent are not stable; these are absolute. */
  readonly input: string | undefined;
  readonly output: string;
  /** SHA-256 of the step's options and what they depend on (models, files named). */
  readonly fingerprint: string;
  readonly inputStamp: FileStamp | undefined;
  readonly outputStamp: FileStamp | undefined;
  readonly startedAt: string;
  readonly finishedAt?: string;
  readonly result?: StepResult;
  /** Why it failed (bad input, an I/O error), free of secrets. */
  readonly error?: string;
}

export interface Manifest {
  readonly version: number;
  readonly pipeline: { readonly file: string; readonly name: string; readonly sha256: string };
  readonly input: { readonly file: string; readonly stamp: FileStamp | undefined } | undefined;
  readonly profiles: readonly ManifestProfile[];
  readonly startedAt: string;
  readonly updatedAt: string;
  readonly finishedAt?: string;
  readonly outcome?: PipelineOutcome;
  readonly steps: readonly ManifestStep[];
  readonly usage?: UsageSummary;
  /** The sum of the steps' known costs, in US dollars. */
  readonly costUsd: number;
}

export async function fileStamp(file: string | undefined): Promise<FileStamp | undefined> {
  if (file === undefined) return undefined;
  try {
    const info = await stat(file);
    // Whole milliseconds: a copy that keeps timestamps (a dry run's scratch folder) may round below that.
    return { size: info.size, mtimeMs: Math.floor(info.mtimeMs) };
  } catch {
    return undefined;
  }
}

export function sameStamp(a: FileStamp | undefined, b: FileStamp | undefined): boolean {
  return a !== undefined && b !== undefined && a.size === b.size && a.mtimeMs === b.mtimeMs;
}

export function manifestProfiles(models: ProfilesConfig | undefined): ManifestProfile[] {
  if (!models) return [];
  return [...models.profiles.values()].map((profile) => ({
    name: profile.name,
    baseURL: profile.baseURL,
    model: profile.model,
    apiKeyEnv: profile.apiKeyRef,
    pricePerMillionInput: profile.pricePerMillionInput,
    pricePerMillionOutput: profile.pricePerMillionOutput,
  }));
}

/** Files a step reads besides its input: a change to one of them makes the step run again. */
function filesNamedBy(step: PipelineStep): string[] {
  switch (step.type) {
    case 'self-instruct':
      return [step.seeds];
    case 'critique-revise':
    case 'score':
      return [step.constitution];
    case 'judge':
      return step.constitution !== undefined ? [step.constitution] : [];
    case 'decontaminate':
      return [...step.against];
    case 'report':
      return step.against && 'file' in step.against ? [step.against.file] : [];
    default:
      return [];
  }
}

/**
 * The step's fingerprint: its options (not where it sits in the file), the profiles it may call
 * (model steps) and the stamps of the files it names. Equal fingerprints and an unchanged input
 * and output mean the step's output is still what this pipeline would write.
 */
export async function stepFingerprint(step: PipelineStep, models: readonly ManifestProfile[], modelStep: boolean): Promise<string> {
  const { location: _location, index: _index, ...options } = step;
  const files = await Promise.all(filesNamedBy(step).map(async (file) => [file, await fileStamp(file)] as const));
  const material = { options, files, models: modelStep ? models : [] };
  return createHash('sha256').update(canonicalJson(material)).digest('hex');
}

export async function readManifest(file: string): Promise<Manifest | undefined> {
  try {
    const value = JSON.parse(await readFile(file, 'utf8')) as Manifest;
    return value.version === MANIFEST_VERSION && Array.isArray(value.steps) ? value : undefined;
  } catch {
    // No manifest, or one cut short by a crash of an older version: the steps run again (model steps resume from their outputs).
    return undefined;
  }
}

export async function writeManifest(file: string, manifest: Omit<Manifest, 'version'>): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify({ version: MANIFEST_VERSION, ...manifest }, null, 2)}\n`);
}

export function pipelineRecord(pipeline: PipelineDefinition): Manifest['pipeline'] {
  return { file: pipeline.file, name: pipeline.name, sha256: pipeline.sha256 };
}
