import type { AddressInfo } from "node:net";
import { gunzipSync, gzipSync } from "node:zlib";
import { serve } from "@hono/node-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearer, createTestHub, type TestHub, testAdminToken } from "./support/testHub.js";

let hub: TestHub;
beforeAll(async () => {
  hub = await createTestHub({ BODY_LIMIT_BYTES: "4096" });
});
afterAll(async () => {
  await hub.close();
});

const admin = { authorization: `Bearer ${testAdminToken}` };

describe("request ids", () => {
  it("generates one per request and returns it in X-Request-Id and in errors", async () => {
    const res = await hub.request("/api/v1/nowhere", { headers: admin });
    const id = res.headers.get("x-request-id");
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const body = (await res.json()) as { error: { requestId: string } };
    expect(body.error.requestId).toBe(id);
  });

  it("keeps a well-formed id the client sent", async () => {
    const res = await hub.request("/healthz", { headers: { "x-request-id": "partner-req-42" } });
    expect(res.headers.get("x-request-id")).toBe("partner-req-42");
  });

  it("are in the headers of real HTTP answers too, which the Node server sets on its own response", async () => {
    const server = serve({ fetch: hub.app.fetch, port: 0, hostname: "127.0.0.1" });
    await new Promise((resolve) => server.once("listening", resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const ok = await fetch(`${base}/healthz`, { headers: { "x-request-id": "partner-req-43" } });
      expect(ok.headers.get("x-request-id")).toBe("partner-req-43");
      expect(ok.headers.get("vary")).toBe("Accept-Encoding");
      expect(ok.headers.get("content-type")).toContain("application/json");

      const failed = await fetch(`${base}/api/v1/nowhere`, {
        headers: { ...admin, "x-request-id": "bad id!" },
      });
      const id = failed.headers.get("x-request-id");
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      expect(((await failed.json()) as { error: { requestId: string } }).error.requestId).toBe(id);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe("errors in each family's shape", () => {
  it("unknown route: 404 in the v1 shape", async () => {
    const { key } = await hub.createTenantWithKey("routes-bank", ["omni:read"]);
    const res = await hub.request("/api/v1/no-such-thing", { headers: bearer(key) });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: "NOT_FOUND", message: "Route not found" } });
    expect((await hub.request("/nothing-here")).status).toBe(404);
  });

  it("unknown route under /api/omnichannel: 404 in the service-desk envelope", async () => {
    const { key } = await hub.createTenantWithKey("desk-bank", ["omnichannel:read"]);
    const res = await hub.request("/api/omnichannel/nope", { headers: bearer(key) });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ success: false, message: "Not found", errors: {} });
  });

  it("malformed JSON: 400 MALFORMED_JSON", async () => {
    const res = await hub.request("/api/admin/tenants", {
      method: "POST",
      headers: { ...admin, "content-type": "application/json" },
      body: '{"slug": "x",',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      error: { code: "MALFORMED_JSON", fields: { body: "is not valid JSON" } },
    });
  });

  it("a query parameter out of range names the parameter", async () => {
    const res = await hub.request("/api/admin/tenants?perPage=1000", { headers: admin });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { fields: Record<string, string> } }).error.fields).toHaveProperty(
      "perPage",
    );
  });

  it("a body over the limit: 413", async () => {
    const res = await hub.request("/api/admin/tenants", {
      method: "POST",
      headers: { ...admin, "content-type": "application/json" },
      body: JSON.stringify({ slug: "big", name: "x".repeat(5000) }),
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("PAYLOAD_TOO_LARGE");
  });
});

