import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearer, createTestHub, type TestHub } from "./support/testHub.js";

// A tenant's own admin key mints keys at /api/v1/api-keys; it may not give more than it holds.
let hub: TestHub;
beforeAll(async () => {
  hub = await createTestHub({ TENANT_KEY_MAX_DAYS: "30", RATE_LIMIT_PER_MINUTE: "100" });
});
afterAll(async () => {
  await hub.close();
});

const dayMs = 24 * 60 * 60 * 1000;
type Minted = { key: string; scopes: string[]; expiresAt: string | null; rateLimitPerMinute: number | null };
type Refusal = { error: { code: string; fields: Record<string, string> } };

async function mint(key: string, body: Record<string, unknown>) {
  const res = await hub.request("/api/v1/api-keys", {
    method: "POST",
    headers: { ...bearer(key), "content-type": "application/json" },
    body: JSON.stringify({ name: "minted", ...body }),
  });
  return { status: res.status, body: (await res.json()) as { data: Minted } & Refusal };
}

describe("scopes", () => {
  it("a key with only the admin scope cannot mint a key with other scopes: 403 naming scopes", async () => {
    const { key } = await hub.createTenantWithKey("mint-admin-only", ["admin"]);
    const res = await mint(key, { scopes: ["omnichannel:create", "admin", "desk:write"] });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe("FORBIDDEN");
    expect(res.body.error.fields.scopes).toContain("omnichannel:create");
    expect(res.body.error.fields.scopes).toContain("desk:write");
    expect(res.body.error.fields.scopes).not.toContain("admin");
  });

  it("any subset of what it holds is fine", async () => {
    const { key } = await hub.createTenantWithKey("mint-subset", ["admin", "omni:read", "omni:write"]);
    const res = await mint(key, { scopes: ["omni:read"] });
    expect(res.status).toBe(201);
    expect(res.body.data.scopes).toEqual(["omni:read"]);
    expect((await hub.request("/api/v1/me", { headers: bearer(res.body.data.key) })).status).toBe(200);
  });
});

describe("expiry", () => {
  it("a key minted without one expires at the maximum lifetime", async () => {
    const { key } = await hub.createTenantWithKey("mint-expiry-default", ["admin", "omni:read"]);
    const before = Date.now();
    const res = await mint(key, { scopes: ["omni:read"] });
    expect(res.status).toBe(201);
    const expiresAt = Date.parse(res.body.data.expiresAt ?? "");
    expect(expiresAt).toBeGreaterThanOrEqual(before + 30 * dayMs);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 30 * dayMs);
  });

  it("one further ahead than the maximum is refused: 400 naming expiresAt", async () => {
    const { key } = await hub.createTenantWithKey("mint-expiry-max", ["admin", "omni:read"]);
    const far = new Date(Date.now() + 31 * dayMs).toISOString();
    const res = await mint(key, { scopes: ["omni:read"], expiresAt: far });
    expect(res.status).toBe(400);
    expect(res.body.error.fields.expiresAt).toContain("30 days");
    const near = new Date(Date.now() + 7 * dayMs).toISOString();
    expect((await mint(key, { scopes: ["omni:read"], expiresAt: near })).status).toBe(201);
  });

  it("a minted key never outlives the key that minted it", async () => {
    const { tenantId } = await hub.createTenantWithKey("mint-expiry-own", ["omni:read"]);
    const ownExpiry = new Date(Date.now() + 2 * dayMs);
    const creatorRes = await hub.adminRequest("/api/admin/api-keys", {
      method: "POST",
      json: { tenantId, name: "short", scopes: ["admin", "omni:read"], expiresAt: ownExpiry.toISOString() },
    });
    const creator = ((await creatorRes.json()) as { data: { key: string } }).data.key;
    const later = await mint(creator, {
      scopes: ["omni:read"],
      expiresAt: new Date(ownExpiry.getTime() + dayMs).toISOString(),
    });
    expect(later.status).toBe(400);
    expect(later.body.error.fields).toHaveProperty("expiresAt");
    const defaulted = await mint(creator, { scopes: ["omni:read"] });
    expect(defaulted.status).toBe(201);
    expect(Date.parse(defaulted.body.data.expiresAt ?? "")).toBe(ownExpiry.getTime());
  });

  it("operators are not bound by the maximum", async () => {
    await hub.createTenantWithKey("mint-operator", ["omni:read"]);
    const res = await hub.adminRequest("/api/admin/api-keys", {
      method: "POST",
      json: { tenantId: "mint-operator", name: "core", scopes: ["omni:read"] },
    });
    expect(res.status).toBe(201);
    expect(((await res.json()) as { data: Minted }).data.expiresAt).toBeNull();
  });
});

describe("rate limit", () => {
  it("a minted key inherits its creator's limit, may go lower, never higher", async () => {
    const { tenantId } = await hub.createTenantWithKey("mint-limit", ["omni:read"]);
    const creatorRes = await hub.adminRequest("/api/admin/api-keys", {
      method: "POST",
      json: { tenantId, name: "kiosk admin", scopes: ["admin", "omni:read"], rateLimitPerMinute: 20 },
    });
    const creator = ((await creatorRes.json()) as { data: { key: string } }).data.key;

    const inherited = await mint(creator, { scopes: ["omni:read"] });
    expect(inherited.status).toBe(201);
    expect(inherited.body.data.rateLimitPerMinute).toBe(20);
    expect((await mint(creator, { scopes: ["omni:read"], rateLimitPerMinute: 5 })).status).toBe(201);

    const higher = await mint(creator, { scopes: ["omni:read"], rateLimitPerMinute: 21 });
    expect(higher.status).toBe(403);
    expect(higher.body.error.fields).toHaveProperty("rateLimitPerMinute");
    // null is the hub's default (100 here), more than this key holds.
    expect((await mint(creator, { scopes: ["omni:read"], rateLimitPerMinute: null })).status).toBe(403);
  });
});
