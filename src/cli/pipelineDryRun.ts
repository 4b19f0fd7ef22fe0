/** `distillery run --dry-run`: the estimate, from a deferring engine over the pipeline's profiles. */
import * as path from 'node:path';
import type { DeferredRequest } from '../core/llm/engine';
import { estimatePipeline, type PipelineEstimate } from '../core/pipeline/run/dryRun';
import type { PipelineDefinition } from '../core/pipeline/run/pipelineTypes';
import type { TokenCounter } from '../core/statistics/tokens';
import type { CliIo } from './io';
import { buildPipelineEngine, type PipelineEngineExtras, type PipelineEngineOptions } from './pipelineEngine';

export async function dryRunPipeline(
  pipeline: PipelineDefinition,
  io: CliIo,
  options: PipelineEngineOptions,
  extras: PipelineEngineExtras,
  until: string | undefined,
  countTokens: TokenCounter,
): Promise<PipelineEstimate> {
  let deferred: DeferredRequest[] = [];
  // Cached answers still count as answers: the dry run reads the cache but never writes a reply.
  const built = await buildPipelineEngine(pipeline, io, { ...options, noCache: false }, { ...extras, deferRequests: (request) => deferred.push(request) });
  try {
    return await estimatePipeline({
      pipeline,
      models: built.models,
      takeDeferred: () => {
        const taken = deferred;
        deferred = [];
        return taken;
      },
      profiles: built.config.profiles,
      countTokens,
      signal: io.signal,
      ...(until !== undefined ? { until } : {}),
    });
  } finally {
    built.engine.dispose();
  }
}

export function formatDryRun(estimate: PipelineEstimate, cwd: string): string[] {
  const money = (value: number | undefined): string => (value === undefined ? 'unknown (no price)' : `$${value.toFixed(4)}`);
  const header = ['step', 'type', 'rows in', 'requests', 'prompt tokens', 'completion tokens ≤', 'cost ≤'];
  const rows = estimate.steps.map((step) => [
    step.id,
    step.type,
    step.rowsIn === undefined ? '' : String(step.rowsIn),
    step.done ? 'done' : `${step.exact ? '' : '~'}${step.requests}${step.cachedCalls > 0 ? ` (+${step.cachedCalls} cached)` : ''}`,
    String(step.promptTokens),
    String(step.completionTokensUpTo),
    step.requests === 0 ? '' : money(step.costUsdUpTo),
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] as string).length)));
  const line = (cells: readonly string[]): string => cells.map((cell, column) => cell.padEnd(widths[column] as number)).join('  ').trimEnd();
  return [
    `dry run of ${path.relative(cwd, estimate.pipeline) || estimate.pipeline}: nothing was sent`,
    line(header),
    ...rows.map(line),
    '',
    `total: ${estimate.exact ? '' : '~'}${estimate.requests} requests, ${estimate.promptTokens} prompt tokens, at most ${estimate.completionTokensUpTo} completion tokens, at most ${money(estimate.costUsdUpTo)}`,
    ...(estimate.exact ? [] : ['~ marks counts extrapolated from answers not had yet (rows later steps will read, later critique rounds)']),
  ];
}
