/**
 * Batches running in this workspace, remembered in workspaceState so that a batch cut short by
 * a window reload (or a crash of the extension host) can be offered for resuming at the next
 * activation. A batch that ends, fails or is cancelled on purpose is forgotten.
 */
import type * as vscode from 'vscode';

const STATE_KEY = 'distillery.generate.runningBatches';

export interface RememberedBatch {
  /** File system paths. */
  readonly input: string;
  readonly output: string;
  /** ISO time the batch started. */
  readonly startedAt: string;
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

  /** Batches that were running when an earlier window went away. */
  interrupted(): RememberedBatch[] {
    return this.all().filter((b) => !this.ownRuns.has(b.output));
  }

  private all(): RememberedBatch[] {
    const value = this.state.get<unknown>(STATE_KEY);
    if (!Array.isArray(value)) return [];
    return value.filter(
      (item): item is RememberedBatch =>
        typeof item === 'object' && item !== null && typeof (item as RememberedBatch).input === 'string' && typeof (item as RememberedBatch).output === 'string',
    );
  }
}
