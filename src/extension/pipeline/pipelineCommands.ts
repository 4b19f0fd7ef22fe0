import type { CommandTable } from '../commandTable';
import { dryRunPipelineFile, runPipelineFile } from './pipelineRun';

/** Run Pipeline (palette, editor title, CodeLens) and its dry run (CodeLens, palette). */
export const pipelineCommands: CommandTable = {
  'distillery.runPipeline': (ctx) => (uri, options) => runPipelineFile(ctx, uri, options),
  'distillery.dryRunPipeline': (ctx) => (uri) => dryRunPipelineFile(ctx, uri),
};
