import * as vscode from 'vscode';
import { fenceOpenPattern, headingPattern } from '../../core/constitution/syntax';

/**
 * Folding by heading: a level-1 heading (a section) folds to the line before the next level-1
 * heading; a level-2 heading (a principle, a rubric or commentary) to the line before the next
 * level-1 or level-2 heading. Trailing blank lines stay unfolded; headings inside fences do not count.
 */
export class ConstitutionFoldingProvider implements vscode.FoldingRangeProvider {
  provideFoldingRanges(document: vscode.TextDocument): vscode.FoldingRange[] {
    const lines: string[] = [];
    for (let i = 0; i < document.lineCount; i++) lines.push(document.lineAt(i).text);
    return headingFolds(lines).map(([start, end]) => new vscode.FoldingRange(start, end));
  }
}

/** The parser's rule for the line that closes a fence. */
const fenceClosePattern = /^ {0,3}(`{3,}|~{3,})[ \t]*$/;

/** [start, end] line pairs (0-based, inclusive) of the heading folds of `lines`. */
export function headingFolds(lines: readonly string[]): Array<[number, number]> {
  const headings: Array<{ line: number; level: number }> = [];
  let fence: string | undefined;
  lines.forEach((text, line) => {
    if (fence !== undefined) {
      const close = fenceClosePattern.exec(text)?.[1];
      if (close !== undefined && close[0] === fence[0] && close.length >= fence.length) fence = undefined;
      return;
    }
    const opened = fenceOpenPattern.exec(text);
    if (opened) {
      fence = opened[1];
      return;
    }
    const heading = headingPattern.exec(text);
    if (heading?.[1] && heading[1].length <= 2) headings.push({ line, level: heading[1].length });
  });
  const folds: Array<[number, number]> = [];
  headings.forEach((heading, index) => {
    const next = headings.slice(index + 1).find((h) => h.level <= heading.level);
    let end = next ? next.line - 1 : lines.length - 1;
    while (end > heading.line && (lines[end] ?? '').trim() === '') end--;
    if (end > heading.line) folds.push([heading.line, end]);
  });
  return folds;
}
