import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { businessCalendars, slaPolicies } from "../src/db/schema/index.js";
import { resolveSlaPolicy } from "../src/sla/service.js";
import { priorities, serviceTypes } from "../src/tickets/vocabulary.js";
import { createTestHub, type TestHub } from "./support/testHub.js";

let hub: TestHub;
let tenantId: string;
beforeAll(async () => {
  hub = await createTestHub();
  tenantId = (await hub.createTenantWithKey("sla-admin-bank", ["omnichannel:read"])).tenantId;
});
afterAll(async () => {
  await hub.close();
});

type PolicyView = {
  serviceType: string | null;
  priority: string;
  responseHours: number;
  resolutionHours: number;
  source: string;
};
type ErrorBody = { error: { code: string; message: string; fields?: Record<string, string> } };

const policiesPath = (tenant: string) => `/api/admin/tenants/${tenant}/sla-policies`;
const calendarPath = (tenant: string) => `/api/admin/tenants/${tenant}/business-calendar`;

async function table(res: Response): Promise<PolicyView[]> {
  expect(res.status).toBe(200);
  return ((await res.json()) as { data: PolicyView[] }).data;
}

function row(rows: PolicyView[], serviceType: string | null, priority: string): PolicyView | undefined {
  return rows.find((r) => r.serviceType === serviceType && r.priority === priority);
}

async function fieldsOf(res: Response): Promise<Record<string, string>> {
  expect(res.status).toBe(400);
  const body = (await res.json()) as ErrorBody;
  expect(body.error.code).toBe("VALIDATION_FAILED");
  return body.error.fields ?? {};
}

describe("SLA policies: happy path", () => {
  it("shows the built-in table for a tenant without rules, by id or slug", async () => {
    const rows = await table(await hub.adminRequest(policiesPath("sla-admin-bank")));
    expect(rows).toHaveLength((serviceTypes.length + 1) * priorities.length);
    expect(row(rows, "TECHNICAL_SUPPORT", "HIGH")).toEqual({
      serviceType: "TECHNICAL_SUPPORT",
      priority: "HIGH",
      responseHours: 6,
      resolutionHours: 24,
      source: "built_in",
    });
    expect(row(rows, "CLAIM", "CRITICAL")).toMatchObject({ responseHours: 2, resolutionHours: 72 });
    expect(row(rows, null, "LOW")).toMatchObject({
      responseHours: 24,
      resolutionHours: 72,
      source: "built_in",
    });
    expect(await table(await hub.adminRequest(policiesPath(tenantId)))).toEqual(rows);
  });

  it("sets rules in hours, overlays them on the defaults, and resolves tickets with them", async () => {
    const res = await hub.adminRequest(policiesPath(tenantId), {
      method: "PUT",
      json: {
        policies: [
          { serviceType: "TECHNICAL_SUPPORT", priority: "HIGH", responseHours: 1.5, resolutionHours: 12 },
          { serviceType: null, priority: "HIGH", responseHours: 4, resolutionHours: 30 },
          { priority: "LOW", responseHours: 48, resolutionHours: 120 },
        ],
      },
    });
    const rows = await table(res);
    expect(row(rows, "TECHNICAL_SUPPORT", "HIGH")).toMatchObject({
      responseHours: 1.5,
      resolutionHours: 12,
      source: "tenant",
    });
    expect(row(rows, "CLAIM", "HIGH")).toMatchObject({
      responseHours: 4,
      resolutionHours: 30,
      source: "tenant_any_service_type",
    });
    expect(row(rows, null, "HIGH")).toMatchObject({ responseHours: 4, source: "tenant" });
    expect(row(rows, "INQUIRY", "LOW")).toMatchObject({ responseHours: 48, resolutionHours: 120 });
    expect(row(rows, "INQUIRY", "MEDIUM")).toMatchObject({ responseHours: 12, source: "built_in" });

    const stored = await hub.db.select().from(slaPolicies).where(eq(slaPolicies.tenantId, tenantId));
    expect(stored.find((r) => r.serviceType === "TECHNICAL_SUPPORT")).toMatchObject({
      responseMinutes: 90,
      resolutionMinutes: 720,
    });
    expect(await resolveSlaPolicy(hub.db, tenantId, "TECHNICAL_SUPPORT", "HIGH")).toMatchObject({
      responseMinutes: 90,
      resolutionMinutes: 720,
    });
  });

  it("updates a rule in place and removes it again", async () => {
    const put = await hub.adminRequest(policiesPath(tenantId), {
      method: "PUT",
      json: {
        policies: [
          { serviceType: "TECHNICAL_SUPPORT", priority: "HIGH", responseHours: 2, resolutionHours: 12 },
        ],
      },
    });
    expect(row(await table(put), "TECHNICAL_SUPPORT", "HIGH")).toMatchObject({ responseHours: 2 });
    const stored = await hub.db.select().from(slaPolicies).where(eq(slaPolicies.tenantId, tenantId));
    expect(stored).toHaveLength(3);

    const removed = await hub.adminRequest(
      `${policiesPath(tenantId)}?serviceType=TECHNICAL_SUPPORT&priority=HIGH`,
      {
        method: "DELETE",
      },
    );
    // The tenant's rule for every service type applies again.
    expect(row(await table(removed), "TECHNICAL_SUPPORT", "HIGH")).toMatchObject({
      responseHours: 4,
      source: "tenant_any_service_type",
    });
    const general = await hub.adminRequest(`${policiesPath(tenantId)}?priority=HIGH`, { method: "DELETE" });
    expect(row(await table(general), "TECHNICAL_SUPPORT", "HIGH")).toMatchObject({
      responseHours: 6,
      source: "built_in",
    });
  });
});

