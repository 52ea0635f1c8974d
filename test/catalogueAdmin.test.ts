import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearer, createTestHub, type TestHub } from "./support/testHub.js";

type Service = {
  serviceType: string;
  name: string;
  supportGroup: string;
  defaultTeam: string;
  source: string;
};
type Branch = { code: string; name: string; source: string };
type Problem = { error: { code: string; message: string; fields?: Record<string, string> } };

let hub: TestHub;
let bank: { tenantId: string; key: string };
let other: { tenantId: string; key: string };
const partnerScopes = ["omnichannel:create", "omnichannel:read", "omnichannel:update", "desk:read"];

async function admin<T>(method: string, path: string, json?: unknown) {
  const res = await hub.adminRequest(path, { method, ...(json === undefined ? {} : { json }) });
  return { status: res.status, body: (await res.json()) as T };
}
const services = (tenant: string) => `/api/admin/tenants/${tenant}/services`;
const branches = (tenant: string) => `/api/admin/tenants/${tenant}/branches`;

async function partnerTicket(key: string, body: Record<string, unknown>) {
  const res = await hub.request("/api/omnichannel/tickets", {
    method: "POST",
    headers: { ...bearer(key), "content-type": "application/json" },
    body: JSON.stringify({
      channel: "EMAIL",
      serviceType: "MOBILE_BANKING",
      customer: { name: "Sarah Johnson", email: "sarah.j@email.com" },
      ticket: { description: "App crashes every time I try to check balance" },
      ...body,
    }),
  });
  expect(res.status).toBe(201);
  return (await res.json()) as {
    ticketNumber: string;
    metadata: { assignedTo: string; supportGroup: string };
  };
}

async function get<T>(key: string, path: string): Promise<T> {
  return (await (await hub.request(path, { headers: bearer(key) })).json()) as T;
}

beforeAll(async () => {
  hub = await createTestHub();
  bank = await hub.createTenantWithKey("catalogue-bank", partnerScopes);
  other = await hub.createTenantWithKey("catalogue-other", partnerScopes);
});
afterAll(async () => {
  await hub.close();
});

describe("GET /api/admin/tenants/{tenantId}/services and /branches", () => {
  it("shows every service type and the head office from the defaults", async () => {
    const list = await admin<{ data: Service[] }>("GET", services("catalogue-bank"));
    expect(list.status).toBe(200);
    expect(list.body.data).toHaveLength(14);
    expect(list.body.data.every((s) => s.source === "default")).toBe(true);
    expect(list.body.data.find((s) => s.serviceType === "MOBILE_BANKING")).toEqual({
      serviceType: "MOBILE_BANKING",
      name: "Mobile Banking Support",
      supportGroup: "Technical Support",
      defaultTeam: "IT Support Team",
      source: "default",
    });
    const b = await admin<{ data: Branch[] }>("GET", branches(bank.tenantId));
    expect(b.body.data).toEqual([{ code: "001", name: "Kantor Pusat", source: "default" }]);
  });

  it("404 for an unknown tenant, 401 without the admin token, even with a tenant key", async () => {
    const res = await admin<Problem>("GET", services("no-such-bank"));
    expect(res.status).toBe(404);
    expect(res.body.error.message).toBe("Tenant not found");
    expect((await hub.request(services(bank.tenantId), { headers: bearer(bank.key) })).status).toBe(401);
    const put = await hub.request(branches(bank.tenantId), {
      method: "PUT",
      headers: { ...bearer(bank.key), "content-type": "application/json" },
      body: JSON.stringify({ branches: [{ code: "999", name: "Mallory" }] }),
    });
    expect(put.status).toBe(401);
  });
});

