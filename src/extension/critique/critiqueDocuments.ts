import * as vscode from 'vscode';

/** The scheme of the read-only documents the critique diff compares. */
export const CRITIQUE_SCHEME = 'distillery-critique';

/**
 * The two sides of each critique diff (the original answer and the final revision) as read-only
 * virtual documents: `distillery-critique:/<review>/original/<file>.md` and `…/revision/…`.
 * Markdown, since answers mostly are. A review's texts are dropped when it ends.
 */
export class CritiqueDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly texts = new Map<string, string>();
  private next = 0;
  private readonly registration: vscode.Disposable;

  constructor() {
    this.registration = vscode.workspace.registerTextDocumentContentProvider(CRITIQUE_SCHEME, this);
  }

  /** Stores both texts; returns the URIs of the original and of the revision. */
  add(fileName: string, line: number, original: string, revision: string): { original: vscode.Uri; revision: vscode.Uri; id: string } {
    const id = `${++this.next}`;
    const name = `${fileName.replace(/[/\\?#]/g, '_')}-line-${line}.md`;
    const uri = (side: string) => vscode.Uri.from({ scheme: CRITIQUE_SCHEME, path: `/${id}/${side}/${name}` });
    const sides = { original: uri('original'), revision: uri('revision'), id };
    this.texts.set(sides.original.path, original);
    this.texts.set(sides.revision.path, revision);
    return sides;
  }

  remove(id: string): void {
    for (const key of [...this.texts.keys()]) if (key.startsWith(`/${id}/`)) this.texts.delete(key);
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.path) ?? '(This critique review has ended.)';
  }

  dispose(): void {
    this.registration.dispose();
    this.texts.clear();
  }
}
