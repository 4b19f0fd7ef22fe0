import * as vscode from 'vscode';
import { CRITIQUE_SCHEME, type CritiqueDocuments } from './critiqueDocuments';

export type ReviewDecision = 'accept' | 'pair' | 'reject';

/** While a review waits for the user: the editor title's Accept / Reject / Accept as Pair show. */
export const REVIEW_CONTEXT_KEY = 'distillery.critiqueReviewActive';

const BUTTONS: ReadonlyArray<[string, ReviewDecision]> = [
  ['Accept', 'accept'],
  ['Accept as Preference Pair', 'pair'],
  ['Reject', 'reject'],
];

export interface ReviewRequest {
  readonly fileName: string;
  /** 1-based line of the row, for titles. */
  readonly line: number;
  readonly original: string;
  readonly revision: string;
  /** Said in the notification: what the chain did ("2 rounds, stopped early"). */
  readonly summary: string;
}

/**
 * The diff of one critique result, original answer against the final revision, and the user's
 * decision on it: Accept, Accept as Preference Pair or Reject, from the notification's buttons
 * or the diff editor's title bar (the commands call `decide`). Closing the diff rejects. One
 * review at a time.
 */
export class CritiqueReviews implements vscode.Disposable {
  private pending: { resolve: (decision: ReviewDecision) => void; revision: vscode.Uri } | undefined;

  constructor(private readonly documents: CritiqueDocuments) {}

  /** Resolves the open review with `decision`; false when there is none. */
  decide(decision: ReviewDecision): boolean {
    const pending = this.pending;
    if (!pending) return false;
    pending.resolve(decision);
    return true;
  }

  get active(): boolean {
    return this.pending !== undefined;
  }

  async review(request: ReviewRequest): Promise<ReviewDecision> {
    // A review still open (another run) is rejected: its diff is about to be replaced.
    this.decide('reject');
    const sides = this.documents.add(request.fileName, request.line, request.original, request.revision);
    const listeners: vscode.Disposable[] = [];
    let settle!: (decision: ReviewDecision) => void;
    const decided = new Promise<ReviewDecision>((resolve) => (settle = resolve));
    let done = false;
    const pending = {
      revision: sides.revision,
      resolve: (decision: ReviewDecision) => {
        if (done) return;
        done = true;
        settle(decision);
      },
    };
    this.pending = pending;
    await vscode.commands.executeCommand('setContext', REVIEW_CONTEXT_KEY, true);
    try {
      const title = `Critique & Revise: ${request.fileName}, line ${request.line} (original ↔ revision)`;
      await vscode.commands.executeCommand('vscode.diff', sides.original, sides.revision, title, { preview: false, preserveFocus: false });
      // Closing the diff without a decision is a Reject.
      listeners.push(
        vscode.window.tabGroups.onDidChangeTabs((event) => {
          if (event.closed.some((tab) => isDiffOf(tab, sides.revision))) pending.resolve('reject');
        }),
      );
      void vscode.window
        .showInformationMessage(`Distillery: ${request.fileName}, line ${request.line}: ${request.summary}. Accept the revision?`, ...BUTTONS.map(([label]) => label))
        .then((choice) => {
          const decision = BUTTONS.find(([label]) => label === choice)?.[1];
          if (decision) pending.resolve(decision);
        });
      return await decided;
    } finally {
      if (this.pending === pending) this.pending = undefined;
      listeners.forEach((listener) => listener.dispose());
      await closeDiff(sides.revision);
      this.documents.remove(sides.id);
      if (!this.pending) await vscode.commands.executeCommand('setContext', REVIEW_CONTEXT_KEY, false);
    }
  }

  dispose(): void {
    this.decide('reject');
  }
}

function isDiffOf(tab: vscode.Tab, revision: vscode.Uri): boolean {
  return tab.input instanceof vscode.TabInputTextDiff && tab.input.modified.toString() === revision.toString();
}

async function closeDiff(revision: vscode.Uri): Promise<void> {
  const tabs = vscode.window.tabGroups.all.flatMap((group) => group.tabs).filter((tab) => isDiffOf(tab, revision));
  if (tabs.length > 0) await vscode.window.tabGroups.close(tabs, true);
}

/** Whether `uri` is one side of a critique diff. */
export function isCritiqueDocument(uri: vscode.Uri): boolean {
  return uri.scheme === CRITIQUE_SCHEME;
}
