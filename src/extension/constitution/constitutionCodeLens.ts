import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import { parsedConstitution, toRange } from './constitutionModel';

export const SAMPLE_LENS_TITLE = 'Sample';
export const TRY_LENS_TITLE = 'Try on current row';

/**
 * Above each principle: "Sample" (which principles a seeded draw picks from this constitution)
 * and "Try on current row" (critique–revise with only this principle; its task is not built yet,
 * so the title and the command say so).
 */
export class ConstitutionCodeLensProvider implements vscode.CodeLensProvider {
  readonly onDidChangeCodeLenses: vscode.Event<void>;

  constructor(private readonly enabled: () => boolean, onDidChangeSettings: vscode.Event<unknown>) {
    this.onDidChangeCodeLenses = (listener, thisArgs, disposables) => onDidChangeSettings(() => listener.call(thisArgs), undefined, disposables);
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    if (!this.enabled()) return [];
    return parsedConstitution(document).principles.flatMap((principle) => {
      const at = toRange(principle.range).with({ end: toRange(principle.range).start });
      return [
        new vscode.CodeLens(at, {
          title: SAMPLE_LENS_TITLE,
          tooltip: 'Show which principles a seeded draw picks from this constitution',
          command: 'distillery.sampleConstitution',
          arguments: [document.uri],
        }),
        new vscode.CodeLens(at, {
          title: TRY_LENS_TITLE,
          tooltip: `Critique and revise the row under the cursor of the last active dataset with only "${principle.id}"`,
          command: 'distillery.tryPrinciple',
          arguments: [document.uri, principle.id],
        }),
      ];
    });
  }
}

export function registerConstitutionCodeLens(ctx: Ctx, selector: vscode.DocumentSelector): void {
  const provider = new ConstitutionCodeLensProvider(() => ctx.config.settings.codeLensEnabled, ctx.config.onDidChange);
  ctx.register(vscode.languages.registerCodeLensProvider(selector, provider));
}
