/** A StepContext for the curation step executors, which call no model, and what they reported. */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { PipelineDefinition, PipelineStep } from '../../../../src/core/pipeline/run/pipelineTypes';
import type { PipelineModels, StepContext, StepProgress } from '../../../../src/core/pipeline/run/runnerTypes';

/** Curation steps must never reach for a model: any use fails the test. */
const noModels: PipelineModels = {
  model(profile: string) {
    throw new Error(`a curation step asked for model ${profile}`);
  },
  get teachers(): never {
    throw new Error('a curation step asked for teachers');
  },
  get critic(): never {
    throw new Error('a curation step asked for a critic');
  },
  get judges(): never {
    throw new Error('a curation step asked for judges');
  },
  get ledger(): never {
    throw new Error('a curation step asked for the usage ledger');
  },
};

export interface StepHarness {
  readonly dir: string;
  readonly progress: StepProgress[];
  readonly logs: string[];
  context(input: string | undefined, output: string, options?: { signal?: AbortSignal; steps?: readonly PipelineStep[]; pipelineInput?: string; onProgress?: (p: StepProgress) => void }): StepContext;
  /** Files in the folder now (temporary files included). */
  files(): string[];
  remove(): void;
}

export const location = { file: 'test.distillery.jsonc', line: 1, column: 1 };

export function stepHarness(prefix: string): StepHarness {
  const dir = mkdtempSync(path.join(tmpdir(), `distillery-step-${prefix}-`));
  const progress: StepProgress[] = [];
  const logs: string[] = [];
  return {
    dir,
    progress,
    logs,
    context(input, output, options = {}) {
      const pipeline: PipelineDefinition = {
        file: path.join(dir, 'test.distillery.jsonc'),
        name: 'test',
        outputDir: dir,
        steps: options.steps ?? [],
        sha256: '0'.repeat(64),
        ...(options.pipelineInput !== undefined ? { input: options.pipelineInput } : {}),
      };
      return {
        pipeline,
        input,
        inputName: input === undefined ? undefined : path.relative(dir, input),
        output,
        models: noModels,
        signal: options.signal ?? new AbortController().signal,
        onProgress: (p) => {
          progress.push(p);
          options.onProgress?.(p);
        },
        redact: (text) => text,
        log: (message) => logs.push(message),
      };
    },
    files: () => readdirSync(dir).sort(),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
