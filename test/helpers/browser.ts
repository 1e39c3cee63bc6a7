import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

/** Debian's Chromium (scripts/install-browser.sh); Playwright's own browser download is not used. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/**
 * Why the browser tests cannot run here, or undefined when they can. CI sets
 * REQUIRE_BROWSER_TESTS=1, so a missing browser fails there instead of skipping.
 */
export function browserSkipReason(): string | undefined {
  if (existsSync(CHROMIUM_PATH) || process.env.REQUIRE_BROWSER_TESTS === "1") return undefined;
  return `no Chromium at ${CHROMIUM_PATH}: run \`npm run setup:browser\` (Debian's chromium package)`;
}

/** Headless Chromium that cannot reach anything but what the page asks for (no background traffic). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-dev-shm-usage",
    ],
  });
}
