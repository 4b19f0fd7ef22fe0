/**
 * What `activate()` returns when DISTILLERY_TEST=1 (the integration runner sets it), and only
 * then: integration tests run in the extension host's process but in a bundle of their own, so
 * this is how they reach the live instances. Kept to what a user could otherwise only do by hand.
 *
 *     const api = vscode.extensions.getExtension('distillery.distillery')!.exports as DistilleryTestApi;
 *     const restore = api.answerPrompts({ approveOrigin: async () => true });
 *     const [teacher] = await api.models.teachers();
 *     …
 *     restore();
 */
import type { ModelPrompts } from './modelPrompts';
import type { EditorModelService } from './modelService';

export interface DistilleryTestApi {
  /** The live `ctx.models`. */
  readonly models: EditorModelService;
  /**
   * Answers the model layer's questions (origin approval, Set API Key's pick and inputs) instead
   * of the user, until the returned function restores the real prompts. Questions left out
   * still go to the user, which a test cannot click: answer every one a test triggers.
   */
  answerPrompts(answers: Partial<ModelPrompts>): () => void;
  /** The usage status bar's text; undefined while it is hidden. */
  statusBarText(): string | undefined;
  /** The extension's log folder (its LogOutputChannel writes there), for tests that search the log. */
  readonly logDirectory: string;
}

export function isTestRun(): boolean {
  return process.env.DISTILLERY_TEST === '1';
}

export function createTestApi(models: EditorModelService, statusBarText: () => string | undefined, logDirectory: string): DistilleryTestApi {
  return {
    models,
    logDirectory,
    answerPrompts(answers) {
      const previous = models.prompts;
      models.prompts = { ...previous, ...answers };
      return () => {
        models.prompts = previous;
      };
    },
    statusBarText,
  };
}
