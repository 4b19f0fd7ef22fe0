/**
 * Simulated latency: the time before the server answers (for a stream, before its first byte).
 * Each request's delay is planned up front from the seeded PRNG and recorded
 * (`RecordedRequest.plannedDelayMs`), so tests can check the distribution without timing anything.
 */
import type { Rng } from './random';

export type LatencySpec =
  /** A fixed delay in milliseconds. */
  | number
  | { kind: 'fixed'; ms: number }
  /**
   * Log-normal: half of the requests wait less than `medianMs`; `sigma` (default 1) sets how
   * long the tail is (the 99th percentile is median·e^(2.33·sigma)); `maxMs` (default
   * 50 × median) cuts it off.
   */
  | { kind: 'longTail'; medianMs: number; sigma?: number; maxMs?: number };

export function planDelay(spec: LatencySpec | undefined, rng: Rng): number {
  if (spec === undefined) return 0;
  if (typeof spec === 'number') return Math.max(0, spec);
  switch (spec.kind) {
    case 'fixed':
      return Math.max(0, spec.ms);
    case 'longTail': {
      const sigma = spec.sigma ?? 1;
      const maxMs = spec.maxMs ?? spec.medianMs * 50;
      return Math.min(maxMs, spec.medianMs * Math.exp(sigma * rng.normal()));
    }
  }
}
