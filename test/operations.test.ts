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
    });
  });

  it("/readyz is 503 when Redis does not answer", async () => {
    const broken = await createTestHub({ REDIS_URL: "redis://127.0.0.1:1" });
    try {
      const res = await broken.request("/readyz");
      expect(res.status).toBe(503);
      const body = (await res.json()) as { status: string; checks: Record<string, { status: string }> };
      expect(body.status).toBe("not_ready");
      expect(body.checks.redis?.status).toBe("down");
      expect(body.checks.database?.status).toBe("up");
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
});

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

  it("keeps its routes out of the API's router, which stays on hono's RegExpRouter", async () => {
    // bull-board's paths do not compile to RegExpRouter; merged into the hub's router they would put
    // every API request on the slower TrieRouter.
    await hub.request("/healthz");
    expect(hub.app.router.name).toBe("SmartRouter + RegExpRouter");
  });
});
