import * as vscode from 'vscode';
import type { CommandTable } from '../commandTable';
import { tryPrincipleCommand } from '../critique/critiqueCommands';
import { isConstitution, parsedConstitution, toRange } from './constitutionModel';
import { DEFAULT_SAMPLE_K, DEFAULT_SAMPLE_SEED, drawPrinciples, formatSampleSpec, parseSampleSpec } from './constitutionSample';

/** The constitution a command acts on: the one passed (from a CodeLens), else the active editor's. */
async function constitutionFor(uri: unknown): Promise<vscode.TextDocument> {
  if (uri instanceof vscode.Uri) return vscode.workspace.openTextDocument(uri);
  const document = vscode.window.activeTextEditor?.document;
  if (!document || !isConstitution(document)) throw new Error('Open a constitution (*.constitution.md) first.');
  return document;
}

/**
 * `distillery.sampleConstitution [uri] [spec]`: asks for "k @ seed s" (unless `spec` is given),
 * draws, and lists the drawn principles in a QuickPick whose items jump to them. Returns the
 * drawn ids (undefined when the input was cancelled).
 */
async function sampleConstitution(uriArg: unknown, specArg: unknown): Promise<string[] | undefined> {
  const document = await constitutionFor(uriArg);
  let text = typeof specArg === 'string' ? specArg : undefined;
  text ??= await vscode.window.showInputBox({
    title: 'Sample Principles',
    prompt: 'How many principles to draw, and the seed (the same seed always draws the same principles)',
    value: formatSampleSpec({ k: DEFAULT_SAMPLE_K, seed: DEFAULT_SAMPLE_SEED }),
    validateInput: (value) => (parseSampleSpec(value) ? undefined : 'Write a count and a seed, such as "3 @ seed 1".'),
  });
  if (text === undefined) return undefined;
  const spec = parseSampleSpec(text);
  if (!spec) throw new Error(`"${text}" is not a count and a seed, such as "3 @ seed 1".`);
  const draw = drawPrinciples(document.getText(), spec);
  // The draw came from the text; its ranges are the document's (the same version).
  const byId = new Map(parsedConstitution(document).principles.map((p) => [p.id, p]));
  const pick = vscode.window.createQuickPick<vscode.QuickPickItem & { id: string }>();
  pick.title = `${formatSampleSpec(spec)}: ${draw.principles.length} of ${draw.poolSize} principles${draw.notes.length > 0 ? ` (${draw.notes.join('; ')})` : ''}`;
  pick.placeholder = 'Drawn in this order; pick one to go to it';
  pick.items = draw.principles.map((p, index) => ({
    id: p.id,
    label: `${index + 1}. ${p.id}`,
    description: [p.section, p.weight !== 1 ? `weight ${p.weight}` : undefined, p.tags.length > 0 ? p.tags.join(', ') : undefined].filter((s) => s !== undefined).join(' · '),
    detail: p.critique ?? p.compare,
  }));
  pick.onDidAccept(() => {
    const chosen = pick.selectedItems[0];
    pick.hide();
    const principle = chosen ? byId.get(chosen.id) : undefined;
    if (principle) {
      const at = toRange(principle.idRange);
      void vscode.window.showTextDocument(document, { selection: new vscode.Selection(at.start, at.end) });
    }
  });
  pick.onDidHide(() => pick.dispose());
  pick.show();
  return draw.principles.map((p) => p.id);
}

export const constitutionCommands: CommandTable = {
  'distillery.sampleConstitution': () => sampleConstitution,
  // Critique & Revise with only that principle, on the row under the cursor of the last active dataset.
  'distillery.tryPrinciple': tryPrincipleCommand,
};
