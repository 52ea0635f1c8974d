import { z } from "@hono/zod-openapi";
import { secretText } from "../settingsFields.js";

const base64url = /^[A-Za-z0-9_-]+$/;

/** Web push with VAPID (RFC 8292): the key pair the tenant's web app subscribed browsers with. */
export const pushSettingsSchema = z.strictObject({
  vapidPublicKey: z
    .string({ error: "is required" })
    .regex(base64url, "must be base64url")
    .refine((k) => Buffer.from(k, "base64url").length === 65, "must be a 65-byte uncompressed P-256 point")
    .openapi({
      example: "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM",
    }),
  vapidPrivateKey: secretText(43, 43, "tUxbf-Mv6Pt3Vd3nKVk6ga3T1ybZybGiLDkTXA3cZK0")
    .regex(base64url, "must be base64url")
    .refine((k) => Buffer.from(k, "base64url").length === 32, "must be a 32-byte P-256 private key"),
  subject: z
    .string({ error: "is required" })
    .max(500)
    .regex(/^(mailto:[^\s@]+@[^\s@]+|https:\/\/\S+)$/, "must be a mailto: or https: URL")
    .openapi({ example: "mailto:push@bank.example" }),
});

/** What a PUT takes: secrets may be left out to keep the ones already stored. */
export const pushSettingsInputSchema = pushSettingsSchema
  .partial({ vapidPrivateKey: true })
  .openapi("PushChannelSettings");

export const pushSecretFields = ["vapidPrivateKey"] as const;
