import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearer, createTestHub, type TestHub } from "../support/testHub.js";
import type { Problem } from "./railSupport.js";

type User = { id: string; name: string; role: string; teamId: string | null; active: boolean };

let hub: TestHub;
let bank: { tenantId: string; key: string };
const base = () => `/api/admin/tenants/${bank.tenantId}`;
async function admin<T>(method: string, path: string, json?: unknown) {
  const res = await hub.adminRequest(path, { method, ...(json === undefined ? {} : { json }) });
  return { status: res.status, body: (await res.json()) as T };
}

beforeAll(async () => {
  hub = await createTestHub();
  bank = await hub.createTenantWithKey("users-bank", ["omni:read", "omni:write"]);
});
afterAll(async () => {
  await hub.close();
});

describe("/api/admin/tenants/{tenantId}/users and /teams", () => {
  it("creates a team and users under the bank's ids, then replaces them (201 then 200)", async () => {
    expect((await admin("PUT", `${base()}/teams/team_sme`, { name: "SME Banking" })).status).toBe(201);
    expect((await admin("PUT", `${base()}/teams/team_sme`, { name: "SME" })).status).toBe(200);
    const teams = await admin<{ data: Array<{ id: string; name: string }> }>("GET", `${base()}/teams`);
    expect(teams.body.data.map((t) => [t.id, t.name])).toEqual([["team_sme", "SME"]]);

    const rm = { name: "Ahmed Al-Rashidi", role: "relationship_manager", teamId: "team_sme" };
    const created = await admin<{ data: User }>("PUT", `${base()}/users/usr_rm_001`, rm);
    expect(created.status).toBe(201);
    expect(created.body.data).toMatchObject({ id: "usr_rm_001", ...rm, active: true });
    const replaced = await admin<{ data: User }>("PUT", `${base()}/users/usr_rm_001`, {
      ...rm,
      active: false,
    });
    expect(replaced.status).toBe(200);
    expect(replaced.body.data.active).toBe(false);
    await admin("PUT", `${base()}/users/usr_ops_001`, { name: "Sara", role: "ops" });
    const list = await admin<{ data: User[]; pagination: unknown }>("GET", `${base()}/users?teamId=team_sme`);
    expect(list.body.data.map((u) => u.id)).toEqual(["usr_rm_001"]);
    expect(list.body.pagination).toEqual({ page: 1, perPage: 50, total: 1 });
    const byRole = await admin<{ data: User[] }>("GET", `${base()}/users?role=ops`);
    expect(byRole.body.data.map((u) => u.id)).toEqual(["usr_ops_001"]);
    const one = await admin<{ data: User }>("GET", `${base()}/users/usr_ops_001`);
    expect(one.body.data).toMatchObject({ name: "Sara", teamId: null });
  });

  it("refuses an unknown team, bad ids and missing fields, naming the field; 404 for unknown users", async () => {
    const noTeam = await admin<Problem>("PUT", `${base()}/users/usr_x`, {
      name: "X",
      role: "r",
      teamId: "team_no",
    });
    expect(noTeam.status).toBe(400);
    expect(noTeam.body.error.fields?.teamId).toMatch(/unknown team/);
    const badId = await admin<Problem>("PUT", `${base()}/users/${encodeURIComponent("bad id!")}`, {
      name: "X",
      role: "r",
    });
    expect(badId.status).toBe(400);
    expect(badId.body.error.fields?.userId).toBeDefined();
    const missing = await admin<Problem>("PUT", `${base()}/users/usr_y`, { role: "r" });
    expect(missing.body.error.fields?.name).toBeDefined();
    expect((await admin<Problem>("GET", `${base()}/users/usr_nobody`)).status).toBe(404);
  });

  it("an inactive user can no longer act in the Rail; the admin routes need the admin token", async () => {
    await admin("PUT", `${base()}/users/usr_gone`, { name: "Gone", role: "r", active: false });
    await admin("PUT", `${base()}/users/usr_here`, { name: "Here", role: "r" });
    const res = await hub.request("/api/v1/omni/delegations", {
      method: "POST",
      headers: { ...bearer(bank.key), "content-type": "application/json" },
      body: JSON.stringify({
        delegatorId: "usr_here",
        delegateeId: "usr_gone",
        scope: ["approvals"],
        validFrom: "2030-01-01T00:00:00Z",
        validTo: "2030-01-02T00:00:00Z",
      }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as Problem).error.fields?.delegateeId).toMatch(/not active/);
    expect((await hub.request(`${base()}/users`, { headers: bearer(bank.key) })).status).toBe(401);
  });
});
