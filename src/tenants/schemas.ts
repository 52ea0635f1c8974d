import { z } from "@hono/zod-openapi";
import { tenantStatuses } from "../db/schema/index.js";
import type { Tenant } from "./service.js";

export const tenantSchema = z
  .object({
    id: z.string().openapi({ example: "ten_019a8f6e4b7c7d2e9f10a1b2c3d4e5f6" }),
    slug: z.string().openapi({ example: "bank-sulutgo" }),
    name: z.string().openapi({ example: "Bank SulutGo" }),
    status: z.enum(tenantStatuses),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .openapi("Tenant");

export const createTenantSchema = z
  .object({
    slug: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{1,62}$/, "lowercase letters, digits and '-', 2 to 63 characters")
      .openapi({ example: "bank-sulutgo" }),
    name: z.string().trim().min(1).max(200).openapi({ example: "Bank SulutGo" }),
  })
  .openapi("CreateTenant");

export function tenantView(t: Tenant): z.infer<typeof tenantSchema> {
  return { ...t, createdAt: t.createdAt.toISOString(), updatedAt: t.updatedAt.toISOString() };
}
