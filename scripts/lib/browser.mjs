// Headless Chromium (Debian's /usr/bin/chromium) driven by playwright-core.
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { isolatedEnv } from './paths.mjs';

export const CHROMIUM = process.env.DISTILLERY_CHROMIUM || '/usr/bin/chromium';

export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Launches Chromium with a fresh profile directory (`profileDir`, created here) and returns
 * { context, page, close() }. A persistent context is how playwright takes --user-data-dir.
 */
export async function launchChromium({ profileDir, viewport = { width: 1440, height: 900 }, headless = true } = {}) {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: install the Debian package chromium`);
  }
  fs.rmSync(profileDir, { recursive: true, force: true });
  fs.mkdirSync(profileDir, { recursive: true });
  const args = CHROMIUM_FLAGS.filter((flag) => headless || flag !== '--headless');
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless,
    args,
    viewport,
    env: isolatedEnv(),
    timeout: 60_000,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  let closed = false;
  return {
    context,
    page,
    async close() {
      if (closed) return;
      closed = true;
      await context.close().catch(() => {});
    },
  };
}

/** Saves a full-page screenshot as DIR/NAME.png; never throws (a failed screenshot must not hide the real error). */
export async function screenshot(page, dir, name) {
  try {
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${name.replace(/[^\w.-]+/g, '-')}.png`);
    await page.screenshot({ path: file, timeout: 10_000 });
    return file;
  } catch {
    return undefined;
  }
}
