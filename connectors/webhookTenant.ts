import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { HubEnv } from "../src/http/env.js";

/** A tenant id as /api/webhooks paths carry it (never a slug: providers are given the id). */
const tenantIdPattern = /^ten_[0-9a-f]{32}$/;

/**
 * The path's tenant id, read before validation (signatures are checked first, and need the
 * tenant's secret); anything that is not one names no account.
 */
export function webhookTenantId(param: string | undefined): string | undefined {
  return param && tenantIdPattern.test(param) ? param : undefined;
}

export const webhookTenantParam = z.object({
  tenantId: z
    .string()
    .regex(tenantIdPattern, "must be a tenant id")
    .openapi({ param: { name: "tenantId", in: "path" }, example: "ten_019a8f6e4b7c7d2e9f10a1b2c3d4e5f6" }),
});

/**
 * A lookup made once per request however many steps ask for it: the signature middleware and the
 * handler both need the tenant's account.
 */
export function oncePerRequest<T>(
  load: (c: Context<HubEnv>) => Promise<T>,
): (c: Context<HubEnv>) => Promise<T> {
  const loaded = new WeakMap<Request, Promise<T>>();
  return (c) => {
    let found = loaded.get(c.req.raw);
    if (!found) {
      found = load(c);
      loaded.set(c.req.raw, found);
    }
    return found;
  };
}
