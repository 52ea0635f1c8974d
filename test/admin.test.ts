import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearer, createTestHub, type TestHub } from "./support/testHub.js";

let hub: TestHub;
beforeAll(async () => {
  hub = await createTestHub();
});
afterAll(async () => {
  await hub.close();
});

describe("admin API: tenant → key → authenticated request", () => {
  it("creates a tenant and a key whose plain value is shown once and works at once", async () => {
    const tenantRes = await hub.adminRequest("/api/admin/tenants", {
      method: "POST",
      json: { slug: "bank-one", name: "Bank One" },
    });
    expect(tenantRes.status).toBe(201);
    const tenant = ((await tenantRes.json()) as { data: { id: string; slug: string; status: string } }).data;
    expect(tenant).toMatchObject({ slug: "bank-one", status: "active" });
    expect(tenant.id).toMatch(/^ten_[0-9a-f]{32}$/);

    const keyRes = await hub.adminRequest("/api/admin/api-keys", {
      method: "POST",
      json: { tenantId: "bank-one", name: "partner", scopes: ["omnichannel:read", "admin"] },
    });
    expect(keyRes.status).toBe(201);
    const created = ((await keyRes.json()) as { data: { id: string; key: string; start: string } }).data;
    expect(created.key).toMatch(/^sbk_[A-Za-z0-9_-]{43}$/);
    expect(created.key.startsWith(created.start)).toBe(true);

    const me = await hub.request("/api/v1/me", { headers: bearer(created.key) });
    expect(me.status).toBe(200);
    expect(await me.json()).toEqual({
      data: { tenantId: tenant.id, keyId: created.id, scopes: ["omnichannel:read", "admin"] },
    });

    const list = await hub.adminRequest(`/api/admin/api-keys?tenantId=${tenant.id}`);
    const listed = (await list.json()) as { data: Array<Record<string, unknown>>; pagination: unknown };
    expect(listed.pagination).toEqual({ page: 1, perPage: 20, total: 1 });
    expect(listed.data[0]).not.toHaveProperty("key");
    expect(listed.data[0]).not.toHaveProperty("hash");
    expect(JSON.stringify(listed)).not.toContain(created.key);
  });

  it("stores only a hash of the key", async () => {
    const { key } = await hub.createTenantWithKey("hash-check", ["omni:read"]);
    const dump = JSON.stringify(await hub.db.execute(sql`SELECT * FROM api_keys`));
    expect(dump).not.toContain(key);
    expect(dump).toContain(key.slice(0, 10));
  });

  it("revoking a key makes it 401 at once, and revoking twice is harmless", async () => {
    const { key, keyId } = await hub.createTenantWithKey("revoke-me", ["omni:read"]);
    expect((await hub.request("/api/v1/me", { headers: bearer(key) })).status).toBe(200);
    const revoked = await hub.adminRequest(`/api/admin/api-keys/${keyId}`, { method: "DELETE" });
    expect(revoked.status).toBe(200);
    expect(((await revoked.json()) as { data: { revokedAt: string | null } }).data.revokedAt).not.toBeNull();
    expect((await hub.request("/api/v1/me", { headers: bearer(key) })).status).toBe(401);
    expect((await hub.adminRequest(`/api/admin/api-keys/${keyId}`, { method: "DELETE" })).status).toBe(200);
    expect((await hub.adminRequest("/api/admin/api-keys/key_nope", { method: "DELETE" })).status).toBe(404);
  });

  it("a disabled tenant's keys stop working and work again when it is enabled", async () => {
    const { key, tenantId } = await hub.createTenantWithKey("disable-me", ["omni:read"]);
    const off = await hub.adminRequest(`/api/admin/tenants/${tenantId}`, {
      method: "PATCH",
      json: { status: "disabled" },
    });
    expect(off.status).toBe(200);
    expect((await hub.request("/api/v1/me", { headers: bearer(key) })).status).toBe(401);
    await hub.adminRequest(`/api/admin/tenants/${tenantId}`, { method: "PATCH", json: { status: "active" } });
    expect((await hub.request("/api/v1/me", { headers: bearer(key) })).status).toBe(200);
  });

  it("an expired key is refused", async () => {
    await hub.createTenantWithKey("expiring", ["omni:read"]);
    const res = await hub.adminRequest("/api/admin/api-keys", {
      method: "POST",
      json: { tenantId: "expiring", name: "old", scopes: ["omni:read"], expiresAt: "2020-01-01T00:00:00Z" },
    });
    const { key } = ((await res.json()) as { data: { key: string } }).data;
    expect((await hub.request("/api/v1/me", { headers: bearer(key) })).status).toBe(401);
  });

  it("lists tenants with pagination", async () => {
    const res = await hub.adminRequest("/api/admin/tenants?page=1&perPage=2");
    const body = (await res.json()) as { data: unknown[]; pagination: { total: number; perPage: number } };
    expect(res.status).toBe(200);
    expect(body.data).toHaveLength(2);
    expect(body.pagination.perPage).toBe(2);
    expect(body.pagination.total).toBeGreaterThanOrEqual(4);
    expect((await hub.adminRequest("/api/admin/tenants/bank-one")).status).toBe(200);
    expect((await hub.adminRequest("/api/admin/tenants/no-such-bank")).status).toBe(404);
  });
});

describe("admin API errors and security", () => {
  it("refuses a missing or wrong admin token with 401", async () => {
    expect((await hub.request("/api/admin/tenants")).status).toBe(401);
    const wrong = await hub.request("/api/admin/tenants", { headers: bearer("x".repeat(40)) });
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { error: { code: string } }).error.code).toBe("UNAUTHORIZED");
  });

  it("a tenant API key, even with the admin scope, is not an admin token", async () => {
    const { key } = await hub.createTenantWithKey("not-operator", ["admin"]);
    expect((await hub.request("/api/admin/tenants", { headers: bearer(key) })).status).toBe(401);
  });

  it("names each invalid field", async () => {
    const res = await hub.adminRequest("/api/admin/api-keys", {
      method: "POST",
      json: { tenantId: "bank-one", name: "", scopes: ["omnichannel:fly"] },
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; fields: Record<string, string> } };
    expect(body.error.code).toBe("VALIDATION_FAILED");
    expect(Object.keys(body.error.fields).sort()).toEqual(["name", "scopes.0"]);
  });

  it("answers 409 for a slug already taken and 404 for keys of an unknown tenant", async () => {
    const again = await hub.adminRequest("/api/admin/tenants", {
      method: "POST",
      json: { slug: "bank-one", name: "Other" },
    });
    expect(again.status).toBe(409);
    expect(
      ((await again.json()) as { error: { fields: Record<string, string> } }).error.fields,
    ).toHaveProperty("slug");
    const keyRes = await hub.adminRequest("/api/admin/api-keys", {
      method: "POST",
      json: { tenantId: "ghost-bank", name: "k", scopes: ["omni:read"] },
    });
    expect(keyRes.status).toBe(404);
  });

  it("without ADMIN_TOKEN configured the admin API refuses everyone", async () => {
    const locked = await createTestHub({ ADMIN_TOKEN: "" });
    try {
      expect((await locked.request("/api/admin/tenants")).status).toBe(401);
      expect((await locked.adminRequest("/api/admin/tenants")).status).toBe(401);
    } finally {
      await locked.close();
    }
  });
});
