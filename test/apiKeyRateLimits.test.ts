import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { events } from "../src/db/schema/index.js";
import { bearer, createTestHub, type TestHub } from "./support/testHub.js";

// Real Redis counts every request here; the hub's default is 5 a minute so a key's own limit shows.
let hub: TestHub;
beforeAll(async () => {
  hub = await createTestHub({ RATE_LIMIT_PER_MINUTE: "5" });
});
afterAll(async () => {
  await hub.close();
});

type KeyView = { id: string; key: string; rateLimitPerMinute: number | null };

async function adminKey(tenantId: string, body: Record<string, unknown>): Promise<KeyView> {
  const res = await hub.adminRequest("/api/admin/api-keys", {
    method: "POST",
    json: { tenantId, name: "k", scopes: ["omni:read"], ...body },
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { data: KeyView }).data;
}

const me = (key: string) => hub.request("/api/v1/me", { headers: bearer(key) });

describe("a key's own rate limit", () => {
  it("is honoured, shown in the RateLimit-* headers and in the key's view", async () => {
    const { tenantId } = await hub.createTenantWithKey("rl-own", ["omni:read"]);
    const kiosk = await adminKey(tenantId, { rateLimitPerMinute: 2 });
    expect(kiosk.rateLimitPerMinute).toBe(2);

    const answers = [await me(kiosk.key), await me(kiosk.key), await me(kiosk.key)];
    expect(answers.map((r) => r.status)).toEqual([200, 200, 429]);
    expect(answers[0]?.headers.get("ratelimit-limit")).toBe("2");
    expect(answers[1]?.headers.get("ratelimit-remaining")).toBe("0");
    expect(Number(answers[2]?.headers.get("retry-after"))).toBeGreaterThan(0);

    const listed = await hub.adminRequest(`/api/admin/api-keys?tenantId=${tenantId}`);
    const views = ((await listed.json()) as { data: KeyView[] }).data;
    expect(views.find((k) => k.id === kiosk.id)?.rateLimitPerMinute).toBe(2);
  });

  it("a key without one gets the hub's default, and a core-banking key may go far above it", async () => {
    const { tenantId, key } = await hub.createTenantWithKey("rl-default", ["omni:read"]);
    const first = await me(key);
    expect(first.headers.get("ratelimit-limit")).toBe("5");
    const core = await adminKey(tenantId, { rateLimitPerMinute: 10_000 });
    const statuses = [];
    for (let i = 0; i < 8; i++) statuses.push((await me(core.key)).status);
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect((await me(core.key)).headers.get("ratelimit-remaining")).toBe("9991");
  });

  it("a change counts at once, with what the key already spent this minute", async () => {
    const { tenantId } = await hub.createTenantWithKey("rl-change", ["omni:read"]);
    const k = await adminKey(tenantId, { rateLimitPerMinute: 1 });
    expect((await me(k.key)).status).toBe(200);
    expect((await me(k.key)).status).toBe(429);

    const raised = await hub.adminRequest(`/api/admin/api-keys/${k.id}`, {
      method: "PATCH",
      json: { rateLimitPerMinute: 10 },
    });
    expect(raised.status).toBe(200);
    expect(((await raised.json()) as { data: KeyView }).data.rateLimitPerMinute).toBe(10);
    const after = await me(k.key);
    expect(after.status).toBe(200);
    expect(after.headers.get("ratelimit-limit")).toBe("10");
    // One allowed and one refused request so far, plus this one.
    expect(after.headers.get("ratelimit-remaining")).toBe("7");

    const back = await hub.adminRequest(`/api/admin/api-keys/${k.id}`, {
      method: "PATCH",
      json: { rateLimitPerMinute: null },
    });
    expect(((await back.json()) as { data: KeyView }).data.rateLimitPerMinute).toBeNull();
    expect((await me(k.key)).headers.get("ratelimit-limit")).toBe("5");
  });
});

describe("PATCH /api/admin/api-keys/{keyId}", () => {
  it("renames a key and records api_key.updated", async () => {
    const { keyId, tenantId } = await hub.createTenantWithKey("patch-admin", ["omni:read"]);
    const res = await hub.adminRequest(`/api/admin/api-keys/${keyId}`, {
      method: "PATCH",
      json: { name: "branch kiosk" },
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { data: { name: string } }).data.name).toBe("branch kiosk");
    const recorded = await hub.db.select().from(events).where(eq(events.subjectId, keyId));
    expect(recorded.map((e) => [e.type, e.tenantId])).toContainEqual(["api_key.updated", tenantId]);
  });

  it("names each invalid field, refuses an empty change and answers 404 for an unknown key", async () => {
    const { keyId } = await hub.createTenantWithKey("patch-admin-errors", ["omni:read"]);
    const bad = await hub.adminRequest(`/api/admin/api-keys/${keyId}`, {
      method: "PATCH",
      json: { name: "", rateLimitPerMinute: 0 },
    });
    expect(bad.status).toBe(400);
    const fields = ((await bad.json()) as { error: { fields: Record<string, string> } }).error.fields;
    expect(Object.keys(fields).sort()).toEqual(["name", "rateLimitPerMinute"]);
    const empty = await hub.adminRequest(`/api/admin/api-keys/${keyId}`, { method: "PATCH", json: {} });
    expect(empty.status).toBe(400);
    const unknown = await hub.adminRequest("/api/admin/api-keys/key_nope", {
      method: "PATCH",
      json: { name: "x" },
    });
    expect(unknown.status).toBe(404);
  });

  it("refuses anyone without the admin token, a tenant key with the admin scope included", async () => {
    const { keyId, key } = await hub.createTenantWithKey("patch-admin-sec", ["admin"]);
    const init = { method: "PATCH", body: JSON.stringify({ rateLimitPerMinute: 100_000 }) };
    expect((await hub.request(`/api/admin/api-keys/${keyId}`, init)).status).toBe(401);
    const withKey = await hub.request(`/api/admin/api-keys/${keyId}`, {
      ...init,
      headers: { ...bearer(key), "content-type": "application/json" },
    });
    expect(withKey.status).toBe(401);
  });
});

describe("PATCH /api/v1/api-keys/{keyId}", () => {
  const patch = (key: string, keyId: string, body: unknown) =>
    hub.request(`/api/v1/api-keys/${keyId}`, {
      method: "PATCH",
      headers: { ...bearer(key), "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  it("lets a tenant rename its keys and lower their limit", async () => {
    const owner = await hub.createTenantWithKey("patch-own", ["admin", "omni:read"]);
    const other = await adminKey(owner.tenantId, {});
    const res = await patch(owner.key, other.id, { name: "kiosk 7", rateLimitPerMinute: 3 });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { data: { name: string; rateLimitPerMinute: number } }).data).toMatchObject(
      {
        name: "kiosk 7",
        rateLimitPerMinute: 3,
      },
    );
    expect((await me(other.key)).headers.get("ratelimit-limit")).toBe("3");
  });

  it("refuses a limit above the calling key's own (403 naming it) and a bad value (400)", async () => {
    const owner = await hub.createTenantWithKey("patch-own-limits", ["admin"]);
    const other = await adminKey(owner.tenantId, {});
    const above = await patch(owner.key, other.id, { rateLimitPerMinute: 6 });
    expect(above.status).toBe(403);
    expect(
      ((await above.json()) as { error: { fields: Record<string, string> } }).error.fields,
    ).toHaveProperty("rateLimitPerMinute");
    expect((await patch(owner.key, other.id, { rateLimitPerMinute: "fast" })).status).toBe(400);
    expect((await patch(owner.key, "key_nope", { name: "x" })).status).toBe(404);
  });

  it("cannot touch another tenant's key, nor act without the admin scope", async () => {
    const alpha = await hub.createTenantWithKey("patch-alpha", ["admin"]);
    const beta = await hub.createTenantWithKey("patch-beta", ["admin", "omni:read"]);
    expect((await patch(alpha.key, beta.keyId, { name: "mine now" })).status).toBe(404);
    const reader = await hub.createTenantWithKey("patch-reader", ["omni:read"]);
    const forbidden = await patch(reader.key, reader.keyId, { name: "x" });
    expect(forbidden.status).toBe(403);
    const listed = await hub.adminRequest(`/api/admin/api-keys?tenantId=${beta.tenantId}`);
    expect(((await listed.json()) as { data: Array<{ name: string }> }).data[0]?.name).toBe("patch-beta key");
  });
});
