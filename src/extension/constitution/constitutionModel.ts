import * as vscode from 'vscode';
import { parseConstitution, type ConstitutionDocument, type Principle, type Range, type Rubric } from '../../core/constitution';

/** Constitution documents: the `constitution` language (`*.constitution.md`). */
export const constitutionSelector: vscode.DocumentSelector = [{ language: 'constitution' }, { pattern: '**/*.constitution.md' }];

export function isConstitution(document: vscode.TextDocument): boolean {
  return vscode.languages.match(constitutionSelector, document) > 0;
}

const parsed = new WeakMap<vscode.TextDocument, { version: number; result: ConstitutionDocument }>();

/** The parse of the document's current version; every provider shares one parse per version. */
export function parsedConstitution(document: vscode.TextDocument): ConstitutionDocument {
  const cached = parsed.get(document);
  if (cached?.version === document.version) return cached.result;
  const result = parseConstitution(document.getText());
  parsed.set(document, { version: document.version, result });
  return result;
}

/** A core range (0-based, UTF-16, like the editor's) as a vscode.Range. */
export function toRange(range: Range): vscode.Range {
  return new vscode.Range(range.start.line, range.start.character, range.end.line, range.end.character);
}

export type Block = { readonly kind: 'principle'; readonly item: Principle } | { readonly kind: 'rubric'; readonly item: Rubric };

/** Principles and rubrics in document order. */
export function blocksOf(document: ConstitutionDocument): Block[] {
  const blocks: Block[] = [
    ...document.principles.map((item): Block => ({ kind: 'principle', item })),
    ...document.rubrics.map((item): Block => ({ kind: 'rubric', item })),
  ];
  return blocks.sort((a, b) => a.item.range.start.line - b.item.range.start.line);
}
