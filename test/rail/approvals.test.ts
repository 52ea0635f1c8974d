import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { events } from "../../src/db/schema/index.js";
import { hasApprovedApproval } from "../../src/rail/approvals/service.js";
import { createTestHub, type TestHub } from "../support/testHub.js";
import { railDocExamples } from "./railDocExamples.js";
import { call, docUsers, isoIn, type Problem, seedUsers } from "./railSupport.js";

type Approval = {
  id: string;
  status: string;
  entityType: string;
  entityId: string;
  approvalType: string;
  requestedBy: string;
  approvers: Array<{ userId: string; role: string; required: boolean; decision: string | null }>;
  approvalData: Record<string, unknown>;
  expiresAt: string | null;
  decisions: Array<{
    approverId: string;
    decidedBy: string;
    onBehalfOf: string | null;
    delegationId: string | null;
    decision: string;
    comment: string | null;
  }>;
};
type One = { data: Approval };
type Page = { data: Approval[]; pagination: { page: number; perPage: number; total: number } };

let hub: TestHub;
let bank: { tenantId: string; key: string };
let other: { tenantId: string; key: string };
const path = "/api/v1/omni/approvals";
const open = { ...railDocExamples.approval, expiresAt: isoIn(48) };

async function request(body: Record<string, unknown> = open): Promise<Approval> {
  const res = await call<One>(hub, bank.key, "POST", path, body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.data;
}
const decide = (id: string, verb: "approve" | "reject", body: Record<string, unknown>) =>
  call<One & Problem>(hub, bank.key, "POST", `${path}/${id}/${verb}`, body);
async function delegate(extra: Record<string, unknown> = {}) {
  const res = await call<{ data: { id: string } }>(hub, bank.key, "POST", "/api/v1/omni/delegations", {
    delegatorId: "usr_credit_001",
    delegateeId: "usr_deputy_002",
    scope: ["approvals"],
    maxApprovalAmount: { amount: 5_000_000, currency: "SAR" },
    validFrom: isoIn(-1),
    validTo: isoIn(24),
    ...extra,
  });
  expect(res.status).toBe(201);
  return res.body.data.id;
}
const eventTypesOf = async (id: string) =>
  (await hub.db.select().from(events).where(eq(events.subjectId, id))).map((e) => e.type).sort();

beforeAll(async () => {
  hub = await createTestHub();
  bank = await hub.createTenantWithKey("appr-bank", ["omni:read", "omni:write"]);
  other = await hub.createTenantWithKey("appr-other", ["omni:read", "omni:write"]);
  await seedUsers(hub, bank.tenantId, docUsers);
});
afterAll(async () => {
  await hub.close();
});

describe("POST /api/v1/omni/approvals", () => {
  it("takes the document's examples as written; a past expiresAt reads expired at once", async () => {
    for (const example of [railDocExamples.approval, railDocExamples.approvalSdk]) {
      const a = await request(example);
      expect(a.id).toMatch(/^apr_/);
      expect(a).toMatchObject({
        status: "expired",
        entityType: "journey",
        entityId: "jrn_abc123",
        approvalType: "credit_committee",
        requestedBy: "usr_rm_001",
        expiresAt: "2024-01-18T17:00:00.000Z",
        decisions: [],
      });
      expect(a.approvers[0]).toEqual({
        userId: "usr_credit_001",
        role: "primary",
        required: true,
        decision: null,
        decidedAt: null,
      });
    }
    const full = await request();
    expect(full.status).toBe("requested");
    expect(full.approvalData).toEqual(railDocExamples.approval.approvalData);
    expect(await eventTypesOf(full.id)).toEqual(["omni.approval.requested"]);
  });

  it("refuses unknown users, repeated approvers, no required approver and unknown entity types", async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ requestedBy: "usr_ghost" }, "requestedBy"],
      [{ approvers: [{ userId: "usr_ghost", role: "primary", required: true }] }, "approvers.0.userId"],
      [
        {
          approvers: [
            { userId: "usr_credit_001", role: "primary", required: true },
            { userId: "usr_credit_001", role: "secondary", required: false },
          ],
        },
        "approvers.1.userId",
      ],
      [{ approvers: [{ userId: "usr_credit_001", role: "primary", required: false }] }, "approvers"],
      [{ approvers: [] }, "approvers"],
      [{ entityType: "spaceship" }, "entityType"],
      [{ expiresAt: "tomorrow" }, "expiresAt"],
    ];
    for (const [change, field] of cases) {
      const res = await call<Problem>(hub, bank.key, "POST", path, { ...open, ...change });
      expect(res.status, JSON.stringify(change)).toBe(400);
      expect(Object.keys(res.body.error.fields ?? {}), JSON.stringify(change)).toContain(field);
    }
  });
});

