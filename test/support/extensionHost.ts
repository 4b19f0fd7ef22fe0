// Helpers shared by the integration tests that run inside a real VS Code extension host.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

export const EXTENSION_ID = 'distillery.distillery';

/** A file of the opened fixture workspace (test/fixtures/workspace). */
export function fixtureUri(name: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'a workspace folder is open');
  return vscode.Uri.joinPath(folder.uri, name);
}

/** Polls `probe` until it returns something other than undefined; the editor updates asynchronously. */
export async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A one-turn chat row as JSONL text. */
export function chatRow(user: string, answer: string): string {
  return JSON.stringify({ messages: [{ role: 'user', content: user }, { role: 'assistant', content: answer }] });
}
