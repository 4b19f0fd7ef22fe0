// How the session's usage reads in the status bar and its tooltip. Pure, so unit tests cover it.
import { formatCost, type UsageSummary } from '../../core/llm/accounting';

/** `$(pulse) 1.2k in · 340 out · $0.0123`: what the status bar says about a session. */
export function usageText(summary: UsageSummary): string {
  const { total } = summary;
  const cost = total.costUsd !== undefined ? `$${total.costUsd.toFixed(4)}` : total.knownCostUsd > 0 ? `≥ $${total.knownCostUsd.toFixed(4)}` : 'cost unknown';
  return `$(pulse) ${compact(total.promptTokens)} in · ${compact(total.completionTokens)} out · ${cost}`;
}

/** The per-profile table of the tooltip (Markdown; profile and model names escaped). */
export function usageMarkdown(summary: UsageSummary): string {
  const lines = [
    '**Distillery model usage (this window)**',
    '',
    '| profile | model | requests | cached | failed | tokens in | tokens out | cost |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  const rows = summary.profiles.length === 1 ? summary.profiles : [...summary.profiles, summary.total];
  for (const usage of rows) {
    lines.push(
      `| ${escapeCell(usage.profile)} | ${escapeCell(usage.model)} | ${usage.requests} | ${usage.cached} | ${usage.failed} | ${usage.promptTokens} | ${usage.completionTokens} | ${escapeCell(formatCost(usage))} |`,
    );
  }
  return lines.join('\n');
}

function compact(count: number): string {
  if (count < 1000) return String(count);
  if (count < 1_000_000) return `${(count / 1000).toFixed(count < 10_000 ? 1 : 0)}k`;
  return `${(count / 1_000_000).toFixed(count < 10_000_000 ? 2 : 1)}M`;
}

/** Setting values name profiles and models: keep them from turning into Markdown or table breaks. */
function escapeCell(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&').replace(/\r?\n/g, ' ');
}
