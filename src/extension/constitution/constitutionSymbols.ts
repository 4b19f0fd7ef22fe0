import * as vscode from 'vscode';
import { blocksOf, parsedConstitution, toRange } from './constitutionModel';

/**
 * The outline: each level-1 section as a Namespace holding its principles (Function: a request
 * the model carries out) and rubrics (Struct: a criterion with score levels). Blocks above the
 * first section are top-level.
 */
export class ConstitutionSymbolProvider implements vscode.DocumentSymbolProvider {
  provideDocumentSymbols(document: vscode.TextDocument): vscode.DocumentSymbol[] {
    const parsed = parsedConstitution(document);
    const top: vscode.DocumentSymbol[] = [];
    const sections = parsed.sections.map((section, index) => {
      const next = parsed.sections[index + 1];
      const lastLine = next ? next.range.start.line - 1 : document.lineCount - 1;
      const end = document.lineAt(Math.max(lastLine, section.range.start.line)).range.end;
      const heading = toRange(section.range);
      const symbol = new vscode.DocumentSymbol(section.title || '(untitled section)', '', vscode.SymbolKind.Namespace, new vscode.Range(heading.start, end), heading);
      top.push(symbol);
      return { line: section.range.start.line, symbol };
    });
    for (const block of blocksOf(parsed)) {
      const { item } = block;
      const range = toRange(item.range);
      const detail =
        block.kind === 'principle'
          ? ['principle', block.item.weight !== 1 ? `weight ${block.item.weight}` : '', block.item.tags.join(', ')].filter((s) => s !== '').join(' · ')
          : 'rubric';
      const kind = block.kind === 'principle' ? vscode.SymbolKind.Function : vscode.SymbolKind.Struct;
      const symbol = new vscode.DocumentSymbol(item.id || '(no id)', detail, kind, range, toRange(item.idRange));
      const owner = [...sections].reverse().find((s) => s.line <= item.range.start.line);
      if (owner) owner.symbol.children.push(symbol);
      else top.push(symbol);
    }
    return top.sort((a, b) => a.range.start.line - b.range.start.line);
  }
}