describe("deciding", () => {
  it("is approved only when every required approver approved; an optional approver is not awaited", async () => {
    const two = await request({
      ...open,
      approvers: [
        { userId: "usr_credit_001", role: "primary", required: true },
        { userId: "usr_credit_002", role: "secondary", required: true },
        { userId: "usr_manager_001", role: "observer", required: false },
      ],
    });
    const first = await decide(two.id, "approve", { approverId: "usr_credit_001", comment: "ok" });
    expect(first.status).toBe(200);
    expect(first.body.data.status).toBe("requested");
    const optionalNo = await decide(two.id, "reject", { approverId: "usr_manager_001" });
    expect(optionalNo.body.data.status).toBe("requested");
    const last = await decide(two.id, "approve", { approverId: "usr_credit_002" });
    expect(last.body.data.status).toBe("approved");
    expect(last.body.data.decisions.map((d) => [d.approverId, d.decision])).toEqual([
      ["usr_credit_001", "approved"],
      ["usr_manager_001", "rejected"],
      ["usr_credit_002", "approved"],
    ]);
    expect(await eventTypesOf(two.id)).toEqual(["omni.approval.approved", "omni.approval.requested"]);
    const closed = await decide(two.id, "reject", { approverId: "usr_credit_001" });
    expect(closed.status).toBe(409);
  });

  it("is rejected by any required approver's rejection", async () => {
    const a = await request();
    const res = await decide(a.id, "reject", { approverId: "usr_credit_001", comment: "Too risky" });
    expect(res.body.data.status).toBe("rejected");
    expect(await eventTypesOf(a.id)).toEqual(["omni.approval.rejected", "omni.approval.requested"]);
    const got = await call<One>(hub, bank.key, "GET", `${path}/${a.id}`);
    expect(got.body.data.decisions[0]).toMatchObject({ decidedBy: "usr_credit_001", comment: "Too risky" });
  });

  it("refuses non-approvers (403), a second decision by one approver (409) and expired approvals (409)", async () => {
    const a = await request();
    const stranger = await decide(a.id, "approve", { approverId: "usr_rm_001" });
    expect(stranger.status).toBe(403);
    expect(stranger.body.error.fields?.approverId).toBeDefined();
    await decide(a.id, "approve", { approverId: "usr_credit_002" });
    const twice = await decide(a.id, "reject", { approverId: "usr_credit_002" });
    expect(twice.status).toBe(409);
    const expired = await request(railDocExamples.approval);
    const late = await decide(expired.id, "approve", { approverId: "usr_credit_001" });
    expect(late.status).toBe(409);
    expect(late.body.error.message).toMatch(/expired/);
    expect((await decide("apr_nope", "approve", { approverId: "usr_credit_001" })).status).toBe(404);
  });

  it("lets a delegatee decide on behalf only within an active delegation covering approvals and the amount", async () => {
    const a = await request();
    const body = { approverId: "usr_deputy_002", onBehalfOf: "usr_credit_001" };
    const none = await decide(a.id, "approve", body);
    expect(none.status).toBe(403);
    expect(none.body.error.fields?.onBehalfOf).toMatch(/no active delegation/);
    await delegate({ scope: ["journeys"] });
    expect((await decide(a.id, "approve", body)).status).toBe(403);
    await delegate({ maxApprovalAmount: { amount: 500000, currency: "SAR" } });
    const small = await decide(a.id, "approve", body);
    expect(small.status).toBe(403);
    expect(small.body.error.fields?.onBehalfOf).toMatch(/does not cover 2000000 SAR/);
    await delegate({ maxApprovalAmount: { amount: 9_000_000, currency: "USD" } });
    expect((await decide(a.id, "approve", body)).status).toBe(403);
    await delegate({ validFrom: isoIn(2), validTo: isoIn(4) });
    expect((await decide(a.id, "approve", body)).status).toBe(403);
    const revoked = await delegate();
    await call(hub, bank.key, "POST", `/api/v1/omni/delegations/${revoked}/revoke`, {
      revokedBy: "usr_credit_001",
    });
    expect((await decide(a.id, "approve", body)).status).toBe(403);

    const good = await delegate({ scope: ["all"] });
    const ok = await decide(a.id, "approve", { ...body, comment: "for Fatima" });
    expect(ok.status).toBe(200);
    expect(ok.body.data.status).toBe("approved");
    expect(ok.body.data.decisions[0]).toMatchObject({
      approverId: "usr_credit_001",
      decidedBy: "usr_deputy_002",
      onBehalfOf: "usr_credit_001",
      delegationId: good,
    });
    const [event] = await hub.db
      .select()
      .from(events)
      .where(and(eq(events.subjectId, a.id), eq(events.type, "omni.approval.approved")));
    expect(event?.actorId).toBe("usr_deputy_002");
    expect(event?.payload).toMatchObject({ decidedBy: "usr_deputy_002", onBehalfOf: "usr_credit_001" });
  });

  it("keeps decisions in an audit trail the database refuses to change or delete", async () => {
    const a = await request();
    await decide(a.id, "reject", { approverId: "usr_credit_002" });
    await expect(hub.db.execute(sql`UPDATE approval_decisions SET decision = 'approved'`)).rejects.toThrow();
    await expect(hub.db.execute(sql`DELETE FROM approval_decisions`)).rejects.toThrow();
    const got = await call<One>(hub, bank.key, "GET", `${path}/${a.id}`);
    expect(got.body.data.decisions).toHaveLength(1);
    expect(got.body.data.decisions[0]?.decision).toBe("rejected");
  });

  it("applies concurrent decisions one after the other: both count, one approved event; one approver cannot decide twice", async () => {
    const a = await request({
      ...open,
      approvers: [
        { userId: "usr_credit_001", role: "primary", required: true },
        { userId: "usr_credit_002", role: "secondary", required: true },
      ],
    });
    const [x, y] = await Promise.all([
      decide(a.id, "approve", { approverId: "usr_credit_001" }),
      decide(a.id, "approve", { approverId: "usr_credit_002" }),
    ]);
    expect([x.status, y.status]).toEqual([200, 200]);
    const got = await call<One>(hub, bank.key, "GET", `${path}/${a.id}`);
    expect(got.body.data.status).toBe("approved");
    expect(await eventTypesOf(a.id)).toEqual(["omni.approval.approved", "omni.approval.requested"]);

    const b = await request();
    const both = await Promise.all([
      decide(b.id, "approve", { approverId: "usr_credit_002" }),
      decide(b.id, "reject", { approverId: "usr_credit_002" }),
    ]);
    expect(both.map((r) => r.status).sort()).toEqual([200, 409]);
    expect((await call<One>(hub, bank.key, "GET", `${path}/${b.id}`)).body.data.decisions).toHaveLength(1);
  });
});

