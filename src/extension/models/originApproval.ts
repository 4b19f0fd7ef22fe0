import type * as vscode from 'vscode';

/** globalState (machine-level, so a repository cannot pre-approve): the origins the user allowed. */
const APPROVED_ORIGINS = 'distillery.approvedOrigins';

/**
 * Which endpoint origins the user has allowed model requests to. Even in a trusted workspace a
 * repository's settings can name any URL, so the first request to an origin asks; concurrent
 * first requests share one question.
 */
export class OriginApproval {
  private readonly pending = new Map<string, Promise<boolean>>();

  constructor(
    private readonly state: vscode.Memento,
    private readonly ask: (origin: string, source: string) => Promise<boolean>,
  ) {}

  isApproved(origin: string): boolean {
    return this.approved().includes(origin);
  }

  approved(): string[] {
    const value = this.state.get<unknown>(APPROVED_ORIGINS);
    return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
  }

  async approve(origin: string): Promise<void> {
    if (this.isApproved(origin)) return;
    await this.state.update(APPROVED_ORIGINS, [...this.approved(), origin].sort());
  }

  async forgetAll(): Promise<number> {
    const count = this.approved().length;
    await this.state.update(APPROVED_ORIGINS, undefined);
    return count;
  }

  /** True when requests to `origin` may go out: already approved, or approved now by the user. */
  ensure(origin: string, source: string): Promise<boolean> {
    if (this.isApproved(origin)) return Promise.resolve(true);
    let answer = this.pending.get(origin);
    if (!answer) {
      answer = this.ask(origin, source)
        .then(async (allowed) => {
          if (allowed) await this.approve(origin);
          return allowed;
        })
        .finally(() => this.pending.delete(origin));
      this.pending.set(origin, answer);
    }
    return answer;
  }
}
