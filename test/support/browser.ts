import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";

/** Debian's chromium, which .ci/run installs (playwright-core downloads no browser here). */
const chromiumPath = "/usr/bin/chromium";

/**
 * Headless Chromium for the page tests, with nothing of its own reaching out (no background
 * networking, component updates, sync or QUIC): what the pages request is all there is to check.
 */
export async function launchChromium(timeoutMs: number): Promise<Browser> {
  if (!existsSync(chromiumPath))
    throw new Error(`${chromiumPath} is missing: .ci/run installs Debian's chromium`);
  return chromium.launch({
    executablePath: chromiumPath,
    timeout: timeoutMs,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
