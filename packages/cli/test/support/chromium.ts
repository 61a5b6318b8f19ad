import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';

/** Debian's Chromium (`.ci/run` installs the `chromium` package). */
export const CHROMIUM_PATH = process.env.MAILBRIDGE_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Why the browser tests cannot run here, or undefined when they can. Under CI=true a missing
 * Chromium is a failure, not a skip: the suite must not go green without the browser.
 */
export function chromiumMissing(): string | undefined {
  if (existsSync(CHROMIUM_PATH)) return undefined;
  const reason = `Chromium not found at ${CHROMIUM_PATH} (apt-get install chromium, or set MAILBRIDGE_CHROMIUM)`;
  if (process.env.CI === 'true') throw new Error(`${reason}: the status page browser tests cannot be skipped under CI=true`);
  console.warn(`skipping the status page browser tests: ${reason}`);
  return reason;
}

/** Launches headless Chromium with nothing that reaches beyond this machine. */
export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
