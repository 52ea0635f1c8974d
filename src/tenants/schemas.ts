import { z } from "@hono/zod-openapi";
import { isKnownRegion } from "../customers/addresses.js";
import { tenantLevels, tenantStatuses } from "../db/schema/index.js";
import { originOf } from "../webchat/origin.js";
import type { Tenant } from "./service.js";

export const tenantSchema = z
  .object({
    id: z.string().openapi({ example: "ten_019a8f6e4b7c7d2e9f10a1b2c3d4e5f6" }),
    slug: z.string().openapi({ example: "bank-sulutgo" }),
    name: z.string().openapi({ example: "Bank SulutGo" }),
    status: z.enum(tenantStatuses),
    level: z.enum(tenantLevels),
    defaultRegion: z.string().nullable().openapi({ example: "ID" }),
    webchatOrigins: z.array(z.string()).openapi({ example: ["https://www.banksulutgo.co.id"] }),
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
    ...tenantSettingsFields(),
  })
  .openapi("CreateTenant");

/**
 * Settings an operator sets on a tenant: its SCT07 configuration level, its phone region and the
 * sites that may embed its web chat.
 */
export function tenantSettingsFields() {
  return {
    level: z
      .enum(tenantLevels, { error: `must be one of ${tenantLevels.join(", ")}` })
      .optional()
      .openapi({ description: "SCT07 configuration level (default advanced)", example: "standard" }),
    defaultRegion: z
      .string()
      .refine(isKnownRegion, "must be an ISO 3166 region code with a phone numbering plan, such as ID or GB")
      .nullable()
      .optional()
      .openapi({ description: "Region of phone numbers written without a country code", example: "ID" }),
    webchatOrigins: z
      .array(
        z
          .string()
          .max(300)
          .transform((text, ctx) => {
            const origin = originOf(text.trim());
            if (origin) return origin;
            ctx.addIssue({ code: "custom", message: "must be an origin such as https://www.bank.example" });
            return z.NEVER;
          }),
      )
      .max(20)
      .optional()
      .openapi({
        description:
          "Sites whose pages may open this tenant's web chat (the whole list, replacing the previous one), besides WEBCHAT_ALLOWED_ORIGINS",
        example: ["https://www.banksulutgo.co.id"],
      }),
  };
}

export function tenantView(t: Tenant): z.infer<typeof tenantSchema> {
  return { ...t, createdAt: t.createdAt.toISOString(), updatedAt: t.updatedAt.toISOString() };
}
