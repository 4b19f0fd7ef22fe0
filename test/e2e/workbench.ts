// Helpers for the end-to-end tests: a headless Chromium on the code-server that
// scripts/run-e2e.mjs started (its address and folders come in environment variables),
// and the few workbench gestures a person uses.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FrameLocator, Locator, Page } from 'playwright-core';
import { launchChromium, screenshot, type LaunchedChromium } from '../../scripts/lib/browser.mjs';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the end-to-end tests with node scripts/run-e2e.mjs`);
  return value;
}

export const E2E = {
  get url(): string {
    return required('DISTILLERY_E2E_URL');
  },
  get workspace(): string {
    return required('DISTILLERY_E2E_WORKSPACE');
  },
  get runDir(): string {
    return required('DISTILLERY_E2E_RUN_DIR');
  },
  get screenshots(): string {
    return required('DISTILLERY_E2E_SCREENSHOTS');
  },
};

/**
 * Changes the user settings of the code-server under test, as a person editing settings.json
 * would; the workbench picks the change up from the file.
 */
export function updateUserSettings(change: (settings: Record<string, unknown>) => void): void {
  const file = path.join(E2E.runDir, 'user-data', 'User', 'settings.json');
  const settings = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
  change(settings);
  fs.writeFileSync(file, JSON.stringify(settings, null, 2) + '\n');
}

/** Waits used by the tests: generous, because a cold workbench on 2 cores is slow; they end as soon as the UI is there. */
export const WAIT = { workbench: 60_000, ui: 20_000 };

export class Workbench {
  private shots = 0;

  private constructor(
    readonly browser: LaunchedChromium,
    readonly page: Page,
    private readonly name: string,
  ) {}

  /** Opens a browser on the workbench with the fixture workspace and waits until it is connected. */
  static async open(name: string): Promise<Workbench> {
    const browser = await launchChromium({ profileDir: path.join(E2E.runDir, `chromium-${name}`) });
    const workbench = new Workbench(browser, browser.page, name);
    const page = browser.page;
    page.setDefaultTimeout(WAIT.ui);
    await page.goto(`${E2E.url}/?folder=${encodeURIComponent(E2E.workspace)}`, { waitUntil: 'domcontentloaded' });
    await page.locator('.monaco-workbench').waitFor({ timeout: WAIT.workbench });
    // The explorer lists the folder's files once the remote connection is up.
    await page
      .locator('.explorer-folders-view .monaco-list-row', { hasText: 'sample.jsonl' })
      .waitFor({ timeout: WAIT.workbench });
    return workbench;
  }

  async close(): Promise<void> {
    await this.browser.close();
  }

  /** A numbered screenshot in .test-output/screenshots/. */
  async shot(step: string): Promise<string | undefined> {
    this.shots += 1;
    return screenshot(this.page, E2E.screenshots, `${this.name}-${String(this.shots).padStart(2, '0')}-${step}`);
  }

  /** Quick Open (Control+P): types a file name and opens the matching entry. */
  async quickOpen(fileName: string): Promise<void> {
    const { page } = this;
    await page.locator('.monaco-workbench').click({ position: { x: 5, y: 5 }, force: true }).catch(() => {});
    await page.keyboard.press('Control+P');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill(fileName);
    await page.locator('.quick-input-list .monaco-list-row', { hasText: fileName }).first().waitFor();
    await page.keyboard.press('Enter');
    await this.editorTab(fileName).waitFor();
    await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
    // The command palette offers what the focused element's context allows: until the new editor
    // has focus, a command for .jsonl files is not in it (seen on a loaded CI machine).
    await page.locator('.editor-instance .monaco-editor.focused').first().waitFor();
  }

  /** The command palette (F1): runs a command by its title, e.g. "Distillery: Show Log". */
  async runCommand(title: string): Promise<void> {
    const { page } = this;
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill(`>${title}`);
    await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor();
    await page.keyboard.press('Enter');
    await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
  }

  /** An editor tab by its label (file name or webview panel title). */
  editorTab(label: string): Locator {
    return this.page.locator('.tabs-container .tab', { hasText: label });
  }

  /** The active editor's CodeLenses whose text contains `text`. */
  codeLens(text: string): Locator {
    return this.page.locator('.editor-instance .codelens-decoration a', { hasText: text });
  }

  /**
   * Clicks the `index`th CodeLens containing `text` and waits until `done()` says its command ran.
   * VS Code redraws a file's lenses after edits and saves (later on a loaded machine); a click
   * that lands on a lens being replaced runs nothing but a toast "Actual command not found". A
   * person then clicks again, and so does this, only then: a second click on a lens that did run
   * would run its command twice.
   */
  async clickCodeLens(text: string, index: number, done: () => Promise<boolean>, timeoutMs = WAIT.workbench): Promise<void> {
    const { page } = this;
    const stale = page.locator('.notifications-toasts .notification-toast', { hasText: 'Actual command not found' });
    const deadline = Date.now() + timeoutMs;
    for (let clicks = 1; ; clicks++) {
      await this.codeLens(text).nth(index).click({ timeout: Math.max(1, deadline - Date.now()) });
      for (;;) {
        if (await done()) return;
        if (await stale.first().isVisible()) break;
        if (Date.now() > deadline) throw new Error(`the CodeLens "${text}" (#${index + 1}) was clicked ${clicks} time(s) and did not do its work within ${timeoutMs} ms`);
        await page.waitForTimeout(100);
      }
      console.log(`      (the CodeLens "${text}" was being redrawn when clicked; clicking again)`);
      await this.runCommand('Notifications: Clear All Notifications');
      await stale.first().waitFor({ state: 'hidden' });
    }
  }

  /** Whether a locator shows now (no waiting); false for one in a frame that is gone. */
  static async showing(locator: Locator): Promise<boolean> {
    return locator.first().isVisible().catch(() => false);
  }

  /**
   * The content of the visible webview (wait for its editor tab first). VS Code nests it: an
   * outer iframe.webview (the webview's host page) holding iframe#active-frame with the
   * extension's HTML. The outer frames carry no title; with several webviews visible at once,
   * `documentTitle` (the <title> of the extension's HTML) picks one.
   */
  async webview(documentTitle?: string, timeoutMs = WAIT.ui): Promise<FrameLocator> {
    const outer = this.page.locator('iframe.webview.ready:visible');
    const content = (i: number) => outer.nth(i).contentFrame().locator('iframe#active-frame').contentFrame();
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const count = await outer.count();
      if (count === 1 && !documentTitle) return content(0);
      for (let i = 0; documentTitle && i < count; i++) {
        const title = await content(i)
          .locator('title')
          .textContent({ timeout: 1_000 })
          .catch(() => null);
        if (title?.trim() === documentTitle) return content(i);
      }
      if (Date.now() > deadline) {
        throw new Error(`no visible webview${documentTitle ? ` titled "${documentTitle}"` : ''} within ${timeoutMs} ms (${count} visible)`);
      }
      await outer.first().waitFor({ timeout: Math.max(1, deadline - Date.now()) }).catch(() => {});
      if (count > 0) await this.page.waitForTimeout(100);
    }
  }
}
