/**
 * Batches running in this workspace, remembered in workspaceState so that a batch cut short by
 * a window reload (or a crash of the extension host) can be offered for resuming at the next
 * activation. A batch that ends, fails or is cancelled on purpose is forgotten. One memory holds
 * every kind of file batch (Generate, Critique & Revise…): an output is written by one batch at a time.
 */
import type * as vscode from 'vscode';

/** The key predates kinds: entries written without one are Generate's. */
const STATE_KEY = 'distillery.generate.runningBatches';

export interface RememberedBatch {
  /** Which kind of batch (its FileBatchKind's id), to resume it with the right command. */
  readonly kind: string;
  /** File system paths. */
  readonly input: string;
  readonly output: string;
  /** ISO time the batch started. */
  readonly startedAt: string;
  /** What else the kind needs to resume the same batch (Critique & Revise: pairs or rows, the constitution). */
  readonly details?: Readonly<Record<string, string>>;
}

export class BatchMemory {
  /** Outputs being written by this window, which are running, not interrupted. */
  private readonly ownRuns = new Set<string>();

  constructor(private readonly state: vscode.Memento) {}

  /** Marks an output as being written by this window, at once (before anything is awaited). */
  claim(output: string): void {
    this.ownRuns.add(output);
  }

  /** Remembers a batch that starts now, until it ends. */
  async started(batch: RememberedBatch): Promise<void> {
    this.ownRuns.add(batch.output);
    const others = this.all().filter((b) => b.output !== batch.output);
    await this.state.update(STATE_KEY, [...others, batch]);
  }

  async ended(output: string): Promise<void> {
    this.ownRuns.delete(output);
    await this.state.update(
      STATE_KEY,
      this.all().filter((b) => b.output !== output),
    );
  }

  isRunning(output: string): boolean {
    return this.ownRuns.has(output);
  }

  /** Batches of `kind` that were running when an earlier window went away. */
  interrupted(kind: string): RememberedBatch[] {
    return this.all().filter((b) => b.kind === kind && !this.ownRuns.has(b.output));
  }

  private all(): RememberedBatch[] {
    const value = this.state.get<unknown>(STATE_KEY);
    if (!Array.isArray(value)) return [];
    const batches: RememberedBatch[] = [];
    for (const item of value as unknown[]) {
      if (typeof item !== 'object' || item === null) continue;
      const { kind, input, output, startedAt, details } = item as Record<string, unknown>;
      if (typeof input !== 'string' || typeof output !== 'string') continue;
      batches.push({
        kind: typeof kind === 'string' ? kind : 'generate',
        input,
        output,
        startedAt: typeof startedAt === 'string' ? startedAt : '',
        ...(isStringRecord(details) ? { details } : {}),
      });
    }
    return batches;
  }
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'string');
}
