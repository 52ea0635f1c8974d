import { z } from "@hono/zod-openapi";
import { scopes } from "../auth/scopes.js";
import type { ApiKeyView } from "./service.js";

export const apiKeySchema = z
  .object({
    id: z.string().openapi({ example: "key_019a8f6e4b7c7d2e9f10a1b2c3d4e5f6" }),
    tenantId: z.string(),
    name: z.string().openapi({ example: "core-banking partner" }),
    start: z.string().openapi({ description: "The first characters of the key", example: "sbk_Xy12Ab" }),
    scopes: z.array(z.string()).openapi({ example: ["omnichannel:create", "omnichannel:read"] }),
    rateLimitPerMinute: z.number().int().nullable().openapi({
      description: "The key's own requests per minute; null = the hub's default (RATE_LIMIT_PER_MINUTE)",
      example: 6000,
    }),
    createdAt: z.iso.datetime(),
    expiresAt: z.iso.datetime().nullable(),
    lastUsedAt: z.iso.datetime().nullable(),
    revokedAt: z.iso.datetime().nullable(),
  })
  .openapi("ApiKey");

export const createdApiKeySchema = apiKeySchema
  .extend({
    key: z.string().openapi({
      description: "The key itself. It is shown only in this response and cannot be retrieved again.",
      example: "sbk_Xy12Ab...",
    }),
  })
  .openapi("CreatedApiKey");

const keyName = z.string().trim().min(1).max(200).openapi({ example: "core-banking partner" });

const rateLimitPerMinute = z.number().int().min(1).max(1_000_000).nullable().openapi({
  description:
    "Requests per minute for this key; null = the hub's default. A tenant's key may not give more than its own.",
  example: 6000,
});

export const newApiKeyFields = {
  name: keyName,
  scopes: z
    .array(z.enum(scopes))
    .min(1)
    .openapi({
      description: `Any of: ${scopes.join(", ")}`,
      example: ["omnichannel:create", "omnichannel:read"],
    }),
  expiresAt: z.iso.datetime({ offset: true }).optional().openapi({
    description:
      "When the key stops working. Admin API: never when absent. A tenant's own keys: at most TENANT_KEY_MAX_DAYS ahead (and not after the calling key's expiry), which is also the default",
  }),
  rateLimitPerMinute: rateLimitPerMinute.optional(),
};

export const updateApiKeySchema = z
  .object({ name: keyName.optional(), rateLimitPerMinute: rateLimitPerMinute.optional() })
  .refine((v) => v.name !== undefined || v.rateLimitPerMinute !== undefined, {
    message: "name or rateLimitPerMinute is required",
    path: ["name"],
  })
  .openapi("UpdateApiKey");

export const keyIdParam = z.object({
  keyId: z
    .string()
    .openapi({ param: { name: "keyId", in: "path" }, example: "key_019a8f6e4b7c7d2e9f10a1b2c3d4e5f6" }),
});

export function apiKeyView(k: ApiKeyView): z.infer<typeof apiKeySchema> {
  return {
    ...k,
    createdAt: k.createdAt.toISOString(),
    expiresAt: k.expiresAt?.toISOString() ?? null,
    lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
    revokedAt: k.revokedAt?.toISOString() ?? null,
  };
}

/** A key just created: its view and, this once, the plain key. */
export function createdApiKeyView(created: { apiKey: ApiKeyView; key: string }) {
  return { ...apiKeyView(created.apiKey), key: created.key };
}
