import type { AddressInfo } from "node:net";
import { type ServerType, serve } from "@hono/node-server";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queueNames } from "../../queues/catalog.js";
import { launchChromium } from "../support/browser.js";
import { createTestHub, type TestHub, testAdminToken } from "../support/testHub.js";

/**
 * The browser pages as a bank's offline network sees them: Debian's chromium (.ci/run installs it)
 * opens them from a real hub server, and every request the pages make to any other host is
 * aborted and fails the test. Nothing leaves the machine.
 */
// A loaded 2-core machine: the first render of Scalar's 3.5 MB bundle can take many seconds.
const pageTimeoutMs = 60_000;

let hub: TestHub;
let server: ServerType;
let origin: string;
let browser: Browser;

beforeAll(async () => {
  hub = await createTestHub();
  server = serve({ fetch: hub.app.fetch, port: 0, hostname: "127.0.0.1" });
  await new Promise((resolve) => server.once("listening", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await launchChromium(pageTimeoutMs);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  if (server) await new Promise((resolve) => server.close(resolve));
  await hub?.close();
});

/**
 * A fresh context whose every request is checked: the hub's own origin passes, data: and blob: URLs
 * never leave the page, anything else is aborted and recorded.
 */
async function offlineContext(options: { admin?: boolean } = {}): Promise<{
  context: BrowserContext;
  page: Page;
  foreign: Set<string>;
}> {
  const context = await browser.newContext(
    options.admin ? { httpCredentials: { username: "admin", password: testAdminToken, origin } } : {},
  );
  context.setDefaultTimeout(pageTimeoutMs);
  const foreign = new Set<string>();
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith(`${origin}/`)) return route.continue();
    foreign.add(url);
    return route.abort("blockedbyclient");
  });
  // Requests the router does not see (a service worker's, a WebSocket) are still reported here.
  context.on("request", (request) => {
    const url = request.url();
    if (!url.startsWith(`${origin}/`) && !/^(data|blob):/.test(url)) foreign.add(url);
  });
  const page = await context.newPage();
  return { context, page, foreign };
}

describe("offline pages in a real browser", { timeout: 180_000 }, () => {
  it("/docs renders the API reference from the hub alone, without AI agent or third-party buttons", async () => {
    const { context, page, foreign } = await offlineContext();
    try {
      const res = await page.goto(`${origin}/docs`);
      expect(res?.status()).toBe(200);
      await page.getByRole("heading", { name: "Switchboard" }).first().waitFor();
      await page.getByText("Liveness: the process answers").first().waitFor();
      await page.waitForLoadState("networkidle");
      expect([...foreign]).toEqual([]);
      for (const control of ["Ask AI", "Deploy", "Share"]) {
        expect(await page.getByRole("button", { name: control }).count(), control).toBe(0);
        expect(await page.getByText(control, { exact: true }).count(), control).toBe(0);
      }
    } finally {
      await context.close();
    }
  });

  it("/admin/queues renders every queue from the hub alone and accepts its own page's changes", async () => {
    const { context, page, foreign } = await offlineContext({ admin: true });
    try {
      const res = await page.goto(`${origin}/admin/queues`);
      expect(res?.status()).toBe(200);
      for (const name of queueNames) await page.getByText(name, { exact: true }).first().waitFor();
      await page.waitForLoadState("networkidle");
      expect([...foreign]).toEqual([]);

      // A change sent from the dashboard's own page, with the headers the browser itself sets.
      const queue = "domain-events";
      const paused = await page.evaluate(
        async (path) => (await fetch(path, { method: "PUT" })).status,
        `/admin/queues/api/queues/${queue}/pause`,
      );
      expect(paused).toBe(200);
      expect(await hub.producer.queues[queue].isPaused()).toBe(true);
      expect([...foreign]).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
