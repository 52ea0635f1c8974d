import type { z } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tickets } from "../src/db/schema/index.js";
import type { deskTicketDetailSchema, deskTicketSchema } from "../src/desk/responses.js";
import { bearer, createTestHub, type TestHub } from "./support/testHub.js";

type DeskTicket = z.infer<typeof deskTicketSchema>;
type DeskDetail = z.infer<typeof deskTicketDetailSchema>;
type Page = {
  data: DeskTicket[];
  pagination?: { page: number; perPage: number; total: number; totalIsCapped: boolean };
  nextCursor: string | null;
};
type Problem = { error: { code: string; message: string; fields?: Record<string, string> } };

let hub: TestHub;
let partnerKey: string;
let deskKey: string;
const numbers: Record<string, string> = {};

async function call<T>(key: string, method: string, path: string, body?: unknown) {
  const res = await hub.request(path, {
    method,
    headers: { ...bearer(key), "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as T };
}
const desk = <T>(path: string) => call<T>(deskKey, "GET", path);
const list = async (query = "") => (await desk<Page>(`/api/v1/desk/tickets${query}`)).body;
const numbersOf = (page: Page) => page.data.map((t) => t.ticketNumber).sort();

/** Creates a ticket as a partner would and remembers its number under `name`. */
async function partnerTicket(name: string, fields: Record<string, unknown>) {
  const res = await call<{ ticketNumber: string }>(partnerKey, "POST", "/api/omnichannel/tickets", {
    channel: "WHATSAPP",
    serviceType: "TECHNICAL_SUPPORT",
    customer: { name: "Jane Smith", email: "jane.smith@email.com", identifier: `CIF-${name}` },
    ...fields,
    ticket: { description: "Unable to login", priority: "MEDIUM", ...(fields.ticket as object) },
  });
  expect(res.status).toBe(201);
  numbers[name] = res.body.ticketNumber;
  return res.body.ticketNumber;
}

beforeAll(async () => {
  hub = await createTestHub();
  const partner = await hub.createTenantWithKey("desk-read-bank", [
    "omnichannel:create",
    "omnichannel:read",
    "omnichannel:update",
  ]);
  partnerKey = partner.key;
  const key = await hub.adminRequest("/api/admin/api-keys", {
    method: "POST",
    json: { tenantId: partner.tenantId, name: "agents", scopes: ["desk:read", "desk:write"] },
  });
  deskKey = ((await key.json()) as { data: { key: string } }).data.key;

  await partnerTicket("login", {
    channelReferenceId: "wa_1",
    customer: {
      name: "Jane Smith",
      email: "jane@email.com",
      phone: "+628123456789",
      identifier: "CIF1",
      branchCode: "001",
    },
    ticket: { title: "Mobile Banking Login Issue", priority: "HIGH", metadata: { errorCode: "ERR_500" } },
    integration: { webhookUrl: "https://partner.example/webhook", partnerId: "PARTNER_001" },
    attachments: [{ filename: "log.txt", mimeType: "text/plain", size: 11, content: "aGVsbG8gd29ybGQ=" }],
  });
  await partnerTicket("card", {
    channel: "EMAIL",
    serviceType: "CARD_ISSUE",
    ticket: { title: "Card blocked" },
  });
  await partnerTicket("percent", {
    channel: "SMS",
    serviceType: "INQUIRY",
    ticket: { title: "Rate 100% fixed?" },
  });
  await partnerTicket("critical", { ticket: { title: "App down", priority: "CRITICAL" } });
  const claim = await call<{ ticketNumber: string }>(partnerKey, "POST", "/api/omnichannel/claims", {
    namaNasabah: "Ahmad Suryanto",
    mediaTransaksi: "ATM",
    jenisTransaksi: "PEMBAYARAN",
    nominal: 150000,
    nomorKartu: "4111111111111111",
    atmId: "ATM_JKT_001",
    claimReason: "ATM tidak mengeluarkan uang",
  });
  expect(claim.status).toBe(201);
  numbers.claim = claim.body.ticketNumber;
});
afterAll(async () => {
  await hub.close();
});

describe("GET /api/v1/desk/tickets", () => {
  it("lists the tenant's tickets newest first with their SLA, 20 a page by default", async () => {
    const page = await list();
    expect(page.pagination).toEqual({ page: 1, perPage: 20, total: 5, totalIsCapped: false });
    expect(page.nextCursor).toBeNull();
    expect(page.data.map((t) => t.ticketNumber)).toEqual([
      numbers.claim,
      numbers.critical,
      numbers.percent,
      numbers.card,
      numbers.login,
    ]);
    const login = page.data.find((t) => t.ticketNumber === numbers.login);
    expect(login).toMatchObject({
      title: "Mobile Banking Login Issue",
      status: "OPEN",
      priority: "HIGH",
      serviceType: "TECHNICAL_SUPPORT",
      channel: "WHATSAPP",
      channelReferenceId: "wa_1",
      assignedTo: null,
      assignedTeam: "IT Support Team",
      sla: { isBreached: false, paused: false },
    });
    expect(login?.id).toMatch(/^tkt_/);
    expect(login?.customerId).toMatch(/^cus_/);
    expect(login?.sla.responseDeadline).toEqual(expect.any(String));
    expect((await list("?q=&assignee=&status=&customerId=")).pagination?.total).toBe(5); // empty means no filter
  });

  it("pages with page and perPage, and refuses perPage over 100", async () => {
    const second = await list("?page=2&perPage=2");
    expect(second.pagination).toEqual({ page: 2, perPage: 2, total: 5, totalIsCapped: false });
    expect(second.data.map((t) => t.ticketNumber)).toEqual([numbers.percent, numbers.card]);
    const tooMany = await desk<Problem>("/api/v1/desk/tickets?perPage=101");
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.fields).toHaveProperty("perPage");
  });

  it("filters by status, one or a comma-separated list", async () => {
    await hub.db
      .update(tickets)
      .set({ status: "IN_PROGRESS" })
      .where(eq(tickets.number, Number(numbers.card)));
    await hub.db
      .update(tickets)
      .set({ status: "PENDING" })
      .where(eq(tickets.number, Number(numbers.percent)));
    expect(numbersOf(await list("?status=IN_PROGRESS"))).toEqual([numbers.card]);
    expect(numbersOf(await list("?status=IN_PROGRESS,PENDING"))).toEqual(
      [numbers.card, numbers.percent].sort(),
    );
    expect((await list("?status=OPEN")).pagination?.total).toBe(3);
    const bad = await desk<Problem>("/api/v1/desk/tickets?status=OPEN,DONE");
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("VALIDATION_FAILED");
    expect(bad.body.error.fields?.status).toContain("must be one or more of OPEN");
  });

  it("filters by priority, service type and channel", async () => {
    expect(numbersOf(await list("?priority=CRITICAL"))).toEqual([numbers.critical]);
    expect(numbersOf(await list("?priority=HIGH,CRITICAL"))).toEqual(
      [numbers.critical, numbers.login].sort(),
    );
    expect(numbersOf(await list("?serviceType=CLAIM"))).toEqual([numbers.claim]);
    expect(numbersOf(await list("?serviceType=CARD_ISSUE,INQUIRY"))).toEqual(
      [numbers.card, numbers.percent].sort(),
    );
    expect(numbersOf(await list("?channel=SMS"))).toEqual([numbers.percent]);
    expect((await desk<Problem>("/api/v1/desk/tickets?channel=PIGEON")).status).toBe(400);
  });

  it("filters by assignee: the agent or the team", async () => {
    await hub.db
      .update(tickets)
      .set({ assignedTo: "John Tech" })
      .where(eq(tickets.number, Number(numbers.critical)));
    expect(numbersOf(await list("?assignee=John%20Tech"))).toEqual([numbers.critical]);
    expect(numbersOf(await list("?assignee=Card%20Operations%20Team"))).toEqual([numbers.card]);
    expect(numbersOf(await list(`?assignee=${encodeURIComponent("IT Support Team")}`))).toEqual(
      [numbers.critical, numbers.login].sort(),
    );
  });

  it("filters by customer and by title, any case, taking % literally", async () => {
    const login = (await desk<{ data: DeskDetail }>(`/api/v1/desk/tickets/${numbers.login}`)).body.data;
    expect(numbersOf(await list(`?customerId=${login.customerId}`))).toEqual([numbers.login]);
    expect(numbersOf(await list("?q=mobile%20BANKING"))).toEqual([numbers.login]);
    expect(numbersOf(await list("?q=100%25"))).toEqual([numbers.percent]);
    expect((await list("?q=%25%25")).pagination?.total).toBe(0);
  });

  it("filters breached=true|false exactly as each item's sla.isBreached says", async () => {
    const past = new Date(Date.now() - 60_000);
    const set = (name: string, values: Partial<typeof tickets.$inferInsert>) =>
      hub.db
        .update(tickets)
        .set(values)
        .where(eq(tickets.number, Number(numbers[name])));
    await set("login", { responseDueAt: past }); // overdue, no reply yet: breached
    await set("critical", { responseDueAt: past, firstResponseAt: new Date(Date.now() - 120_000) }); // answered in time
    await set("card", { resolutionBreachedAt: past }); // marked by the scan
    await set("percent", { resolutionDueAt: past, slaPaused: true }); // waits on the customer
    const breached = await list("?breached=true");
    const fine = await list("?breached=false");
    expect(numbersOf(breached)).toEqual([numbers.card, numbers.login].sort());
    expect(breached.data.every((t) => t.sla.isBreached)).toBe(true);
    expect(fine.data.every((t) => !t.sla.isBreached)).toBe(true);
    expect((breached.pagination?.total ?? 0) + (fine.pagination?.total ?? 0)).toBe(5);
    expect((await desk<Problem>("/api/v1/desk/tickets?breached=yes")).body.error.fields).toEqual({
      breached: "breached must be true or false",
    });
  });
});

describe("GET /api/v1/desk/tickets/{ticketNumber}", () => {
  it("shows agents the customer, the service, the branch, attachments and whether a webhook is set", async () => {
    const res = await desk<{ data: DeskDetail }>(`/api/v1/desk/tickets/${numbers.login}`);
    expect(res.status).toBe(200);
    const t = res.body.data;
    expect(t).toMatchObject({
      ticketNumber: numbers.login,
      description: "Unable to login",
      customer: { name: "Jane Smith", email: "jane@email.com", phone: "+628123456789", identifier: "CIF1" },
      service: {
        name: "Technical Support",
        supportGroup: "Technical Support",
        defaultTeam: "IT Support Team",
      },
      branch: { code: "001", name: "Kantor Pusat" },
      metadata: { errorCode: "ERR_500" },
      partnerId: "PARTNER_001",
      webhookConfigured: true,
      claim: null,
      comments: [],
    });
    expect(JSON.stringify(t)).not.toContain("partner.example");
    expect(t.attachments).toHaveLength(1);
    const file = await hub.request(t.attachments[0]?.downloadUrl ?? "", { headers: bearer(deskKey) });
    expect(file.status).toBe(200);
    expect(await file.text()).toBe("hello world");
  });

  it("shows a claim's fields, its card number masked", async () => {
    const t = (await desk<{ data: DeskDetail }>(`/api/v1/desk/tickets/${numbers.claim}`)).body.data;
    expect(t.serviceType).toBe("CLAIM");
    expect(t.claim).toMatchObject({
      namaNasabah: "Ahmad Suryanto",
      mediaTransaksi: "ATM",
      jenisTransaksi: "PEMBAYARAN",
      nominal: 150000,
      atmId: "ATM_JKT_001",
      claimReason: "ATM tidak mengeluarkan uang",
    });
    expect(t.claim?.nomorKartuMasked).toMatch(/1111$/);
    expect(JSON.stringify(t)).not.toContain("4111111111111111");
  });

  it("404 Ticket not found for an unknown or malformed number", async () => {
    for (const n of ["999999", "abc", numbers.login?.concat("0")]) {
      const res = await desk<Problem>(`/api/v1/desk/tickets/${n}`);
      expect(res.status).toBe(404);
      expect(res.body.error).toMatchObject({ code: "NOT_FOUND", message: "Ticket not found" });
    }
  });
});
