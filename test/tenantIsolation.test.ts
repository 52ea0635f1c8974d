import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { events } from "../src/db/schema/index.js";
import { bearer, createTestHub, type TestHub } from "./support/testHub.js";

let hub: TestHub;
let alpha: { tenantId: string; keyId: string; key: string };
let beta: { tenantId: string; keyId: string; key: string };

beforeAll(async () => {
  hub = await createTestHub();
  alpha = await hub.createTenantWithKey("alpha-bank", ["admin", "omni:read"]);
  beta = await hub.createTenantWithKey("beta-bank", ["admin", "omni:read"]);
});
afterAll(async () => {
  await hub.close();
});

describe("a key of one tenant never sees or touches another tenant's data", () => {
  it("lists only its own tenant's keys", async () => {
    const res = await hub.request("/api/v1/api-keys", { headers: bearer(alpha.key) });
    const body = (await res.json()) as { data: Array<{ id: string; tenantId: string }> };
    expect(body.data.map((k) => k.id)).toEqual([alpha.keyId]);
    expect(body.data.every((k) => k.tenantId === alpha.tenantId)).toBe(true);
  });

  it("cannot revoke another tenant's key: 404, and that key keeps working", async () => {
    const res = await hub.request(`/api/v1/api-keys/${beta.keyId}`, {
      method: "DELETE",
      headers: bearer(alpha.key),
    });
    expect(res.status).toBe(404);
    expect((await hub.request("/api/v1/me", { headers: bearer(beta.key) })).status).toBe(200);
    const betaEvents = await hub.db.select().from(events).where(eq(events.tenantId, beta.tenantId));
    expect(betaEvents.map((e) => e.type)).not.toContain("api_key.revoked");
  });

  it("creates keys only for its own tenant, whatever the body says", async () => {
    const res = await hub.request("/api/v1/api-keys", {
      method: "POST",
      headers: { ...bearer(alpha.key), "content-type": "application/json" },
      body: JSON.stringify({ name: "sneaky", scopes: ["omni:read"], tenantId: beta.tenantId }),
    });
    expect(res.status).toBe(201);
    const created = ((await res.json()) as { data: { tenantId: string; key: string } }).data;
    expect(created.tenantId).toBe(alpha.tenantId);
    const me = await hub.request("/api/v1/me", { headers: bearer(created.key) });
    expect(((await me.json()) as { data: { tenantId: string } }).data.tenantId).toBe(alpha.tenantId);
  });

  it("revokes its own key, and the event lands in its own tenant's stream", async () => {
    const own = await hub.request("/api/v1/api-keys", {
      method: "POST",
      headers: { ...bearer(alpha.key), "content-type": "application/json" },
      body: JSON.stringify({ name: "short-lived", scopes: ["omni:read"] }),
    });
    const { id } = ((await own.json()) as { data: { id: string } }).data;
    const res = await hub.request(`/api/v1/api-keys/${id}`, { method: "DELETE", headers: bearer(alpha.key) });
    expect(res.status).toBe(200);
    const all = await hub.db.select().from(events).where(eq(events.subjectId, id));
    expect(all.map((e) => [e.type, e.tenantId])).toEqual([
      ["api_key.created", alpha.tenantId],
      ["api_key.revoked", alpha.tenantId],
    ]);
  });
});

describe("API key authentication", () => {
  it("accepts the key as Bearer and as X-API-Key", async () => {
    expect((await hub.request("/api/v1/me", { headers: bearer(alpha.key) })).status).toBe(200);
    expect((await hub.request("/api/v1/me", { headers: { "x-api-key": alpha.key } })).status).toBe(200);
  });

  it("401 Unauthorized for a missing, malformed or unknown key", async () => {
    const attempts: Array<Record<string, string>> = [
      {},
      { authorization: "Basic abc" },
      bearer("sbk_unknown"),
      { "x-api-key": "nope" },
    ];
    for (const headers of attempts) {
      const res = await hub.request("/api/v1/me", { headers });
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: { message: string } }).error.message).toBe("Unauthorized");
    }
  });

  it("403 naming the missing scope", async () => {
    const reader = await hub.createTenantWithKey("reader-bank", ["omni:read"]);
    const res = await hub.request("/api/v1/api-keys", { headers: bearer(reader.key) });
    expect(res.status).toBe(403);
    const body = (await res.json()) as {
      error: { code: string; message: string; fields: Record<string, string> };
    };
    expect(body.error.code).toBe("FORBIDDEN");
    expect(body.error.message).toContain("admin");
    expect(body.error.fields).toEqual({ scope: "admin is required" });
  });

  it("the service-desk family answers 401 in its own envelope", async () => {
    const res = await hub.request("/api/omnichannel/tickets");
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ success: false, message: "Unauthorized", errors: {} });
  });
});
