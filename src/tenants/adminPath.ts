import { z } from "@hono/zod-openapi";
import type { Database } from "../db/client.js";
import { errors } from "../errors.js";
import { findTenant, type Tenant } from "./service.js";

/** The `{tenantId}` of an admin path: a tenant's id or its slug. */
export const tenantParam = z.object({
  tenantId: z.string().openapi({ param: { name: "tenantId", in: "path" }, description: "Tenant id or slug" }),
});

/** The tenant an admin path names, or 404 "Tenant not found". */
export async function requireTenant(db: Database, idOrSlug: string): Promise<Tenant> {
  const tenant = await findTenant(db, idOrSlug);
  if (!tenant) throw errors.notFound("Tenant not found");
  return tenant;
}