describe("SLA policies: errors", () => {
  const put = (policies: unknown) =>
    hub.adminRequest(policiesPath(tenantId), { method: "PUT", json: { policies } });

  it("names the field that does not fit", async () => {
    expect(
      await fieldsOf(await put([{ priority: "HIGH", responseHours: 0, resolutionHours: 24 }])),
    ).toHaveProperty("policies.0.responseHours");
    expect(
      await fieldsOf(await put([{ priority: "HIGH", responseHours: 1, resolutionHours: -3 }])),
    ).toHaveProperty("policies.0.resolutionHours");
    expect(
      await fieldsOf(await put([{ priority: "URGENT", responseHours: 1, resolutionHours: 2 }])),
    ).toHaveProperty("policies.0.priority");
    expect(
      await fieldsOf(
        await put([{ serviceType: "LOANS", priority: "HIGH", responseHours: 1, resolutionHours: 2 }]),
      ),
    ).toHaveProperty("policies.0.serviceType");
    expect(
      await fieldsOf(await put([{ priority: "HIGH", responseHours: 0.001, resolutionHours: 2 }])),
    ).toHaveProperty("policies.0.responseHours");
    expect(await fieldsOf(await put([]))).toHaveProperty("policies");
  });

  it("refuses a response target beyond the resolution target, and the same rule twice", async () => {
    expect(await fieldsOf(await put([{ priority: "LOW", responseHours: 80, resolutionHours: 72 }]))).toEqual({
      "policies.0.responseHours": "must not exceed resolutionHours",
    });
    const twice = await put([
      { serviceType: "CLAIM", priority: "LOW", responseHours: 1, resolutionHours: 2 },
      { serviceType: "CLAIM", priority: "LOW", responseHours: 3, resolutionHours: 4 },
    ]);
    expect(await fieldsOf(twice)).toHaveProperty("policies.1.priority");
    const stored = await hub.db.select().from(slaPolicies).where(eq(slaPolicies.serviceType, "CLAIM"));
    expect(stored).toEqual([]);
  });

  it("answers 404 for an unknown tenant or a rule that does not exist", async () => {
    expect((await hub.adminRequest(policiesPath("no-such-bank"))).status).toBe(404);
    const res = await hub.adminRequest(`${policiesPath(tenantId)}?serviceType=ATM_ISSUE&priority=CRITICAL`, {
      method: "DELETE",
    });
    expect(res.status).toBe(404);
    expect(((await res.json()) as ErrorBody).error.message).toBe("SLA rule not found");
  });
});

