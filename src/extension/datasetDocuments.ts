import type * as vscode from 'vscode';
import { scanJsonl, type ScanSummary } from '../core/dataset/scan';

const cache = new WeakMap<vscode.TextDocument, { version: number; summary: ScanSummary }>();

/** Scans the document as it is in the editor (unsaved edits included), once per version. */
export function scanDocument(document: vscode.TextDocument): ScanSummary {
  const cached = cache.get(document);
  if (cached?.version === document.version) return cached.summary;
  const summary = scanJsonl(Buffer.from(document.getText(), 'utf8'));
  cache.set(document, { version: document.version, summary });
  return summary;
}
