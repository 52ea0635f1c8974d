import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rowsOf } from "../../src/db/client.js";
import type { deskTicketCountsSchema } from "../../src/desk/countsRoute.js";
import { bearer, createTestHub, type TestHub } from "../support/testHub.js";

type Counts = (typeof deskTicketCountsSchema)["_output"];
type Problem = { error: { code: string } };

let hub: TestHub;
let key: string;
let tenantId: string;
const agents = ["usr_agent_1", "usr_agent_2", "usr_agent_3"];

async function send(method: string, path: string, body?: unknown) {
  const res = await hub.request(path, {
    method,
    headers: { ...bearer(key), "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function createTicket(n: number): Promise<string> {
  const res = await send("POST", "/api/omnichannel/tickets", {
    channel: "WHATSAPP",
    serviceType: n % 2 === 0 ? "CARD_ISSUE" : "MOBILE_BANKING",
    customer: { name: `Customer ${n % 4}`, identifier: `CIF-COUNT-${n % 4}` },
    ticket: { title: `Counted ${n}`, description: "Counted", priority: "MEDIUM" },
  });
  expect(res.status).toBe(201);
  return res.body.ticketNumber as string;
}

async function createClaim(n: number): Promise<string> {
  const res = await send("POST", "/api/omnichannel/claims", {
    namaNasabah: `Nasabah ${n}`,
    mediaTransaksi: "QRIS",
    nominal: 50_000 + n,
    claimReason: "Saldo terpotong",
  });
  expect(res.status).toBe(201);
  return res.body.ticketNumber as string;
}

const desk = (n: string, action: string, body: unknown) =>
  send("POST", `/api/v1/desk/tickets/${n}/${action}`, body);

/** The counts as a count over the tenant's tickets would give them, in the endpoint's shape. */
async function countedOneByOne() {
  const rows = rowsOf<{ status: string; user_id: string | null; team: string | null; n: number }>(
    await hub.db.execute(sql`SELECT status, assigned_user_id AS user_id, assigned_team AS team, count(*)::int AS n
      FROM tickets WHERE tenant_id = ${tenantId} GROUP BY 1, 2, 3`),
  );
  const sum = (pick: (r: (typeof rows)[number]) => boolean) =>
    rows.filter(pick).reduce((total, r) => total + r.n, 0);
  const statuses = [...new Set(rows.map((r) => r.status))];
  return {
    total: sum(() => true),
    byStatus: Object.fromEntries(statuses.map((s) => [s, sum((r) => r.status === s)])),
    users: Object.fromEntries(
      [...new Set(rows.map((r) => r.user_id))].map((u) => [u, sum((r) => r.user_id === u)]),
    ),
    teams: Object.fromEntries(
      [...new Set(rows.map((r) => r.team))].map((t) => [t, sum((r) => r.team === t)]),
    ),
  };
}

/** The endpoint's counts in the same terms (statuses without tickets left out). */
async function countedByEndpoint() {
  const res = await send("GET", "/api/v1/desk/ticket-counts");
  expect(res.status).toBe(200);
  const data = res.body.data as Counts;
  return {
    total: data.total,
    byStatus: Object.fromEntries(Object.entries(data.byStatus).filter(([, n]) => n > 0)),
    users: Object.fromEntries(data.byAssignee.map((a) => [a.assignedUserId, a.total])),
    teams: Object.fromEntries(data.byTeam.map((t) => [t.assignedTeam, t.total])),
  };
}

beforeAll(async () => {
  hub = await createTestHub();
  const made = await hub.createTenantWithKey("ticket-counts", [
    "omnichannel:create",
    "omnichannel:read",
    "omnichannel:update",
    "desk:read",
    "desk:write",
  ]);
  key = made.key;
  tenantId = made.tenantId;
  for (const [i, id] of agents.entries()) {
    const res = await hub.adminRequest(`/api/admin/tenants/${tenantId}/users/${id}`, {
      method: "PUT",
      json: { name: `Agent ${i + 1}`, role: "agent" },
    });
    expect(res.status).toBe(201);
  }
  const team = await hub.adminRequest(`/api/admin/tenants/${tenantId}/teams/team_cards`, {
    method: "PUT",
    json: { name: "Cards" },
  });
  expect([200, 201]).toContain(team.status);
});
afterAll(async () => {
  await hub.close();
});

describe("GET /api/v1/desk/ticket-counts", () => {
  it("stays exact while tickets are created, assigned and moved concurrently", async () => {
    const first = await Promise.all(Array.from({ length: 24 }, (_, n) => createTicket(n)));
    // Everything at once: creations (batched and single, claims), assignments, status changes by
    // agents and cancellations by the partner, on overlapping tickets.
    const changes = await Promise.all([
      ...Array.from({ length: 16 }, (_, n) => createTicket(100 + n)),
      ...Array.from({ length: 4 }, (_, n) => createClaim(n)),
      ...first.slice(0, 12).map((number, i) =>
        desk(number, "assign", {
          assignedUserId: agents[i % 3],
          ...(i % 4 === 0 ? { assignedTeamId: "team_cards" } : {}),
        }),
      ),
      ...first.slice(6, 18).map((number) => desk(number, "status", { status: "IN_PROGRESS" })),
      ...first.slice(18, 22).map((number) =>
        send("PATCH", `/api/omnichannel/tickets/${number}`, {
          action: "UPDATE_STATUS",
          status: "CANCELLED",
        }),
      ),
    ]);
    const more = await Promise.all([
      ...first.slice(6, 12).map((number) => desk(number, "status", { status: "RESOLVED" })),
      ...first.slice(0, 3).map((number) => desk(number, "assign", { assignedUserId: null })),
      ...Array.from({ length: 8 }, (_, n) => createTicket(200 + n)),
    ]);
    // Every change was made or refused by the transition table (a partner's cancel racing an
    // agent's move): none failed on the counters (a deadlock would be a 500).
    const statuses = [...changes, ...more].flatMap((r) => (typeof r === "string" ? [] : [r.status]));
    expect(statuses.filter((s) => s !== 200 && s !== 409)).toEqual([]);
    const exact = await countedOneByOne();
    expect(exact.total).toBe(52);
    expect(await countedByEndpoint()).toEqual(exact);
    const data = (await send("GET", "/api/v1/desk/ticket-counts")).body.data as Counts;
    expect(data.byAssignee.find((a) => a.assignedUserId === "usr_agent_2")).toMatchObject({
      assignedTo: "Agent 2",
    });
    expect(data.byTeam.map((t) => t.assignedTeam)).toContain("Cards");
  });

  it("counts what any statement does to tickets in its own transaction, and nothing that rolled back", async () => {
    await hub.db
      .transaction(async (tx) => {
        await tx.execute(sql`UPDATE tickets SET status = 'CLOSED' WHERE tenant_id = ${tenantId}`);
        throw new Error("rolled back");
      })
      .catch(() => undefined);
    expect(await countedByEndpoint()).toEqual(await countedOneByOne());
    // A rename of a team moves its tickets' counts with their name, in the rename's transaction.
    const rename = await hub.adminRequest(`/api/admin/tenants/${tenantId}/teams/team_cards`, {
      method: "PUT",
      json: { name: "Card Operations" },
    });
    expect(rename.status).toBe(200);
    await hub.db.execute(sql`DELETE FROM ticket_comments WHERE tenant_id = ${tenantId}`);
    await hub.db.execute(
      sql`DELETE FROM tickets WHERE tenant_id = ${tenantId} AND status = 'CANCELLED'
        AND NOT EXISTS (SELECT 1 FROM claims WHERE claims.ticket_id = tickets.id)`,
    );
    const after = await countedByEndpoint();
    expect(after).toEqual(await countedOneByOne());
    expect(Object.keys(after.teams)).toContain("Card Operations");
    expect(Object.keys(after.teams)).not.toContain("Cards");
  });

  it("needs desk:read", async () => {
    const partner = await hub.createTenantWithKey("ticket-counts-partner", ["omnichannel:read"]);
    const res = await hub.request("/api/v1/desk/ticket-counts", { headers: bearer(partner.key) });
    expect(res.status).toBe(403);
    expect(((await res.json()) as Problem).error.code).toBe("FORBIDDEN");
  });
});
