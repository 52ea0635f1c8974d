import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { events, tickets } from "../src/db/schema/index.js";
import { bearer, createTestHub, type TestHub } from "./support/testHub.js";

type Problem = { error: { code: string; message: string; fields?: Record<string, string> } };

let hub: TestHub;
let alpha: {
  tenantId: string;
  partnerKey: string;
  deskKey: string;
  ticketNumber: string;
  attachmentUrl: string;
};
let betaDeskKey: string;

async function call(key: string | undefined, method: string, path: string, body?: unknown) {
  const res = await hub.request(path, {
    method,
    headers: { ...(key ? bearer(key) : {}), "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Problem };
}

async function keyFor(tenantId: string, scopes: string[]): Promise<string> {
  const res = await hub.adminRequest("/api/admin/api-keys", {
    method: "POST",
    json: { tenantId, name: scopes.join(" "), scopes },
  });
  return ((await res.json()) as { data: { key: string } }).data.key;
}

const changes = (n: string) =>
  [
    ["assign", { assignedUserId: "usr_mallory" }],
    ["replies", { content: "hi", authorId: "usr_mallory" }],
    ["notes", { content: "hi", authorId: "usr_mallory" }],
    ["status", { status: "IN_PROGRESS" }],
  ].map(([action, body]) => ({ path: `/api/v1/desk/tickets/${n}/${action}`, body }));

beforeAll(async () => {
  hub = await createTestHub();
  const a = await hub.createTenantWithKey("desk-alpha", ["omnichannel:create", "omnichannel:read"]);
  const deskKey = await keyFor(a.tenantId, ["desk:read", "desk:write"]);
  const created = await call(a.key, "POST", "/api/omnichannel/tickets", {
    channel: "CHAT",
    serviceType: "INQUIRY",
    customer: { name: "Alpha Customer", email: "a@alpha.example" },
    ticket: { description: "Where is my statement?" },
    attachments: [{ filename: "s.txt", mimeType: "text/plain", size: 5, content: "aGVsbG8=" }],
  });
  const ticketNumber = (created.body as unknown as { ticketNumber: string }).ticketNumber;
  const detail = await hub.request(`/api/v1/desk/tickets/${ticketNumber}`, { headers: bearer(deskKey) });
  const attachmentUrl = ((await detail.json()) as { data: { attachments: Array<{ downloadUrl: string }> } })
    .data.attachments[0]?.downloadUrl;
  alpha = {
    tenantId: a.tenantId,
    partnerKey: a.key,
    deskKey,
    ticketNumber,
    attachmentUrl: attachmentUrl ?? "",
  };
  const b = await hub.createTenantWithKey("desk-beta", ["desk:read", "desk:write"]);
  betaDeskKey = b.key;
});
afterAll(async () => {
  await hub.close();
});

describe("desk scopes", () => {
  it("401 without a key", async () => {
    expect((await call(undefined, "GET", "/api/v1/desk/tickets")).status).toBe(401);
    expect((await call(undefined, "POST", changes(alpha.ticketNumber)[0]?.path ?? "", {})).status).toBe(401);
  });

  it("403 naming desk:read for a partner key on every read", async () => {
    const n = alpha.ticketNumber;
    for (const path of ["/api/v1/desk/tickets", `/api/v1/desk/tickets/${n}`, alpha.attachmentUrl]) {
      const res = await call(alpha.partnerKey, "GET", path);
      expect(res.status, path).toBe(403);
      expect(res.body.error).toMatchObject({ code: "FORBIDDEN", fields: { scope: "desk:read is required" } });
      expect(res.body.error.message).toContain("desk:read");
    }
  });

  it("403 naming desk:write for a read-only desk key on every change, and nothing changes", async () => {
    const reader = await keyFor(alpha.tenantId, ["desk:read"]);
    expect((await call(reader, "GET", "/api/v1/desk/tickets")).status).toBe(200);
    for (const { path, body } of changes(alpha.ticketNumber)) {
      const res = await call(reader, "POST", path, body);
      expect(res.status, path).toBe(403);
      expect(res.body.error.fields).toEqual({ scope: "desk:write is required" });
    }
    const [row] = await hub.db
      .select()
      .from(tickets)
      .where(eq(tickets.number, Number(alpha.ticketNumber)));
    expect(row).toMatchObject({ status: "OPEN", assignedTo: null });
  });
});

describe("a desk key of one tenant never sees or touches another tenant's tickets", () => {
  it("lists only its own tenant's tickets", async () => {
    const res = await hub.request("/api/v1/desk/tickets", { headers: bearer(betaDeskKey) });
    expect(await res.json()).toEqual({
      data: [],
      nextCursor: null,
      pagination: { page: 1, perPage: 20, total: 0, totalIsCapped: false },
    });
  });

  it("counts only its own tenant's tickets in the sidebar", async () => {
    const beta = await hub.request("/api/v1/desk/ticket-counts", { headers: bearer(betaDeskKey) });
    const counts = ((await beta.json()) as { data: { total: number; byAssignee: unknown[] } }).data;
    expect(counts.total).toBe(0);
    expect(counts.byAssignee).toEqual([]);
  });

  it("404 Ticket not found for another tenant's ticket number, on reads and every change", async () => {
    const n = alpha.ticketNumber;
    const before = await hub.db.select().from(events).where(eq(events.tenantId, alpha.tenantId));
    const detail = await call(betaDeskKey, "GET", `/api/v1/desk/tickets/${n}`);
    expect(detail.status).toBe(404);
    expect(detail.body.error.message).toBe("Ticket not found");
    expect((await call(betaDeskKey, "GET", alpha.attachmentUrl)).status).toBe(404);
    for (const { path, body } of changes(n)) {
      const res = await call(betaDeskKey, "POST", path, body);
      expect(res.status, path).toBe(404);
      expect(res.body.error.message).toBe("Ticket not found");
    }
    const after = await hub.db.select().from(events).where(eq(events.tenantId, alpha.tenantId));
    expect(after).toHaveLength(before.length);
    const [row] = await hub.db
      .select()
      .from(tickets)
      .where(eq(tickets.number, Number(n)));
    expect(row).toMatchObject({ status: "OPEN", assignedTo: null, firstResponseAt: null });
  });

  it("its own tenant's desk key reaches the same ticket", async () => {
    expect((await call(alpha.deskKey, "GET", `/api/v1/desk/tickets/${alpha.ticketNumber}`)).status).toBe(200);
    expect((await hub.request(alpha.attachmentUrl, { headers: bearer(alpha.deskKey) })).status).toBe(200);
  });
});
