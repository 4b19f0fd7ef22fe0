/**
 * A distribution of non-negative numbers in bounded memory: exact count, sum, min and max; a
 * histogram over fixed bins; percentiles from a reservoir sample (exact while the values fit in
 * it). Nothing else is kept, so a file of any size costs the same.
 */
import type { DistributionReport, HistogramBin } from './report';
import { seededRandom } from '../random';

/** 0, 1, 2, 5, 10, 20, 50, … 1,000,000: bins for lengths in characters or tokens. */
export const LENGTH_BIN_EDGES: readonly number[] = [
  0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000, 200_000, 500_000, 1_000_000,
];
/** One bin per turn count up to 10, then wider. */
export const TURN_BIN_EDGES: readonly number[] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 16, 21, 51];


/** Values kept for percentiles: beyond this many, a uniform random sample of this size. */
export const RESERVOIR_SIZE = 10_000;


export class Distribution {
  private count = 0;
  private sum = 0;
  private min = Infinity;
  private max = -Infinity;
  /** counts[i] holds values in [edges[i], edges[i+1]); the last bin is open-ended. */
  private readonly counts: number[];
  private readonly reservoir: number[] = [];
  private readonly random: () => number;

  constructor(
    private readonly edges: readonly number[],
    private readonly reservoirSize = RESERVOIR_SIZE,
    seed = 1,
  ) {
    this.counts = edges.map(() => 0);
    this.random = seededRandom(String(seed));
  }

  add(value: number): void {
    this.count++;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    this.counts[this.binOf(value)]!++;
    // Vitter's algorithm R.
    if (this.reservoir.length < this.reservoirSize) this.reservoir.push(value);
    else {
      const slot = Math.floor(this.random() * this.count);
      if (slot < this.reservoirSize) this.reservoir[slot] = value;
    }
  }

  private binOf(value: number): number {
    // Binary search for the last edge <= value; values below the first edge go to the first bin.
    let lo = 0;
    let hi = this.edges.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.edges[mid] as number) <= value) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  report(): DistributionReport {
    const sorted = [...this.reservoir].sort((a, b) => a - b);
    const at = (q: number): number => {
      if (sorted.length === 0) return 0;
      // Nearest rank.
      const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
      return sorted[rank] as number;
    };
    // Trailing and leading empty bins are left out, so charts start and end where data does.
    let first = this.counts.findIndex((c) => c > 0);
    let last = this.counts.length - 1 - [...this.counts].reverse().findIndex((c) => c > 0);
    if (first === -1) {
      first = 0;
      last = -1;
    }
    const bins: HistogramBin[] = [];
    for (let i = first; i <= last; i++) {
      const from = this.edges[i] as number;
      const next = this.edges[i + 1];
      bins.push(next === undefined ? { from, count: this.counts[i] as number } : { from, to: next, count: this.counts[i] as number });
    }
    return {
      count: this.count,
      sum: this.sum,
      min: this.count > 0 ? this.min : 0,
      max: this.count > 0 ? this.max : 0,
      mean: this.count > 0 ? this.sum / this.count : 0,
      p50: at(0.5),
      p90: at(0.9),
      p99: at(0.99),
      percentilesExact: this.count <= this.reservoirSize,
      bins,
    };
  }
}
