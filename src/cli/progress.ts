import type { OutputStream } from './io';

export type ProgressUnit = 'bytes' | 'items';

export interface Progress {
  /** Sets how much is done so far (absolute, not a delta). */
  update(done: number): void;
  /** Ends the progress display; the final line stays on screen. */
  finish(): void;
}

export interface ProgressOptions {
  readonly label: string;
  /** undefined when the total is unknown: no bar, no ETA. */
  readonly total: number | undefined;
  readonly unit: ProgressUnit;
  readonly now: () => number;
}

const REDRAW_INTERVAL_MS = 100;
const PLAIN_INTERVAL_MS = 10_000;

/**
 * On a terminal, one line redrawn in place at most ten times a second; elsewhere
 * (CI logs, pipes) a plain line at each quarter and at most every ten seconds, so
 * logs stay readable and short.
 */
export function createProgress(stream: OutputStream, options: ProgressOptions): Progress {
  return stream.isTTY ? new TerminalProgress(stream, options) : new PlainProgress(stream, options);
}

abstract class ProgressBase implements Progress {
  protected done = 0;
  protected readonly startedAt: number;
  private finished = false;

  constructor(
    protected readonly stream: OutputStream,
    protected readonly options: ProgressOptions,
  ) {
    this.startedAt = options.now();
  }

  update(done: number): void {
    if (this.finished) return;
    this.done = done;
    this.render(false);
  }

  finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.render(true);
  }

  protected abstract render(final: boolean): void;

  protected describe(): string {
    const { total, unit, label } = this.options;
    const elapsed = Math.max(this.options.now() - this.startedAt, 1) / 1000;
    const rate = this.done / elapsed;
    const parts = [label];
    if (total !== undefined && total > 0) {
      parts.push(`${Math.floor((this.done / total) * 100)}%`, `${formatAmount(this.done, unit)}/${formatAmount(total, unit)}`);
    } else {
      parts.push(formatAmount(this.done, unit));
    }
    parts.push(`${formatAmount(rate, unit)}/s`);
    if (total !== undefined && rate > 0 && this.done < total) {
      parts.push(`eta ${formatDuration((total - this.done) / rate)}`);
    }
    return parts.join('  ');
  }
}

class TerminalProgress extends ProgressBase {
  private lastDrawAt = -Infinity;

  protected render(final: boolean): void {
    const now = this.options.now();
    if (!final && now - this.lastDrawAt < REDRAW_INTERVAL_MS) return;
    this.lastDrawAt = now;
    const width = Math.max((this.stream.columns ?? 80) - 1, 20);
    const text = `${this.bar()}${this.describe()}`.slice(0, width);
    // \r and "erase line" redraw in place; the final draw ends the line.
    this.stream.write(`\r\x1b[2K${text}${final ? '\n' : ''}`);
  }

  private bar(): string {
    const { total } = this.options;
    if (total === undefined || total <= 0) return '';
    const cells = 20;
    const filled = Math.min(cells, Math.round((this.done / total) * cells));
    return `[${'#'.repeat(filled)}${'.'.repeat(cells - filled)}] `;
  }
}

class PlainProgress extends ProgressBase {
  private lastLineAt: number;
  private lastQuarter = 0;
  private lastPrintedDone = -1;

  constructor(stream: OutputStream, options: ProgressOptions) {
    super(stream, options);
    this.lastLineAt = this.startedAt;
  }

  protected render(final: boolean): void {
    const now = this.options.now();
    const { total } = this.options;
    const quarter = total ? Math.floor((this.done / total) * 4) : 0;
    const due = final || quarter > this.lastQuarter || now - this.lastLineAt >= PLAIN_INTERVAL_MS;
    // The final line would repeat the last one when nothing moved since.
    if (!due || this.done === this.lastPrintedDone) return;
    this.lastQuarter = quarter;
    this.lastLineAt = now;
    this.lastPrintedDone = this.done;
    this.stream.write(`${this.describe()}\n`);
  }
}

export function formatAmount(value: number, unit: ProgressUnit): string {
  if (unit === 'items') return Number.isInteger(value) ? String(value) : value.toFixed(1);
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let scaled = value;
  let index = 0;
  while (scaled >= 1000 && index < units.length - 1) {
    scaled /= 1000;
    index++;
  }
  return `${index === 0 ? Math.round(scaled) : scaled.toFixed(1)} ${units[index]}`;
}

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.ceil(seconds)}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(Math.floor(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}