describe("business calendar", () => {
  const office = {
    timezone: "asia/makassar",
    workingDays: [5, 1, 2, 3, 4],
    dayStartMinute: 480,
    dayEndMinute: 1020,
    holidays: ["2025-08-17", "2024-12-25", "2025-08-17"],
  };

  it("is every hour of every day until set, then what was set, and back again", async () => {
    const initial = await hub.adminRequest(calendarPath("sla-admin-bank"));
    expect(initial.status).toBe(200);
    expect(await initial.json()).toEqual({
      data: {
        timezone: "UTC",
        workingDays: [1, 2, 3, 4, 5, 6, 7],
        dayStartMinute: 0,
        dayEndMinute: 1440,
        holidays: [],
        isDefault: true,
      },
    });

    const set = await hub.adminRequest(calendarPath(tenantId), { method: "PUT", json: office });
    expect(set.status).toBe(200);
    const expected = {
      timezone: "Asia/Makassar",
      workingDays: [1, 2, 3, 4, 5],
      dayStartMinute: 480,
      dayEndMinute: 1020,
      holidays: ["2024-12-25", "2025-08-17"],
      isDefault: false,
    };
    expect(await set.json()).toEqual({ data: expected });
    expect(await (await hub.adminRequest(calendarPath(tenantId))).json()).toEqual({ data: expected });

    const reset = await hub.adminRequest(calendarPath(tenantId), { method: "DELETE" });
    expect(reset.status).toBe(200);
    expect(((await reset.json()) as { data: { isDefault: boolean } }).data.isDefault).toBe(true);
    expect(
      await hub.db.select().from(businessCalendars).where(eq(businessCalendars.tenantId, tenantId)),
    ).toEqual([]);
  });

  it("names the field that does not fit", async () => {
    const put = (patch: Record<string, unknown>) =>
      hub.adminRequest(calendarPath(tenantId), { method: "PUT", json: { ...office, ...patch } });
    expect(await fieldsOf(await put({ timezone: "Mars/Olympus_Mons" }))).toEqual({
      timezone: "is not a known IANA time zone, e.g. Asia/Makassar",
    });
    expect(await fieldsOf(await put({ workingDays: [] }))).toEqual({
      workingDays: "must name at least one working day",
    });
    expect(await fieldsOf(await put({ workingDays: [0, 8] }))).toHaveProperty("workingDays.0");
    expect(await fieldsOf(await put({ workingDays: [1, 1] }))).toEqual({ workingDays: "names a day twice" });
    expect(await fieldsOf(await put({ dayStartMinute: 1020, dayEndMinute: 480 }))).toEqual({
      dayEndMinute: "must be after dayStartMinute",
    });
    expect(await fieldsOf(await put({ dayEndMinute: 1441 }))).toHaveProperty("dayEndMinute");
    expect(await fieldsOf(await put({ holidays: ["2025-02-30"] }))).toEqual({
      "holidays.0": "must be a date as YYYY-MM-DD",
    });
    expect(
      await hub.db.select().from(businessCalendars).where(eq(businessCalendars.tenantId, tenantId)),
    ).toEqual([]);
  });

  it("answers 404 for an unknown tenant", async () => {
    expect((await hub.adminRequest(calendarPath("no-such-bank"))).status).toBe(404);
    expect(
      (await hub.adminRequest(calendarPath("no-such-bank"), { method: "PUT", json: office })).status,
    ).toBe(404);
  });
});

describe("security", () => {
  const validPolicies = { policies: [{ priority: "CRITICAL", responseHours: 1, resolutionHours: 2 }] };
  const validCalendar = {
    timezone: "UTC",
    workingDays: [1],
    dayStartMinute: 0,
    dayEndMinute: 60,
    holidays: [],
  };
  const routes: Array<[string, string, unknown?]> = [
    ["GET", policiesPath("sla-admin-bank")],
    ["PUT", policiesPath("sla-admin-bank"), validPolicies],
    ["DELETE", `${policiesPath("sla-admin-bank")}?priority=LOW`],
    ["GET", calendarPath("sla-admin-bank")],
    ["PUT", calendarPath("sla-admin-bank"), validCalendar],
    ["DELETE", calendarPath("sla-admin-bank")],
  ];

  it("answers 401 without the admin token, with a tenant's API key, or with a wrong token", async () => {
    const { key } = await hub.createTenantWithKey("sla-admin-intruder", ["admin"]);
    for (const [method, path, body] of routes) {
      const credentials: Array<Record<string, string>> = [
        {},
        { authorization: `Bearer ${key}` },
        { authorization: "Bearer not-the-token" },
      ];
      for (const headers of credentials) {
        const res = await hub.request(path, {
          method,
          headers: { ...headers, "content-type": "application/json" },
          ...(body ? { body: JSON.stringify(body) } : {}),
        });
        expect(res.status, `${method} ${path}`).toBe(401);
      }
    }
    expect(await hub.db.select().from(slaPolicies).where(eq(slaPolicies.priority, "CRITICAL"))).toEqual([]);
    expect(await hub.db.select().from(slaPolicies).where(eq(slaPolicies.priority, "LOW"))).toHaveLength(1);
    expect(await hub.db.select().from(businessCalendars)).toEqual([]);
  });

  it("lists the routes in the OpenAPI document, secured by the admin token", async () => {
    const doc = (await (await hub.request("/openapi.json")).json()) as {
      paths: Record<string, Record<string, { security?: unknown }>>;
    };
    for (const path of [
      "/api/admin/tenants/{tenantId}/sla-policies",
      "/api/admin/tenants/{tenantId}/business-calendar",
    ]) {
      for (const method of ["get", "put", "delete"]) {
        expect(doc.paths[path]?.[method]?.security, `${method} ${path}`).toEqual([{ adminToken: [] }]);
      }
    }
  });
});
