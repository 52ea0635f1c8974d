import { z } from "@hono/zod-openapi";

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