describe("PUT /api/admin/tenants/{tenantId}/services", () => {
  it("renames a tenant's service: new tickets, the partner detail and the desk carry it", async () => {
    const put = await admin<{ data: Service[] }>("PUT", services("catalogue-bank"), {
      services: [
        {
          serviceType: "MOBILE_BANKING",
          name: "Digital Channels Support",
          supportGroup: "Digital Banking",
          defaultTeam: "Digital Squad",
        },
      ],
    });
    expect(put.status).toBe(200);
    expect(put.body.data.find((s) => s.serviceType === "MOBILE_BANKING")).toMatchObject({
      name: "Digital Channels Support",
      source: "tenant",
    });
    expect(put.body.data.filter((s) => s.source === "tenant")).toHaveLength(1);

    const created = await partnerTicket(bank.key, {});
    expect(created.metadata).toMatchObject({ supportGroup: "Digital Banking", assignedTo: "Digital Squad" });
    const detail = await get<{ service: object; currentAssignee: string }>(
      bank.key,
      `/api/omnichannel/tickets/${created.ticketNumber}`,
    );
    expect(detail.service).toEqual({ name: "Digital Channels Support", supportGroup: "Digital Banking" });
    expect(detail.currentAssignee).toBe("Digital Squad");
    const desk = await get<{ data: { assignedTeam: string; service: object } }>(
      bank.key,
      `/api/v1/desk/tickets/${created.ticketNumber}`,
    );
    expect(desk.data.assignedTeam).toBe("Digital Squad");
    expect(desk.data.service).toEqual({
      name: "Digital Channels Support",
      supportGroup: "Digital Banking",
      defaultTeam: "Digital Squad",
    });

    const elsewhere = await partnerTicket(other.key, {});
    expect(elsewhere.metadata).toMatchObject({
      supportGroup: "Technical Support",
      assignedTo: "IT Support Team",
    });
  });

  it("updates a row it set before and keeps the entries a later PUT leaves out", async () => {
    const entry = {
      serviceType: "CARD_ISSUE",
      name: "Cards",
      supportGroup: "Cards",
      defaultTeam: "Card Desk",
    };
    await admin("PUT", services(bank.tenantId), { services: [entry] });
    const res = await admin<{ data: Service[] }>("PUT", services(bank.tenantId), {
      services: [{ ...entry, defaultTeam: "Card Desk 2" }],
    });
    const own = res.body.data.filter((s) => s.source === "tenant");
    expect(own.map((s) => [s.serviceType, s.defaultTeam])).toEqual([
      ["CARD_ISSUE", "Card Desk 2"],
      ["MOBILE_BANKING", "Digital Squad"],
    ]);
  });

  it("400 naming each field that does not fit, and nothing is stored", async () => {
    const cases: Array<[unknown, Record<string, string>]> = [
      [
        { services: [{ serviceType: "MOBILE_BANKING", supportGroup: "x", defaultTeam: "y" }] },
        { "services.0.name": "is required" },
      ],
      [
        { services: [{ serviceType: "LOANS", name: "Loans", supportGroup: "x", defaultTeam: "y" }] },
        { "services.0.serviceType": expect.stringContaining("must be one of CLAIM") },
      ],
      [{ services: [] }, { services: "must not be empty" }],
      [{ services: { serviceType: "OTHER" } }, { services: "must be a list" }],
      [
        [{ serviceType: "OTHER", name: "a", supportGroup: "b", defaultTeam: "c" }],
        { body: 'must be an object: { "services": [...] }' },
      ],
    ];
    for (const [body, fields] of cases) {
      const res = await admin<Problem>("PUT", services(bank.tenantId), body);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: "VALIDATION_FAILED", fields });
    }
    const twice = { serviceType: "OTHER", name: "a", supportGroup: "b", defaultTeam: "c" };
    const dup = await admin<Problem>("PUT", services(bank.tenantId), { services: [twice, twice] });
    expect(dup.body.error.fields).toEqual({ "services.1.serviceType": "appears twice" });
    const list = await admin<{ data: Service[] }>("GET", services(bank.tenantId));
    expect(list.body.data.find((s) => s.serviceType === "OTHER")?.source).toBe("default");
  });
});

describe("PUT /api/admin/tenants/{tenantId}/branches", () => {
  it("adds and renames branches; partners see the branch name on their tickets", async () => {
    const res = await admin<{ data: Branch[] }>("PUT", branches("catalogue-bank"), {
      branches: [
        { code: "015", name: "KCP Sudirman" },
        { code: "001", name: "Head Office" },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual([
      { code: "001", name: "Head Office", source: "tenant" },
      { code: "015", name: "KCP Sudirman", source: "tenant" },
    ]);
    const created = await partnerTicket(bank.key, {
      serviceType: "COMPLAINT",
      customer: { name: "Robert Kim", email: "robert.kim@email.com", branchCode: "015" },
    });
    const detail = await get<{ branch: object }>(
      bank.key,
      `/api/omnichannel/tickets/${created.ticketNumber}`,
    );
    expect(detail.branch).toEqual({ name: "KCP Sudirman", code: "015" });
    const otherList = await admin<{ data: Branch[] }>("GET", branches(other.tenantId));
    expect(otherList.body.data).toEqual([{ code: "001", name: "Kantor Pusat", source: "default" }]);
  });

  it("400 naming the field for a bad code, a blank name or a repeated code", async () => {
    const res = await admin<Problem>("PUT", branches(bank.tenantId), {
      branches: [
        { code: "0 1", name: "Spaced" },
        { code: "020", name: " " },
        { code: "030", name: "A" },
        { code: "030", name: "B" },
      ],
    });
    expect(res.status).toBe(400);
    expect(res.body.error.fields).toEqual({
      "branches.0.code": "must be letters, digits, - or _",
      "branches.1.name": "is required",
      "branches.3.code": "appears twice",
    });
  });
});
