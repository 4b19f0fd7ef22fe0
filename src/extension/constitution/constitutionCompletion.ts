import * as vscode from 'vscode';
import { blockHeadingPattern, headingPattern } from '../../core/constitution/syntax';
import { blocksOf, parsedConstitution } from './constitutionModel';

export const PRINCIPLE_FIELDS = ['Critique', 'Revision', 'Compare', 'Weight', 'Tags'] as const;
export const RUBRIC_FIELDS = ['Criterion', 'Score 1', 'Score 2', 'Score 3', 'Score 4', 'Score 5'] as const;

const FIELD_DOCS: Record<string, string> = {
  Critique: 'Phase 1: what the critic looks for in the answer. Goes with Revision.',
  Revision: 'Phase 1: how the answer is rewritten after the critique. Goes with Critique.',
  Compare: 'Phase 2: the question a judge answers about two answers.',
  Weight: 'How often sampling picks this principle, relative to the others (a positive number; 1 when absent).',
  Tags: 'Comma-separated tags that sampling can filter on.',
  Criterion: 'What the rubric measures.',
};

export const PRINCIPLE_SNIPPET = '## Principle: ${1:principle-id}\nWeight: ${2:1}\nTags: ${3:tag}\nCritique: ${4:What should the critique point out in the answer?}\nRevision: ${5:How should the answer be rewritten?}\nCompare: ${6:Which answer is better in this respect?}\n$0';
export const RUBRIC_SNIPPET = '## Rubric: ${1:rubric-id}\nCriterion: ${2:What does this rubric measure?}\nScore 1: ${3:The worst answer.}\nScore 3: ${4:An acceptable answer.}\nScore 5: ${5:The best answer.}\n$0';

/** The block kind that `line` belongs to: the nearest level-1/2 heading above it decides. */
export function blockKindAt(document: vscode.TextDocument, line: number): 'principle' | 'rubric' | undefined {
  for (let i = line - 1; i >= 0; i--) {
    const text = document.lineAt(i).text;
    const heading = headingPattern.exec(text);
    if (!heading?.[1] || heading[1].length > 2) continue;
    if (heading[1].length === 1) return undefined;
    const block = blockHeadingPattern.exec(text.slice(heading[0].length));
    return block?.[1] ? (block[1].toLowerCase() as 'principle' | 'rubric') : undefined;
  }
  return undefined;
}

/**
 * At the start of a line inside a principle, the principle's field names; inside a rubric, the
 * rubric's (fields the block already has are left out). On a line that starts a heading (`#`),
 * a whole new principle or rubric.
 */
export class ConstitutionCompletionProvider implements vscode.CompletionItemProvider {
  provideCompletionItems(document: vscode.TextDocument, position: vscode.Position): vscode.CompletionItem[] {
    const before = document.lineAt(position.line).text.slice(0, position.character);
    const replace = new vscode.Range(position.line, 0, position.line, position.character);
    if (/^#{1,2}[ \t]*[A-Za-z]*$/.test(before)) return [snippet('Principle', PRINCIPLE_SNIPPET, replace), snippet('Rubric', RUBRIC_SNIPPET, replace)];
    if (!/^[A-Za-z]*(?: [1-5]?)?$/.test(before)) return [];
    const kind = blockKindAt(document, position.line);
    if (!kind) return [];
    const present = this.presentFields(document, position.line);
    const names = kind === 'principle' ? PRINCIPLE_FIELDS : RUBRIC_FIELDS;
    return names
      .filter((name) => !present.has(name.toLowerCase()))
      .map((name, index) => {
        const item = new vscode.CompletionItem(`${name}:`, vscode.CompletionItemKind.Field);
        item.insertText = `${name}: `;
        item.range = replace;
        item.sortText = String(index).padStart(2, '0');
        item.detail = kind === 'principle' ? 'principle field' : 'rubric field';
        item.documentation = FIELD_DOCS[name] ?? (name.startsWith('Score') ? `What an answer that scores ${name.slice(6)} looks like (Score 1 and Score 5 are required).` : undefined);
        return item;
      });
  }

  /** Lower-case field keys ('critique', 'score 3') the block around `line` already has. */
  private presentFields(document: vscode.TextDocument, line: number): Set<string> {
    const blocks = blocksOf(parsedConstitution(document)).filter((b) => b.item.range.start.line < line);
    const block = blocks.at(-1);
    const present = new Set<string>();
    if (!block) return present;
    // Fields whose value sits on the line being completed are being typed over: keep offering them.
    const elsewhere = (r: { start: { line: number } } | undefined) => r !== undefined && r.start.line !== line;
    if (block.kind === 'principle') {
      for (const [name, r] of Object.entries(block.item.fieldRanges)) if (elsewhere(r)) present.add(name);
    } else {
      for (const [name, r] of Object.entries(block.item.fieldRanges)) if (elsewhere(r)) present.add(name === 'criterion' ? name : `score ${name.slice(5)}`);
    }
    return present;
  }
}

function snippet(label: string, body: string, range: vscode.Range): vscode.CompletionItem {
  const item = new vscode.CompletionItem(label, vscode.CompletionItemKind.Snippet);
  item.insertText = new vscode.SnippetString(body);
  item.range = range;
  item.detail = `a new ${label.toLowerCase()}`;
  item.filterText = `## ${label}`;
  return item;
}
