import { createRequire } from "node:module";
import type WAWebJS from "whatsapp-web.js";
import type { WhatsAppWebSession } from "./webClient.js";

const require = createRequire(import.meta.url);
let library: typeof WAWebJS | undefined;

/**
 * The library, loaded when the first session starts: it pulls in puppeteer (about a second of
 * start-up), which a hub without whatsapp-web accounts never needs.
 */
function whatsappWebJs(): typeof WAWebJS {
  library ??= require("whatsapp-web.js") as typeof WAWebJS;
  return library;
}

export type WebClientSettings = {
  /** LocalAuth's directory: one sub-directory per tenant keeps each linked session across restarts. */
  sessionDir: string;
  /** The Chromium the gateway runs (Debian's /usr/bin/chromium); puppeteer's own download is off. */
  chromiumPath: string;
};

/**
 * Builds a tenant's real whatsapp-web.js Client: LocalAuth under sessionDir (clientId = the tenant
 * id), headless Chromium from chromiumPath, without the sandbox (containers run as root) and
 * without /dev/shm (Docker's is 64 MB, too small for WhatsApp Web). Tests drive a fake through
 * WhatsAppWebSession instead: this factory is the one part no test runs against a browser.
 */
export function realWebClientFactory(settings: WebClientSettings): (tenantId: string) => WhatsAppWebSession {
  return (tenantId) => {
    const { Client, LocalAuth } = whatsappWebJs();
    return new Client({
      authStrategy: new LocalAuth({ clientId: tenantId, dataPath: settings.sessionDir }),
      puppeteer: {
        executablePath: settings.chromiumPath,
        headless: true,
        args: ["--no-sandbox", "--disable-dev-shm-usage"],
      },
    });
  };
}
