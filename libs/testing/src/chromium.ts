import type { Browser } from 'playwright-core';

/** Debian's chromium (`.ci/run` installs it); Playwright's own browser downloads do not work here. */
const CHROMIUM = process.env.NIMBUS_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Headless Chromium for the console's tests and bench. Without the background-networking flags
 * it keeps dialling Google's hosts, which a closed network refuses; as root it needs --no-sandbox.
 */
export async function launchChromium(): Promise<Browser> {
  // Loaded on first use: most tests never start a browser.
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}
