/** Where a pipeline step writes: `<outputDir>/<NN>-<id>.jsonl`, so the outputs sort in the pipeline's order. */
import * as path from 'node:path';
import type { PipelineStep } from './pipelineTypes';

export function stepOutputFile(outputDir: string, step: Pick<PipelineStep, 'index' | 'id'>): string {
  return path.join(outputDir, `${String(step.index).padStart(2, '0')}-${step.id}.jsonl`);
}
