import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authenticateApiKey, refusedKeyCacheTtlMs } from "../src/apiKeys/authentication.js";
import { hashApiKey } from "../src/auth/apiKeyFormat.js";
import { apiKeys } from "../src/db/schema/index.js";
import { bearer, createTestHub, type TestHub, testAdminToken } from "./support/testHub.js";

const randomKey = () => `sbk_${crypto.randomUUID().replaceAll("-", "")}`;

describe("failed authentication from one address", () => {
  let hub: TestHub;
  let base: string;
  let server: ReturnType<typeof serve>;
  beforeAll(async () => {
    hub = await createTestHub({ AUTH_FAILURES_PER_MINUTE: "3" });
    // Over a real socket, so the client address is the peer's (127.0.0.1), as in production.
    server = serve({ fetch: hub.app.fetch, port: 0, hostname: "127.0.0.1" });
    await new Promise((resolve) => server.once("listening", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await hub.close();
  });

  it("is answered 401 three times, then 429 with Retry-After in each family's format, even for a real key", async () => {
    const { key } = await hub.createTenantWithKey("throttle-bank", ["omnichannel:read"]);
    const statuses = [];
    for (let i = 0; i < 3; i++) {
      statuses.push((await fetch(`${base}/api/v1/me`, { headers: bearer(randomKey()) })).status);
    }
    expect(statuses).toEqual([401, 401, 401]);

    const v1 = await fetch(`${base}/api/v1/me`, { headers: bearer(randomKey()) });
    expect(v1.status).toBe(429);
    expect(Number(v1.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(((await v1.json()) as { error: { code: string } }).error.code).toBe("RATE_LIMITED");

    const desk = await fetch(`${base}/api/omnichannel/tickets?ticketNumber=1`, { headers: bearer(key) });
    expect(desk.status).toBe(429);
    expect(await desk.json()).toEqual({ success: false, message: "Too many requests", errors: {} });

    // Guessing the admin token from here is over too, the right token included.
    const admin = await fetch(`${base}/api/admin/tenants`, { headers: bearer(testAdminToken) });
    expect(admin.status).toBe(429);
  });
});

describe("failed admin authentication", () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await createTestHub({ AUTH_FAILURES_PER_MINUTE: "2", TRUST_PROXY: "1" });
  });
  afterAll(async () => {
    await hub.close();
  });

  // Behind one trusted proxy, the address it appended is the client's; what the client wrote before it is not.
  const from = (address: string, token: string) =>
    hub.request("/api/admin/tenants", {
      headers: { ...bearer(token), "x-forwarded-for": `10.9.9.9, ${address}` },
    });

  it("is throttled per client address: the right token is refused once that address failed too often", async () => {
    expect((await from("192.0.2.1", "x".repeat(40))).status).toBe(401);
    expect((await from("192.0.2.1", "y".repeat(40))).status).toBe(401);
    const blocked = await from("192.0.2.1", testAdminToken);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await from("192.0.2.2", testAdminToken)).status).toBe(200);
  });

  it("the queue dashboard counts failures against the same budget", async () => {
    const basic = (password: string) => `Basic ${Buffer.from(`ops:${password}`).toString("base64")}`;
    const dashboard = (authorization: string) =>
      hub.request("/admin/queues", { headers: { authorization, "x-forwarded-for": "192.0.2.3" } });
    expect((await dashboard(basic("wrong-one"))).status).toBe(401);
    expect((await dashboard(basic("wrong-two"))).status).toBe(401);
    expect((await dashboard(basic(testAdminToken))).status).toBe(429);
  });
});

describe("X-Forwarded-For without TRUST_PROXY", () => {
  it("is ignored: a client cannot escape the throttle by writing a new address each time", async () => {
    const hub = await createTestHub({ AUTH_FAILURES_PER_MINUTE: "2" });
    try {
      const attempt = (i: number) =>
        hub.request("/api/v1/me", {
          headers: { ...bearer(randomKey()), "x-forwarded-for": `198.51.100.${i}` },
        });
      expect([(await attempt(1)).status, (await attempt(2)).status, (await attempt(3)).status]).toEqual([
        401, 401, 429,
      ]);
    } finally {
      await hub.close();
    }
  });
});

describe("the admin API's own limit", () => {
  it("answers 429 past ADMIN_LIMIT_PER_MINUTE requests from one address", async () => {
    const hub = await createTestHub({ ADMIN_LIMIT_PER_MINUTE: "2" });
    try {
      const first = await hub.adminRequest("/api/admin/tenants");
      expect(first.status).toBe(200);
      expect(first.headers.get("ratelimit-limit")).toBe("2");
      expect((await hub.adminRequest("/api/admin/tenants")).status).toBe(200);
      const third = await hub.adminRequest("/api/admin/tenants");
      expect(third.status).toBe(429);
      expect(((await third.json()) as { error: { code: string } }).error.code).toBe("RATE_LIMITED");
    } finally {
      await hub.close();
    }
  });
});

describe("keys that did not authenticate", () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await createTestHub();
  });
  afterAll(async () => {
    await hub.close();
  });

  it("are remembered briefly: a repeated bad key is looked up once, then again after the cache time", async () => {
    const { tenantId } = await hub.createTenantWithKey("negative-cache", ["omni:read"]);
    const presented = randomKey();
    const start = new Date();
    expect(await authenticateApiKey(hub.db, presented, start)).toBeUndefined();

    // The key now exists. A process that looked it up again would find it; this one answers from
    // what it remembered, which shows no second lookup happened.
    await hub.db.insert(apiKeys).values({
      id: `key_${crypto.randomUUID().replaceAll("-", "")}`,
      tenantId,
      name: "appeared later",
      start: presented.slice(0, 10),
      hash: hashApiKey(presented),
      scopes: ["omni:read"],
    });
    const soon = new Date(start.getTime() + refusedKeyCacheTtlMs - 1);
    expect(await authenticateApiKey(hub.db, presented, soon)).toBeUndefined();

    const later = new Date(start.getTime() + refusedKeyCacheTtlMs + 1);
    expect((await authenticateApiKey(hub.db, presented, later))?.principal.tenantId).toBe(tenantId);
  });

  it("do not hide a tenant enabled again in this process", async () => {
    const { key, tenantId } = await hub.createTenantWithKey("negative-reenable", ["omni:read"]);
    await hub.adminRequest(`/api/admin/tenants/${tenantId}`, {
      method: "PATCH",
      json: { status: "disabled" },
    });
    expect((await hub.request("/api/v1/me", { headers: bearer(key) })).status).toBe(401);
    await hub.adminRequest(`/api/admin/tenants/${tenantId}`, { method: "PATCH", json: { status: "active" } });
    expect((await hub.request("/api/v1/me", { headers: bearer(key) })).status).toBe(200);
  });
});
