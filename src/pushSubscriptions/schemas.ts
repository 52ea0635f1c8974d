import { z } from "@hono/zod-openapi";
import type { PushSubscriptionRow } from "../db/schema/index.js";
import { withoutCardNumber } from "../serviceDesk/fields.js";

const base64urlOf = (label: string, bytes: number) =>
  z
    .string({ error: `${label} is required` })
    .regex(/^[A-Za-z0-9_-]+={0,2}$/, `${label} must be base64url`)
    .refine((v) => Buffer.from(v, "base64url").length === bytes, `${label} must be ${bytes} bytes`);

/** The customer reference notifications name as recipientId (ent_customer_456, cus_...). */
export const customerReference = z
  .string({ error: "customerId is required" })
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/, "customerId must be 1-100 letters, digits, _ . : or -")
  .refine(...withoutCardNumber("customerId"))
  .openapi({ example: "ent_customer_456" });

/** What a browser's PushSubscription.toJSON() gives, as the tenant's web app forwards it. */
export const subscribeBody = z
  .object({
    customerId: customerReference,
    subscription: z.object(
      {
        endpoint: z
          .url({ protocol: /^https?$/, error: "endpoint must be an http(s) URL" })
          .max(2000)
          .openapi({ example: "https://fcm.googleapis.com/fcm/send/dXJ...:APA91b..." }),
        expirationTime: z.number().int().min(0).nullable().optional(),
        keys: z.object(
          {
            p256dh: base64urlOf("p256dh", 65).openapi({
              example:
                "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM",
            }),
            auth: base64urlOf("auth", 16).openapi({ example: "tBHItJI5svbpez7KI4CCXg" }),
          },
          { error: "keys must be { p256dh, auth }" },
        ),
      },
      { error: "subscription must be a PushSubscription's JSON" },
    ),
  })
  .openapi("PushSubscribe");

export const subscriptionIdParam = z.object({
  subscriptionId: z.string().openapi({
    param: { name: "subscriptionId", in: "path" },
    example: "psu_019a8f6e4b7c7d2e9f10a1b2c3d4e5f6",
  }),
});

/** A subscription as lists show it: which push service, never the browser's endpoint or keys. */
export const subscriptionSchema = z
  .object({
    id: z.string(),
    customerId: z.string(),
    pushService: z.string().openapi({ example: "https://fcm.googleapis.com" }),
    expiresAt: z.iso.datetime().nullable(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .openapi("PushSubscription");

export function subscriptionView(row: PushSubscriptionRow) {
  return {
    id: row.id,
    customerId: row.customerId,
    pushService: row.endpointOrigin,
    expiresAt: row.expiresAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
