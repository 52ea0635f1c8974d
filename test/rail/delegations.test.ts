import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { events } from "../../src/db/schema/index.js";
import { createTestHub, type TestHub } from "../support/testHub.js";
import { railDocExamples } from "./railDocExamples.js";
import { call, docUsers, isoIn, type Problem, seedUsers } from "./railSupport.js";

type Delegation = {
  id: string;
  status: string;
  delegatorId: string;
  delegateeId: string;
  scope: string[];
  maxApprovalAmount: { amount: number; currency: string } | null;
  validFrom: string;
  validTo: string;
  createdAt: string;
  revokedBy: string | null;
};
type One = { data: Delegation };
type Page = { data: Delegation[]; pagination: { page: number; perPage: number; total: number } };

let hub: TestHub;
let bank: { tenantId: string; key: string };
let other: { tenantId: string; key: string };
let readOnly: { tenantId: string; key: string };
const path = "/api/v1/omni/delegations";
const window = (fromH: number, toH: number) => ({ validFrom: isoIn(fromH), validTo: isoIn(toH) });

beforeAll(async () => {
  hub = await createTestHub();
  bank = await hub.createTenantWithKey("deleg-bank", ["omni:read", "omni:write"]);
  other = await hub.createTenantWithKey("deleg-other", ["omni:read", "omni:write"]);
  readOnly = { ...bank, key: (await hub.createTenantWithKey("deleg-ro", ["omni:read"])).key };
  await seedUsers(hub, bank.tenantId, docUsers);
});
afterAll(async () => {
  await hub.close();
});

describe("POST /api/v1/omni/delegations", () => {
  it("takes the document's example as written and answers the documented shape", async () => {
    const res = await call<One>(hub, bank.key, "POST", path, railDocExamples.delegation);
    expect(res.status).toBe(201);
    const d = res.body.data;
    expect(d.id).toMatch(/^del_/);
    expect(d).toMatchObject({
      delegatorId: "usr_manager_001",
      delegateeId: "usr_deputy_002",
      scope: ["approvals", "journey_assign"],
      maxApprovalAmount: { amount: 500000, currency: "SAR" },
      validFrom: "2024-01-15T00:00:00.000Z",
      validTo: "2024-01-22T23:59:59.000Z",
    });
    // Its window is in the past now: the status says so at once, without a job.
    expect(d.status).toBe("expired");
    expect(typeof d.createdAt).toBe("string");
    const sdk = await call<One>(hub, bank.key, "POST", path, railDocExamples.delegationSdk);
    expect(sdk.status).toBe(201);
    expect(sdk.body.data.maxApprovalAmount).toBeNull();
  });

  it("is active inside its window, scheduled before it, and emits omni.delegation.granted", async () => {
    const active = await call<One>(hub, bank.key, "POST", path, {
      ...railDocExamples.delegation,
      ...window(-1, 24),
    });
    expect(active.body.data.status).toBe("active");
    const scheduled = await call<One>(hub, bank.key, "POST", path, {
      ...railDocExamples.delegation,
      ...window(5, 24),
    });
    expect(scheduled.body.data.status).toBe("scheduled");
    const rows = await hub.db.select().from(events).where(eq(events.subjectId, active.body.data.id));
    expect(rows.map((e) => e.type)).toEqual(["omni.delegation.granted"]);
    expect(rows[0]).toMatchObject({
      actorType: "user",
      actorId: "usr_manager_001",
      subjectType: "delegation",
    });
  });

  it("refuses delegator = delegatee, an empty window, unknown scopes and unknown users, naming the field", async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ delegateeId: "usr_manager_001" }, "delegateeId"],
      [{ validFrom: "2024-01-22T00:00:00Z", validTo: "2024-01-15T00:00:00Z" }, "validTo"],
      [{ validTo: "2024-01-15T00:00:00Z" }, "validTo"],
      [{ scope: ["approvals", "everything"] }, "scope.1"],
      [{ scope: [] }, "scope"],
      [{ delegateeId: "usr_nobody" }, "delegateeId"],
      [{ validFrom: "next monday" }, "validFrom"],
      [{ maxApprovalAmount: { amount: 5, currency: "riyal" } }, "maxApprovalAmount.currency"],
    ];
    for (const [change, field] of cases) {
      const res = await call<Problem>(hub, bank.key, "POST", path, {
        ...railDocExamples.delegation,
        ...change,
      });
      expect(res.status, JSON.stringify(change)).toBe(400);
      expect(res.body.error.code).toBe("VALIDATION_FAILED");
      expect(Object.keys(res.body.error.fields ?? {}), JSON.stringify(change)).toContain(field);
    }
  });

  it("needs omni:write; another tenant's users are unknown here", async () => {
    const ro = await call<Problem>(hub, readOnly.key, "POST", path, railDocExamples.delegation);
    expect(ro.status).toBe(403);
    const elsewhere = await call<Problem>(hub, other.key, "POST", path, railDocExamples.delegation);
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.body.error.fields?.delegatorId).toMatch(/unknown user/);
  });
});

