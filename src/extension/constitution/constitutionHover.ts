import * as vscode from 'vscode';
import { scoreLevels } from '../../core/constitution';
import { blocksOf, parsedConstitution, toRange, type Block } from './constitutionModel';

/**
 * Hovering a principle's or rubric's heading (its id included) shows its fields. Constitution
 * text is untrusted: values go into fenced code blocks whose fence is longer than any backtick
 * run inside them, and short values through appendText, so nothing in a document can become a
 * link, an image, HTML or a command.
 */
export class ConstitutionHoverProvider implements vscode.HoverProvider {
  provideHover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const block = blocksOf(parsedConstitution(document)).find((b) => b.item.range.start.line === position.line);
    if (!block) return undefined;
    return new vscode.Hover(hoverMarkdown(block), toRange(block.item.idRange).isEmpty ? document.lineAt(position.line).range : toRange(block.item.idRange));
  }
}

export function hoverMarkdown(block: Block): vscode.MarkdownString {
  const md = new vscode.MarkdownString('', false);
  md.isTrusted = false;
  md.supportHtml = false;
  md.appendMarkdown(block.kind === 'principle' ? '**Principle** ' : '**Rubric** ');
  md.appendText(block.item.id || '(no id)');
  if (block.item.section !== undefined) {
    md.appendMarkdown(' — ');
    md.appendText(block.item.section);
  }
  md.appendMarkdown('\n\n');
  if (block.kind === 'principle') {
    const p = block.item;
    md.appendMarkdown(`**Weight** ${String(p.weight)}`);
    if (p.tags.length > 0) {
      md.appendMarkdown(' · **Tags** ');
      md.appendText(p.tags.join(', '));
    }
    md.appendMarkdown('\n\n');
    field(md, 'Critique', p.critique);
    field(md, 'Revision', p.revision);
    field(md, 'Compare', p.compare);
  } else {
    const r = block.item;
    field(md, 'Criterion', r.criterion);
    for (const level of scoreLevels) field(md, `Score ${level}`, r.scores[level]);
  }
  return md;
}

function field(md: vscode.MarkdownString, name: string, value: string | undefined): void {
  if (value === undefined) return;
  md.appendMarkdown(`**${name}**\n\n`);
  md.appendMarkdown(fenced(value));
}

/** A fenced block that `text` cannot close early. */
export function fenced(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}text\n${text}\n${fence}\n\n`;
}
