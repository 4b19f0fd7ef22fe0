/**
 * Usage accounting: what a run asked of each profile and what it cost. A cost is known only when
 * the profile has prices and the service reported usage; otherwise it is counted as unknown,
 * never as 0, so a total never claims to be complete when it is not.
 */
import type { CompletionUsage } from './client';
import type { ModelProfile } from './profile';

export interface ProfileUsage {
  readonly profile: string;
  readonly model: string;
  /** Calls that went to the service (each once, whatever its retries). */
  readonly requests: number;
  /** Calls answered from the response cache. */
  readonly cached: number;
  /** Calls that ended in an error (cancelled calls are not failures). */
  readonly failed: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
  /** The sum of the costs that are known. */
  readonly knownCostUsd: number;
  /** Answered calls whose cost is unknown (no price, or no usage reported). */
  readonly unpricedCalls: number;
  /** knownCostUsd when every answered call had a known cost; undefined otherwise. */
  readonly costUsd: number | undefined;
}

export interface UsageSummary {
  /** One entry per profile, in the order they were first used. */
  readonly profiles: readonly ProfileUsage[];
  /** The whole run; `profile` is "total" and `model` lists the models used. */
  readonly total: ProfileUsage;
}

/** The cost of one answered call in US dollars, or undefined when a needed price or the usage is unknown. */
export function costOf(profile: Pick<ModelProfile, 'pricePerMillionInput' | 'pricePerMillionOutput'>, usage: CompletionUsage | undefined): number | undefined {
  if (!usage) return undefined;
  const input = usage.promptTokens === 0 ? 0 : profile.pricePerMillionInput === undefined ? undefined : (usage.promptTokens * profile.pricePerMillionInput) / 1e6;
  const output = usage.completionTokens === 0 ? 0 : profile.pricePerMillionOutput === undefined ? undefined : (usage.completionTokens * profile.pricePerMillionOutput) / 1e6;
  return input === undefined || output === undefined ? undefined : input + output;
}

interface Counters {
  profile: string;
  model: string;
  requests: number;
  cached: number;
  failed: number;
  promptTokens: number;
  completionTokens: number;
  knownCostUsd: number;
  unpricedCalls: number;
}

export class UsageLedger {
  private readonly counters = new Map<string, Counters>();
  private readonly listeners = new Set<() => void>();

  /** A call answered by the service; `costUsd` undefined when unknown. */
  recordAnswered(profile: string, model: string, usage: CompletionUsage | undefined, costUsd: number | undefined): void {
    const counters = this.countersFor(profile, model);
    counters.requests++;
    counters.promptTokens += usage?.promptTokens ?? 0;
    counters.completionTokens += usage?.completionTokens ?? 0;
    if (costUsd === undefined) counters.unpricedCalls++;
    else counters.knownCostUsd += costUsd;
    this.changed();
  }

  /** A call answered from the cache: nothing was sent or spent. */
  recordCached(profile: string, model: string): void {
    this.countersFor(profile, model).cached++;
    this.changed();
  }

  /** A call that went to the service and ended in an error. */
  recordFailed(profile: string, model: string): void {
    const counters = this.countersFor(profile, model);
    counters.requests++;
    counters.failed++;
    this.changed();
  }

  /** Calls `listener` after every change; returns the function that stops it. Listeners coalesce as they see fit. */
  onDidChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Forgets everything counted (listeners stay). */
  reset(): void {
    this.counters.clear();
    this.changed();
  }

  summary(): UsageSummary {
    const profiles = [...this.counters.values()].map(finish);
    const total: Counters = {
      profile: 'total',
      model: [...new Set(profiles.map((usage) => usage.model))].join(', '),
      requests: 0, cached: 0, failed: 0, promptTokens: 0, completionTokens: 0, knownCostUsd: 0, unpricedCalls: 0,
    };
    for (const usage of profiles) {
      total.requests += usage.requests;
      total.cached += usage.cached;
      total.failed += usage.failed;
      total.promptTokens += usage.promptTokens;
      total.completionTokens += usage.completionTokens;
      total.knownCostUsd += usage.knownCostUsd;
      total.unpricedCalls += usage.unpricedCalls;
    }
    return { profiles, total: finish(total) };
  }

  private countersFor(profile: string, model: string): Counters {
    // Keyed by profile and model: `--model` may change a profile's model between runs of one session.
    const id = `${profile}\u0000${model}`;
    let counters = this.counters.get(id);
    if (!counters) {
      counters = { profile, model, requests: 0, cached: 0, failed: 0, promptTokens: 0, completionTokens: 0, knownCostUsd: 0, unpricedCalls: 0 };
      this.counters.set(id, counters);
    }
    return counters;
  }

  private changed(): void {
    for (const listener of [...this.listeners]) {
      try {
        listener();
      } catch {
        // A listener's failure (a disposed status bar item, say) must not fail the model call that triggered it.
      }
    }
  }
}

function finish(counters: Counters): ProfileUsage {
  return { ...counters, costUsd: counters.unpricedCalls === 0 ? counters.knownCostUsd : undefined };
}

/** How a cost reads: "$0.0123"; "unknown"; or "≥ $0.0123" when some calls had no price. */
export function formatCost(usage: Pick<ProfileUsage, 'costUsd' | 'knownCostUsd' | 'unpricedCalls'>): string {
  if (usage.costUsd !== undefined) return `$${usage.costUsd.toFixed(4)}`;
  return usage.knownCostUsd > 0 ? `≥ $${usage.knownCostUsd.toFixed(4)} (${usage.unpricedCalls} unpriced)` : 'unknown';
}

/** The table a CLI prints at the end of a run: a header, one line per profile, and a total line when there are several profiles. */
export function formatUsageTable(summary: UsageSummary): string[] {
  const header = ['profile', 'model', 'requests', 'cached', 'failed', 'tokens in', 'tokens out', 'cost'];
  const row = (usage: ProfileUsage): string[] => [
    usage.profile, usage.model, String(usage.requests), String(usage.cached), String(usage.failed),
    String(usage.promptTokens), String(usage.completionTokens), formatCost(usage),
  ];
  const rows = [header, ...summary.profiles.map(row)];
  if (summary.profiles.length !== 1) rows.push(row(summary.total));
  const widths = header.map((_, column) => Math.max(...rows.map((cells) => (cells[column] ?? '').length)));
  // Text columns (profile, model) to the left, numbers to the right.
  return rows.map((cells) =>
    cells.map((cell, column) => (column < 2 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join('  ').trimEnd(),
  );
}
