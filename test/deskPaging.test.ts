import { and, eq, inArray, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tickets } from "../src/db/schema/index.js";
import { bearer, createTestHub, type TestHub } from "./support/testHub.js";

type Listed = { ticketNumber: string; assignedTeam: string | null };
type Page = {
  data: Listed[];
  nextCursor: string | null;
  pagination?: { page: number; perPage: number; total: number; totalIsCapped: boolean };
};
type Problem = { error: { code: string; fields?: Record<string, string> } };

let hub: TestHub;
let key: string;
let tenantId: string;

async function get<T>(path: string) {
  const res = await hub.request(path, { headers: bearer(key) });
  return { status: res.status, body: (await res.json()) as T };
}

async function createTicket(n: number, serviceType = "MOBILE_BANKING"): Promise<string> {
  const res = await hub.request("/api/omnichannel/tickets", {
    method: "POST",
    headers: { ...bearer(key), "content-type": "application/json" },
    body: JSON.stringify({
      channel: "WHATSAPP",
      serviceType,
      customer: { name: "Sarah Johnson", identifier: "CIF-PAGING" },
      ticket: { title: `Paging ticket ${n}`, description: "Paging", priority: "MEDIUM" },
    }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { ticketNumber: string }).ticketNumber;
}

/** The tenant's ticket numbers newest first, as the database orders them. */
async function newestFirst(numbers: readonly string[]): Promise<string[]> {
  const rows = await hub.db
    .select({ number: tickets.number })
    .from(tickets)
    .where(and(eq(tickets.tenantId, tenantId), inArray(tickets.number, numbers.map(Number))))
    .orderBy(sql`${tickets.createdAt} DESC, ${tickets.id} DESC`);
  return rows.map((r) => String(r.number));
}

/** Walks the list by cursor from its first page, running `between` after every page. */
async function walk(query: string, between: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 50; pages++) {
    const path: string = `/api/v1/desk/tickets?${query}${cursor ? `&cursor=${cursor}` : ""}`;
    const page = await get<Page>(path);
    expect(page.status).toBe(200);
    seen.push(...page.body.data.map((t) => t.ticketNumber));
    if (!page.body.nextCursor) return seen;
    cursor = page.body.nextCursor;
    await between();
  }
  throw new Error("the list never ended");
}

beforeAll(async () => {
  hub = await createTestHub();
  const made = await hub.createTenantWithKey("desk-paging", [
    "omnichannel:create",
    "omnichannel:read",
    "desk:read",
  ]);
  key = made.key;
  tenantId = made.tenantId;
});
afterAll(async () => {
  await hub.close();
});

describe("GET /api/v1/desk/tickets by cursor", () => {
  it("lists every ticket once, newest first, while tickets are created between pages", async () => {
    const before: string[] = [];
    for (let n = 0; n < 23; n++) before.push(await createTicket(n));
    let created = 0;
    const seen = await walk("perPage=5", async () => {
      // Three new tickets land before every next page: an offset would shift and repeat rows.
      for (let i = 0; i < 3; i++) await createTicket(100 + created++);
    });
    expect(created).toBeGreaterThan(0);
    expect(seen).toEqual(await newestFirst(before));
  });

  it("pages tickets created in the same microsecond by id, and keeps microseconds apart", async () => {
    const numbers: string[] = [];
    for (let n = 0; n < 9; n++) numbers.push(await createTicket(200 + n, "CARD_ISSUE"));
    // Four share one instant, the rest are a microsecond apart: a millisecond cursor would repeat or skip.
    await hub.db.execute(sql`UPDATE tickets SET created_at = '2030-01-01T00:00:00.000001Z'::timestamptz
        + CASE WHEN number - ${Number(numbers[0])} < 4 THEN interval '0' ELSE (number - ${Number(numbers[0])}) * interval '1 microsecond' END
      WHERE tenant_id = ${tenantId} AND number BETWEEN ${Number(numbers[0])} AND ${Number(numbers.at(-1))}`);
    const seen = await walk("perPage=2&serviceType=CARD_ISSUE", async () => undefined);
    expect(seen).toEqual(await newestFirst(numbers));
    expect(new Set(seen).size).toBe(numbers.length);
  });

  it("merges the branches of an assignee filter into one order, each ticket once", async () => {
    const numbers: string[] = [];
    for (let n = 0; n < 7; n++) numbers.push(await createTicket(300 + n, "ATM_ISSUE"));
    // The catalogue's default team is a name on every ATM_ISSUE ticket (the team-name branch); one
    // ticket also names the team by id and another an agent by that name: still listed once each.
    await hub.db.execute(sql`UPDATE tickets SET assigned_team_id = 'ATM Operations Team'
      WHERE tenant_id = ${tenantId} AND number = ${Number(numbers[2])}`);
    await hub.db.execute(sql`UPDATE tickets SET assigned_to = 'ATM Operations Team'
      WHERE tenant_id = ${tenantId} AND number = ${Number(numbers[4])}`);
    const query = `assignee=${encodeURIComponent("ATM Operations Team")}`;
    const first = await get<Page>(`/api/v1/desk/tickets?perPage=3&${query}`);
    expect(first.body.pagination).toEqual({ page: 1, perPage: 3, total: 7, totalIsCapped: false });
    const seen = await walk(`perPage=2&${query}`, () => createTicket(400, "ATM_ISSUE"));
    expect(seen).toEqual(await newestFirst(numbers));
  });

  it("gives no total on a page read by cursor, and a capped one on a page read by number", async () => {
    const first = await get<Page>("/api/v1/desk/tickets?perPage=2");
    expect(first.body.pagination?.totalIsCapped).toBe(false);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await get<Page>(`/api/v1/desk/tickets?perPage=2&cursor=${first.body.nextCursor}`);
    expect(second.status).toBe(200);
    expect(second.body.pagination).toBeUndefined();
  });

  it("counts the total up to 1,000 and says when more match", async () => {
    // 1,001 more tickets of one service type, written as a bulk import would.
    await hub.db.execute(sql`INSERT INTO tickets (id, tenant_id, channel, service_type, priority, title, description, customer_id)
      SELECT 'tkt_bulk_' || g, ${tenantId}, 'EMAIL', 'DISPUTE', 'LOW', 'Bulk ' || g, 'Bulk', t.customer_id
      FROM generate_series(1, 1001) g, (SELECT customer_id FROM tickets WHERE tenant_id = ${tenantId} LIMIT 1) t`);
    const capped = await get<Page>("/api/v1/desk/tickets?serviceType=DISPUTE");
    expect(capped.body.pagination).toEqual({ page: 1, perPage: 20, total: 1000, totalIsCapped: true });
    const exact = await get<Page>("/api/v1/desk/tickets?serviceType=DISPUTE&q=Bulk%20100");
    expect(exact.body.pagination).toMatchObject({ total: 3, totalIsCapped: false }); // 100, 1000, 1001
  });

  it("refuses a cursor it did not give out, a cursor with a page, and pages past the 10,000th ticket", async () => {
    const forged = Buffer.from("yesterday|tkt_1").toString("base64url");
    for (const cursor of ["nonsense", forged]) {
      const bad = await get<Problem>(`/api/v1/desk/tickets?cursor=${cursor}`);
      expect(bad.status).toBe(400);
      expect(bad.body.error.fields?.cursor).toBe("cursor is not a cursor this API gave out");
    }
    const first = await get<Page>("/api/v1/desk/tickets?perPage=2");
    const both = await get<Problem>(`/api/v1/desk/tickets?page=2&cursor=${first.body.nextCursor}`);
    expect(both.status).toBe(400);
    expect(both.body.error.fields?.page).toContain("page and cursor cannot be used together");
    const deep = await get<Problem>("/api/v1/desk/tickets?page=101&perPage=100");
    expect(deep.status).toBe(400);
    expect(deep.body.error.fields?.page).toContain("at most 10000");
    expect((await get<Page>("/api/v1/desk/tickets?page=100&perPage=100")).status).toBe(200);
  });
});