describe("GET /api/v1/omni/delegations and /{id}", () => {
  it("filters by delegator, delegatee, scope and status as of now, with pagination", async () => {
    await hub.adminRequest(`/api/admin/tenants/${bank.tenantId}/users/usr_a`, {
      method: "PUT",
      json: { name: "A", role: "staff" },
    });
    const mk = (extra: Record<string, unknown>) =>
      call<One>(hub, bank.key, "POST", path, {
        ...railDocExamples.delegation,
        delegatorId: "usr_a",
        ...extra,
      });
    const active = (await mk({ ...window(-1, 2), scope: ["journeys"] })).body.data;
    const expired = (await mk({ ...window(-5, -1) })).body.data;
    const scheduled = (await mk({ ...window(3, 5) })).body.data;
    const list = await call<Page>(hub, bank.key, "GET", `${path}?delegatorId=usr_a`);
    expect(list.status).toBe(200);
    expect(list.body.pagination).toEqual({ page: 1, perPage: 20, total: 3 });
    expect(list.body.data.map((d) => d.id)).toEqual([scheduled.id, expired.id, active.id]);
    const ids = async (q: string) =>
      (await call<Page>(hub, bank.key, "GET", `${path}?delegatorId=usr_a&${q}`)).body.data.map((d) => d.id);
    expect(await ids("status=active")).toEqual([active.id]);
    expect(await ids("status=expired")).toEqual([expired.id]);
    expect(await ids("status=scheduled")).toEqual([scheduled.id]);
    expect(await ids("scope=journeys")).toEqual([active.id]);
    expect(await ids("scope=approvals")).toEqual([scheduled.id, expired.id]);
    expect(await ids("delegateeId=usr_deputy_002&perPage=1&page=2")).toEqual([expired.id]);
    const bad = await call<Problem>(hub, bank.key, "GET", `${path}?status=sleeping`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields?.status).toBeDefined();
    const one = await call<One>(hub, bank.key, "GET", `${path}/${active.id}`);
    expect(one.body.data).toEqual(active);
    expect((await call<Problem>(hub, other.key, "GET", `${path}/${active.id}`)).status).toBe(404);
  });
});

describe("POST /api/v1/omni/delegations/{id}/revoke", () => {
  it("revokes an active delegation once, with its event; a second revoke or an expired one is 409", async () => {
    const d = (
      await call<One>(hub, bank.key, "POST", path, { ...railDocExamples.delegation, ...window(-1, 5) })
    ).body.data;
    const revoke = { revokedBy: "usr_manager_001", reason: "Back early" };
    const res = await call<One>(hub, bank.key, "POST", `${path}/${d.id}/revoke`, revoke);
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ status: "revoked", revokedBy: "usr_manager_001" });
    const again = await call<Problem>(hub, bank.key, "POST", `${path}/${d.id}/revoke`, revoke);
    expect(again.status).toBe(409);
    const types = (await hub.db.select().from(events).where(eq(events.subjectId, d.id))).map((e) => e.type);
    expect(types.sort()).toEqual(["omni.delegation.granted", "omni.delegation.revoked"]);
    const old = (await call<One>(hub, bank.key, "POST", path, railDocExamples.delegation)).body.data;
    expect((await call<Problem>(hub, bank.key, "POST", `${path}/${old.id}/revoke`, revoke)).status).toBe(409);
    const unknown = await call<Problem>(hub, bank.key, "POST", `${path}/del_nope/revoke`, revoke);
    expect(unknown.status).toBe(404);
    const d2 = (
      await call<One>(hub, bank.key, "POST", path, { ...railDocExamples.delegation, ...window(-1, 5) })
    ).body.data;
    const nobody = await call<Problem>(hub, bank.key, "POST", `${path}/${d2.id}/revoke`, {
      revokedBy: "usr_ghost",
    });
    expect(nobody.status).toBe(400);
    expect(nobody.body.error.fields?.revokedBy).toMatch(/unknown user/);
  });
});
