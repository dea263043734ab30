import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Whether Debian's Chromium (or `CHROMIUM_PATH`) is here; CI installs it (.ci/run) and fails without it. */
export const HAVE_CHROMIUM = fs.existsSync(CHROMIUM);
if (!HAVE_CHROMIUM && process.env.CI) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);

/** `describe` when Chromium is here, else `describe.skip` (outside CI only, see {@link HAVE_CHROMIUM}). */
export const describeWithBrowser = HAVE_CHROMIUM ? describe : describe.skip;

/** A headless Chromium of a test, and how to end it (the browser, then its profile folder). */
export interface TestBrowser {
  context: BrowserContext;
  close: () => Promise<void>;
}

/**
 * Starts headless Chromium with a fresh profile (nothing cached or remembered from an earlier
 * run) and no background traffic of its own (updates, sync, QUIC), so a test can check that
 * a page reaches nothing but the servers the test started.
 */
export async function launchBrowser(name: string, viewport?: { width: number; height: number }): Promise<TestBrowser> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), `${name}-chromium-`));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    ...(viewport ? { viewport } : {}),
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    close: async () => {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}
