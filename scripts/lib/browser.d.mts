// Types for browser.mjs, so the TypeScript end-to-end tests can import it.
import type { BrowserContext, Page } from 'playwright-core';

export declare const CHROMIUM: string;
export declare const CHROMIUM_FLAGS: string[];
export interface LaunchedChromium {
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}
export declare function launchChromium(options: {
  profileDir: string;
  viewport?: { width: number; height: number };
  headless?: boolean;
}): Promise<LaunchedChromium>;
export declare function screenshot(page: Page, dir: string, name: string): Promise<string | undefined>;
