import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "../support/browser.js";
import { type WebchatHub, webchatHub } from "./support.js";

/**
 * The widget in Debian's chromium, driven by playwright-core: the demo page served by a real hub
 * server, a customer typing, the ticket in the desk, the agent's reply appearing on the page. Every
 * request the page makes to any other host is aborted and fails the test.
 */
const pageTimeoutMs = 30_000;

let t: WebchatHub;
let browser: Browser;

beforeAll(async () => {
  t = await webchatHub();
  browser = await launchChromium(pageTimeoutMs);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

describe("the web chat widget in a browser", { timeout: 120_000 }, () => {
  it("a customer chats on the demo page, the desk sees the ticket, the agent's reply appears, and a reload resumes", async () => {
    const { tenantId, key } = await t.tenantWithTelegram("wc-browser");
    const context = await browser.newContext();
    context.setDefaultTimeout(pageTimeoutMs);
    const foreign = new Set<string>();
    context.on("request", (request) => {
      if (!request.url().startsWith(`${t.httpBase}/`) && !request.url().startsWith(`ws://${t.address}/`))
        foreign.add(request.url());
    });
    await context.route("**/*", (route) =>
      route.request().url().startsWith(`${t.httpBase}/`) ? route.continue() : route.abort("blockedbyclient"),
    );
    try {
      const page = await context.newPage();
      expect((await page.goto(`${t.httpBase}/webchat/demo?tenant=${tenantId}`))?.status()).toBe(200);
      await page.getByRole("button", { name: "Chat", exact: true }).click();
      await page.getByPlaceholder("Your name").fill("Budi Santoso");
      await page.getByPlaceholder("E-mail or phone number").fill("budi.browser@example.com");
      await page.getByRole("button", { name: "Start chat" }).click();
      await page.getByPlaceholder("Type a message").fill("Saldo saya tidak bertambah setelah setor tunai");
      await page.getByRole("button", { name: "Send" }).click();

      // The message is a ticket in the desk, on the customer the e-mail named.
      await expect
        .poll(async () => (await t.desk(key).get("/api/v1/desk/tickets?channel=CHAT")).body.data.length, {
          timeout: pageTimeoutMs,
        })
        .toBe(1);
      const ticket = (await t.desk(key).get("/api/v1/desk/tickets?channel=CHAT")).body.data[0];
      const detail = (await t.desk(key).get(`/api/v1/desk/tickets/${ticket.ticketNumber}`)).body.data;
      expect(detail.description).toBe("Saldo saya tidak bertambah setelah setor tunai");
      expect(detail.customer.name).toBe("Budi Santoso");
      // The browser writes in English: the English in-app variant of TICKET_CREATED.
      await page.getByText(`under ticket ${ticket.ticketNumber}.`).waitFor();

      // The agent answers from the desk; the answer appears on the page.
      const answer = "Setoran Anda sedang kami periksa, mohon tunggu.";
      const reply = await t.desk(key).post(`/api/v1/desk/tickets/${ticket.ticketNumber}/replies`, {
        content: answer,
        authorId: "usr_sari",
      });
      expect(reply.status).toBe(201);
      await t.relay();
      await page.getByText(answer).waitFor();

      // A reload: the widget resumes with the token it kept, and shows the whole conversation.
      await page.reload();
      await page.getByText(answer).waitFor();
      await page.getByText("Saldo saya tidak bertambah setelah setor tunai").waitFor();
      expect(await page.getByPlaceholder("Type a message").isVisible()).toBe(true);
      expect([...foreign]).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