describe("GET /api/v1/omni/approvals and the journeys gate", () => {
  it("filters by status (as of now), approverId, requesterId and entityType; other tenants see nothing", async () => {
    const fresh = await hub.createTenantWithKey("appr-list", ["omni:read", "omni:write"]);
    await seedUsers(hub, fresh.tenantId, docUsers);
    const post = async (body: Record<string, unknown>) =>
      (await call<One>(hub, fresh.key, "POST", path, body)).body.data;
    const pending = await post(open);
    const expired = await post(railDocExamples.approval);
    const payment = await post({
      ...open,
      entityType: "payment",
      entityId: "pay_1",
      requestedBy: "usr_manager_001",
      approvers: [{ userId: "usr_deputy_002", role: "primary", required: true }],
    });
    await call(hub, fresh.key, "POST", `${path}/${payment.id}/approve`, { approverId: "usr_deputy_002" });
    const ids = async (q: string) => {
      const res = await call<Page>(hub, fresh.key, "GET", `${path}?${q}`);
      expect(res.status).toBe(200);
      return res.body.data.map((a) => a.id);
    };
    expect(await ids("")).toEqual([payment.id, expired.id, pending.id]);
    expect(await ids("status=requested")).toEqual([pending.id]);
    expect(await ids("status=expired")).toEqual([expired.id]);
    expect(await ids("status=approved")).toEqual([payment.id]);
    expect(await ids("approverId=usr_credit_002")).toEqual([expired.id, pending.id]);
    expect(await ids("requesterId=usr_manager_001")).toEqual([payment.id]);
    expect(await ids("entityType=journey&perPage=1")).toEqual([expired.id]);
    const page = await call<Page>(hub, fresh.key, "GET", `${path}?perPage=2&page=2`);
    expect(page.body.pagination).toEqual({ page: 2, perPage: 2, total: 3 });
    expect((await call<Page>(hub, other.key, "GET", path)).body.data).toEqual([]);
    expect((await call<Problem>(hub, other.key, "GET", `${path}/${pending.id}`)).status).toBe(404);
  });

  it("hasApprovedApproval answers true only once the journey's approval is approved", async () => {
    const a = await request({ ...open, entityId: "jrn_gate" });
    expect(await hasApprovedApproval(hub.db, bank.tenantId, "jrn_gate")).toBe(false);
    await decide(a.id, "approve", { approverId: "usr_credit_001" });
    expect(await hasApprovedApproval(hub.db, bank.tenantId, "jrn_gate")).toBe(true);
    expect(await hasApprovedApproval(hub.db, other.tenantId, "jrn_gate")).toBe(false);
  });
});
