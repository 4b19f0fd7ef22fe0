import * as vscode from 'vscode';

/** One origin offered by Set API Key / Clear API Key. */
export interface OriginChoice {
  readonly origin: string;
  /** Which profiles use it, or why it is listed. */
  readonly detail: string;
}

/** Returned by `pickOrigin` when the user chose "Other URL…" (never an origin: those have "://"). A string, so that tests in their own bundle can return it. */
export const OTHER_ORIGIN = 'other';

/**
 * Every question the model layer asks the user, in one place, so that integration tests can
 * answer them (the test API swaps these out; see testApi.ts). undefined means "cancelled".
 */
export interface ModelPrompts {
  /** Before the first request to an origin not yet approved. */
  approveOrigin(origin: string, source: string): Promise<boolean>;
  pickOrigin(title: string, choices: readonly OriginChoice[], allowOther: boolean): Promise<string | typeof OTHER_ORIGIN | undefined>;
  inputUrl(): Promise<string | undefined>;
  inputKey(origin: string): Promise<string | undefined>;
}

export const editorPrompts: ModelPrompts = {
  async approveOrigin(origin, source) {
    const allow = 'Allow';
    const choice = await vscode.window.showWarningMessage(
      `Distillery wants to send model requests to ${origin} (${source}).`,
      {
        modal: true,
        detail: `Requests carry your prompts and rows, and the API key stored for ${origin} if there is one. Allow only endpoints you chose yourself; a repository's settings can name any URL. Your answer is remembered on this machine (Distillery: Forget Approved Endpoints undoes it).`,
      },
      allow,
    );
    return choice === allow;
  },

  async pickOrigin(title, choices, allowOther) {
    type Item = vscode.QuickPickItem & { origin: string | typeof OTHER_ORIGIN };
    const items: Item[] = choices.map((choice) => ({ label: choice.origin, detail: choice.detail, origin: choice.origin }));
    if (allowOther) items.push({ label: 'Other URL…', detail: 'Type the endpoint\'s URL', origin: OTHER_ORIGIN });
    const picked = await vscode.window.showQuickPick(items, { title, placeHolder: 'Endpoint origin', ignoreFocusOut: true });
    return picked?.origin;
  },

  inputUrl() {
    return Promise.resolve(
      vscode.window.showInputBox({
        title: 'Distillery: endpoint URL',
        prompt: 'The endpoint\'s base URL or origin, e.g. https://openrouter.ai/api/v1',
        ignoreFocusOut: true,
        validateInput: (text) => (/^https?:\/\/[^\s/@]+/i.test(text.trim()) ? undefined : 'An http:// or https:// URL, without user:password@'),
      }),
    );
  },

  inputKey(origin) {
    return Promise.resolve(
      vscode.window.showInputBox({
        title: `Distillery: API key for ${origin}`,
        prompt: 'Stored in VS Code\'s secret storage, never in settings or logs.',
        password: true,
        ignoreFocusOut: true,
        validateInput: (text) => (text.trim() === '' ? 'The key is empty' : undefined),
      }),
    );
  },
};
