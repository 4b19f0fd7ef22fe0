/** How `distillery run` shows a pipeline as it runs and when it ends. */
import * as path from 'node:path';
import type { PipelineEvent, PipelineSummary, StepResult } from '../core/pipeline/run/runnerTypes';
import { MODEL_STEP_TYPES, type PipelineStep } from '../core/pipeline/run/pipelineTypes';
import type { CliIo } from './io';
import { createProgress, type Progress, type ProgressOptions } from './progress';

/** One progress line per step, redrawn on a terminal and plain in logs. */
export class PipelineProgressDisplay {
  private progress: Progress | undefined;
  private options: { label: string; total: number | undefined; unit: 'items'; now: () => number } | undefined;

  constructor(
    private readonly io: CliIo,
    private readonly steps: number,
  ) {}

  onEvent(event: PipelineEvent): void {
    const name = stepName(event.step, this.steps);
    switch (event.kind) {
      case 'step-skipped':
        this.io.stderr.write(`${name}: already done (${event.result.rowsOut} rows), skipped\n`);
        return;
      case 'step-start':
        this.options = { label: name, total: undefined, unit: 'items', now: this.io.now };
        this.io.stderr.write(`${name}${event.resumed ? ': resuming' : ''}\n`);
        this.progress = createProgress(this.io.stderr, this.options satisfies ProgressOptions);
        return;
      case 'step-progress': {
        if (!this.options || !this.progress) return;
        const { progress } = event;
        this.options.total = progress.total;
        const parts = [name];
        if (progress.failed > 0) parts.push(`${progress.failed} failed`);
        if (progress.cached > 0) parts.push(`${progress.cached} cached`);
        if (progress.costUsd > 0) parts.push(`$${progress.costUsd.toFixed(4)}`);
        this.options.label = parts.join(' · ');
        this.progress.update(progress.done + progress.failed);
        return;
      }
      case 'step-end':
        this.progress?.finish();
        this.progress = undefined;
        this.options = undefined;
        this.io.stderr.write(`${name}: ${event.status}${describeResult(event.result)}\n`);
        return;
    }
  }

  finish(): void {
    this.progress?.finish();
  }
}

function stepName(step: PipelineStep, steps: number): string {
  return `[${step.index}/${steps}] ${step.id}${step.id === step.type ? '' : ` (${step.type})`}`;
}

function describeResult(result: StepResult): string {
  const parts: string[] = [];
  if (result.rowsIn !== undefined) parts.push(`${result.rowsIn} in`);
  parts.push(`${result.rowsOut} out`);
  if (result.failed > 0) parts.push(`${result.failed} failed`);
  if (result.cached > 0) parts.push(`${result.cached} cached`);
  if (result.fatal !== undefined) parts.push(result.fatal);
  return ` — ${parts.join(', ')}`;
}

/** The end-of-run table: one line per step with its rows, failures, cost and output. */
export function formatPipelineSummary(summary: PipelineSummary, relativeTo: string, pricesKnown = true): string[] {
  // Without a price for every profile, a step's cost is only what is known of it.
  const money = (step: PipelineSummary['steps'][number]): string => {
    const cost = step.result?.costUsd ?? 0;
    if (pricesKnown || !MODEL_STEP_TYPES.has(step.type)) return `$${cost.toFixed(4)}`;
    return cost > 0 ? `≥ $${cost.toFixed(4)}` : 'unknown';
  };
  const header = ['step', 'type', 'status', 'rows in', 'rows out', 'failed', 'cached', 'cost', 'output'];
  const rows = summary.steps.map((step) => [
    step.id,
    step.type,
    step.status,
    step.result?.rowsIn === undefined ? '' : String(step.result.rowsIn),
    step.result ? String(step.result.rowsOut) : '',
    step.result ? String(step.result.failed) : '',
    step.result ? String(step.result.cached) : '',
    step.result ? money(step) : '',
    path.relative(relativeTo, step.output) || step.output,
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] as string).length)));
  const line = (cells: readonly string[]): string => cells.map((cell, column) => cell.padEnd(widths[column] as number)).join('  ').trimEnd();
  const details = summary.steps.flatMap((step) => {
    const entries = Object.entries(step.result?.details ?? {});
    return entries.length === 0 ? [] : [`  ${step.id}: ${entries.map(([key, value]) => `${key} ${value}`).join(', ')}`];
  });
  const files = summary.steps.flatMap((step) => Object.entries(step.result?.files ?? {}).map(([what, file]) => `  ${step.id}: ${what} ${path.relative(relativeTo, file) || file}`));
  return [line(header), ...rows.map(line), ...(details.length > 0 ? ['', ...details] : []), ...(files.length > 0 ? ['', 'files:', ...files] : [])];
}