describe("compression", () => {
  it("accepts a gzip request body", async () => {
    const res = await hub.request("/api/admin/tenants", {
      method: "POST",
      headers: { ...admin, "content-type": "application/json", "content-encoding": "gzip" },
      body: gzipSync(JSON.stringify({ slug: "zipped-bank", name: "Zipped" })),
    });
    expect(res.status).toBe(201);
    expect(((await res.json()) as { data: { slug: string } }).data.slug).toBe("zipped-bank");
  });

  it("refuses a gzip body that expands past the limit (a zip bomb) with 413", async () => {
    const bomb = gzipSync(JSON.stringify({ slug: "bomb", name: "a".repeat(200_000) }));
    expect(bomb.length).toBeLessThan(4096);
    const res = await hub.request("/api/admin/tenants", {
      method: "POST",
      headers: { ...admin, "content-type": "application/json", "content-encoding": "gzip" },
      body: bomb,
    });
    expect(res.status).toBe(413);
  });

  it("refuses bytes that are not gzip, and an unknown encoding", async () => {
    const bad = await hub.request("/api/admin/tenants", {
      method: "POST",
      headers: { ...admin, "content-type": "application/json", "content-encoding": "gzip" },
      body: "not gzip at all",
    });
    expect(bad.status).toBe(400);
    const unknown = await hub.request("/api/admin/tenants", {
      method: "POST",
      headers: { ...admin, "content-type": "application/json", "content-encoding": "zstd-x" },
      body: "{}",
    });
    expect(unknown.status).toBe(415);
  });

  it("compresses a response when the client asks", async () => {
    const res = await hub.request("/openapi.json", { headers: { "accept-encoding": "gzip" } });
    expect(res.headers.get("content-encoding")).toBe("gzip");
    const doc = JSON.parse(gunzipSync(Buffer.from(await res.arrayBuffer())).toString("utf8")) as {
      openapi: string;
    };
    expect(doc.openapi).toBe("3.1.0");
  });

  it("answers a client accepting no encoding it can use uncompressed, varying by Accept-Encoding", async () => {
    for (const acceptEncoding of ["identity", "br"]) {
      const res = await hub.request("/openapi.json", { headers: { "accept-encoding": acceptEncoding } });
      expect(res.headers.get("content-encoding")).toBeNull();
      expect(res.headers.get("vary")).toContain("Accept-Encoding");
      expect(((await res.json()) as { openapi: string }).openapi).toBe("3.1.0");
    }
    const deflate = await hub.request("/openapi.json", { headers: { "accept-encoding": "br, deflate" } });
    expect(deflate.headers.get("content-encoding")).toBe("deflate");
  });

  it("leaves the providers' webhook answers uncompressed, still varying by Accept-Encoding", async () => {
    const res = await hub.request("/api/webhooks/whatsapp/ten_unknown?hub.mode=subscribe", {
      headers: { "accept-encoding": "gzip" },
    });
    expect(res.headers.get("content-encoding")).toBeNull();
    expect(res.headers.get("vary")).toContain("Accept-Encoding");
  });
});

describe("security headers", () => {
  const expected = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "content-security-policy": "frame-ancestors 'none'",
  };
  const dashboardAuth = {
    authorization: `Basic ${Buffer.from(`admin:${testAdminToken}`).toString("base64")}`,
  };

  it("are on every answer, over real HTTP too: API, errors, the reference and the queue dashboard", async () => {
    const server = serve({ fetch: hub.app.fetch, port: 0, hostname: "127.0.0.1" });
    await new Promise((resolve) => server.once("listening", resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const answers = [
        await fetch(`${base}/healthz`),
        await fetch(`${base}/api/v1/nowhere`),
        await fetch(`${base}/docs`),
        await fetch(`${base}/admin/queues`, { headers: dashboardAuth }),
        await fetch(`${base}/admin/queues`),
      ];
      expect(answers.map((r) => r.status)).toEqual([200, 401, 200, 200, 401]);
      for (const res of answers) {
        await res.arrayBuffer();
        for (const [name, value] of Object.entries(expected))
          expect(res.headers.get(name), `${res.url} ${name}`).toBe(value);
        // Browsers ignore HSTS over plain HTTP; the hub does not claim TLS it did not see.
        expect(res.headers.get("strict-transport-security")).toBeNull();
      }
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("HSTS when the request came over TLS, directly or through a proxy that says so", async () => {
    const direct = await hub.request("https://hub.bank.example/healthz");
    expect(direct.headers.get("strict-transport-security")).toBe("max-age=15552000; includeSubDomains");
    const proxied = await hub.request("/healthz", { headers: { "x-forwarded-proto": "https" } });
    expect(proxied.headers.get("strict-transport-security")).toBe("max-age=15552000; includeSubDomains");
    const plain = await hub.request("/healthz", { headers: { "x-forwarded-proto": "http" } });
    expect(plain.headers.get("strict-transport-security")).toBeNull();
  });
});
