import { compareHttp } from "../lib/compareHttp.js";
import type { Benchmark } from "../lib/types.js";

/**
 * What authenticating a request costs in the hub. Hub: GET /api/v1/me behind the whole middleware
 * stack (request id, access log, metrics, compression, body limit, API-key auth through drizzle
 * with a join on tenants). Baseline: a bare Hono handler that hashes the token and runs one SELECT
 * on the same api_keys table with the same pool size.
 */
export const benchmark: Benchmark = {
  summary: "GET /api/v1/me with an API key vs a bare Hono handler doing one SELECT by key hash",
  run: (options) =>
    compareHttp(options, {
      baselineFile: "auth.ts",
      async prepare({ admin }) {
        const tenant = await admin.createTenant({ slug: "bench-auth", name: "Bench auth" });
        const { key } = await admin.createApiKey({
          tenantId: tenant.slug,
          name: "bench auth",
          scopes: ["omnichannel:read"],
        });
        const headers = { authorization: `Bearer ${key}` };
        return { hub: { path: "/api/v1/me", headers }, baseline: { path: "/me", headers } };
      },
    }),
};
