import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queueNames } from "../queues/catalog.js";
import { createTestHub, type TestHub, testAdminToken } from "./support/testHub.js";

let hub: TestHub;
beforeAll(async () => {
  hub = await createTestHub();
});
afterAll(async () => {
  await hub.close();
});

type OpenApiDoc = {
  openapi: string;
  paths: Record<string, Record<string, { security?: unknown[]; responses: Record<string, unknown> }>>;
  components: { securitySchemes: Record<string, unknown>; schemas: Record<string, unknown> };
};

// Routes that are not API operations: the document itself, its viewer, metrics and the dashboard.
const undocumented = [/^\/openapi\.json$/, /^\/docs/, /^\/metrics$/, /^\/admin\/queues/];

describe("OpenAPI", () => {
  it("serves a 3.1 document that lists every API route the app answers", async () => {
    const res = await hub.request("/openapi.json");
    expect(res.status).toBe(200);
    const doc = (await res.json()) as OpenApiDoc;
    expect(doc.openapi).toBe("3.1.0");
    const documented = new Set(
      Object.entries(doc.paths).flatMap(([path, ops]) =>
        Object.keys(ops).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ":$1")}`),
      ),
    );
    const served = hub.app.routes
      .filter((r) => r.method !== "ALL" && !undocumented.some((u) => u.test(r.path)))
      .map((r) => `${r.method} ${r.path}`);
    expect(served.length).toBeGreaterThan(8);
    for (const route of served) expect(documented, route).toContain(route);
  });

  it("documents security and error shapes per family", async () => {
    const doc = (await (await hub.request("/openapi.json")).json()) as OpenApiDoc;
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual([
      "adminToken",
      "apiKey",
      "apiKeyHeader",
    ]);
    expect(doc.paths["/api/admin/tenants"]?.post?.security).toEqual([{ adminToken: [] }]);
    expect(doc.paths["/api/v1/me"]?.get?.security).toEqual([{ apiKey: [] }, { apiKeyHeader: [] }]);
    expect(doc.paths["/api/v1/api-keys"]?.get?.responses).toHaveProperty("403");
    expect(doc.components.schemas).toHaveProperty("Error");
    expect(doc.components.schemas).toHaveProperty("ServiceDeskError");
  });

  it("renders a browsable reference at /docs from a locally served script", async () => {
    const page = await hub.request("/docs");
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("/openapi.json");
    expect(html).toContain("/docs/standalone.js");
    const script = await hub.request("/docs/standalone.js");
    expect(script.status).toBe(200);
    expect(script.headers.get("content-type")).toContain("javascript");
    expect((await script.text()).length).toBeGreaterThan(100_000);
  });

  it("configures the reference to ask nothing outside the hub (the browser test in test/e2e renders it)", async () => {
    const html = await (await hub.request("/docs")).text();
    // Scalar's "Test Request" goes through proxy.scalar.com for any server not on localhost unless
    // the proxy is set, empty: a browser test on 127.0.0.1 cannot see that, so the setting is checked.
    expect(html).toMatch(/"proxyUrl":\s*""/);
    expect(html).toMatch(/"withDefaultFonts":\s*false/);
    expect(html).toMatch(/"agent":\s*\{\s*"disabled":\s*true\s*\}/);
    expect(html).toMatch(/"showDeveloperTools":\s*"never"/);
  });
});

describe("health and metrics", () => {
  it("/healthz says the process is alive", async () => {
    const res = await hub.request("/healthz");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
  });

  it("/readyz reports the database and Redis up", async () => {
    const res = await hub.request("/readyz");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      status: "ready",
      checks: { database: { status: "up" }, redis: { status: "up" } },
      // No whatsapp-web account, so no session in any state (the gateway's are tested in test/inbound).
      sessions: { whatsappWeb: { starting: 0, waiting_for_qr: 0, ready: 0, disconnected: 0 } },
    });
  });

  it("/readyz is 503 when Redis does not answer", async () => {
    const broken = await createTestHub({ REDIS_URL: "redis://127.0.0.1:1" });
    try {
      const res = await broken.request("/readyz");
      expect(res.status).toBe(503);
      const text = await res.text();
      // Which dependency is down, never why: driver messages name hosts and ports.
      expect(JSON.parse(text)).toEqual({
        status: "not_ready",
        checks: { database: { status: "up" }, redis: { status: "down" } },
        sessions: { whatsappWeb: { starting: 0, waiting_for_qr: 0, ready: 0, disconnected: 0 } },
      });
    } finally {
      await broken.close();
    }
  });

  it("/metrics exposes request durations by matched route, not raw path", async () => {
    await hub.request("/api/admin/tenants/some-slug", {
      headers: { authorization: `Bearer ${testAdminToken}` },
    });
    const text = await (await hub.request("/metrics")).text();
    expect(text).toContain("switchboard_http_request_duration_seconds_bucket");
    expect(text).toContain('route="/api/admin/tenants/:tenantId"');
    expect(text).not.toContain("some-slug");
    expect(text).toContain("switchboard_process_cpu_seconds_total");
  });

  it("/metrics asks for METRICS_TOKEN when one is set", async () => {
    const token = "metrics-token-0123456789";
    const guarded = await createTestHub({ METRICS_TOKEN: token });
    try {
      const denied = await guarded.request("/metrics");
      expect(denied.status).toBe(401);
      expect(await denied.json()).toMatchObject({ error: { code: "UNAUTHORIZED" } });
      expect(
        (await guarded.request("/metrics", { headers: { authorization: "Bearer wrong-token-0123456" } }))
          .status,
      ).toBe(401);
      expect(
        (await guarded.request("/metrics", { headers: { authorization: `Bearer ${testAdminToken}` } }))
          .status,
      ).toBe(401);
      const scraped = await guarded.request("/metrics", { headers: { authorization: `Bearer ${token}` } });
      expect(scraped.status).toBe(200);
      expect(await scraped.text()).toContain("switchboard_http_request_duration_seconds");
      // Probes stay open: orchestrators call them without credentials.
      expect((await guarded.request("/healthz")).status).toBe(200);
    } finally {
      await guarded.close();
    }
  });

  it("/metrics is closed in production until METRICS_TOKEN is set", async () => {
    const production = await createTestHub({ NODE_ENV: "production" });
    try {
      expect((await production.request("/metrics")).status).toBe(401);
      const withAdmin = await production.request("/metrics", {
        headers: { authorization: `Bearer ${testAdminToken}` },
      });
      expect(withAdmin.status).toBe(401);
      expect((await production.request("/healthz")).status).toBe(200);
    } finally {
      await production.close();
    }
  });
});

const dashboardAuth = { authorization: `Basic ${Buffer.from(`admin:${testAdminToken}`).toString("base64")}` };

describe("queue dashboard", () => {
  it("is behind admin authentication and asks the browser for it", async () => {
    const denied = await hub.request("/admin/queues");
    expect(denied.status).toBe(401);
    expect(denied.headers.get("www-authenticate")).toContain("Basic");
    const basic = Buffer.from(`admin:${testAdminToken}`).toString("base64");
    const page = await hub.request("/admin/queues", { headers: { authorization: `Basic ${basic}` } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("<html");
    const api = await hub.request("/admin/queues/api/queues", {
      headers: { authorization: `Basic ${basic}` },
    });
    const queues = (await api.json()) as { queues: Array<{ name: string }> };
    expect(queues.queues.map((q) => q.name).sort()).toEqual([...queueNames].sort());
    expect(queueNames).toContain("domain-events");
  });

  it("serves its page without the Google Fonts stylesheet bull-board links", async () => {
    const page = await hub.request("/admin/queues", { headers: dashboardAuth });
    const html = await page.text();
    expect(html).toContain("static/css/main");
    expect(html).not.toContain("fonts.googleapis.com");
    expect(page.headers.get("content-type")).toContain("text/html");
  });

  describe("refuses cross-site changes, which the browser would send with the replayed password", () => {
    const queue = "domain-events";
    const addJob = `/admin/queues/api/queues/${queue}/add`;
    // The forged request of the issue: a CORS-simple text/plain POST a foreign page can send.
    const forged = JSON.stringify({ name: "forged", data: { eventId: "evt_forged" } });

    it.each([
      ["another site's Origin", { origin: "https://attacker.example" }],
      ["Sec-Fetch-Site: cross-site", { "sec-fetch-site": "cross-site" }],
      ["Sec-Fetch-Site: same-site", { "sec-fetch-site": "same-site", origin: "http://other.localhost" }],
      ["neither Origin nor Sec-Fetch-Site", {}],
    ])("%s: 403 in the hub's error format, no job added", async (_, headers) => {
      const before = await hub.producer.queues[queue].count();
      const res = await hub.request(addJob, {
        method: "POST",
        headers: { ...dashboardAuth, "content-type": "text/plain", ...headers },
        body: forged,
      });
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({
        error: { code: "FORBIDDEN", fields: { origin: expect.any(String) } },
      });
      expect(await hub.producer.queues[queue].count()).toBe(before);
    });

    it("a bodiless PUT from another site is refused too", async () => {
      const res = await hub.request(`/admin/queues/api/queues/${queue}/pause`, {
        method: "PUT",
        headers: { ...dashboardAuth, origin: "https://attacker.example" },
      });
      expect(res.status).toBe(403);
      expect(await hub.producer.queues[queue].isPaused()).toBe(false);
    });

    it.each([
      ["its own Origin", { origin: "http://localhost" }],
      ["Sec-Fetch-Site: same-origin", { "sec-fetch-site": "same-origin" }],
    ])("accepts a change from %s", async (_, headers) => {
      const pause = await hub.request(`/admin/queues/api/queues/${queue}/pause`, {
        method: "PUT",
        headers: { ...dashboardAuth, ...headers },
      });
      expect(pause.status).toBe(200);
      expect(await hub.producer.queues[queue].isPaused()).toBe(true);
      const resume = await hub.request(`/admin/queues/api/queues/${queue}/resume`, {
        method: "PUT",
        headers: { ...dashboardAuth, ...headers },
      });
      expect(resume.status).toBe(200);
      expect(await hub.producer.queues[queue].isPaused()).toBe(false);
    });

    it("still asks for the password first", async () => {
      const res = await hub.request(addJob, {
        method: "POST",
        headers: { "content-type": "text/plain", origin: "https://attacker.example" },
        body: forged,
      });
      expect(res.status).toBe(401);
    });
  });

  it("keeps its routes out of the API's router, which stays on hono's RegExpRouter", async () => {
    // bull-board's paths do not compile to RegExpRouter; merged into the hub's router they would put
    // every API request on the slower TrieRouter.
    await hub.request("/healthz");
    expect(hub.app.router.name).toBe("SmartRouter + RegExpRouter");
  });
});
