import { z } from "@hono/zod-openapi";
import { providerUrl, secretText } from "../settingsFields.js";

/** The official WhatsApp Business Cloud API (Graph API). */
export const whatsappCloudSettingsSchema = z.strictObject({
  phoneNumberId: z
    .string({ error: "is required" })
    .regex(/^\d{5,25}$/, "must be the numeric phone number id Meta shows (not the phone number)")
    .openapi({ example: "106540352242922" }),
  accessToken: secretText(20, 1024, "EAAG-example-system-user-token"),
  appSecret: secretText(16, 128, "0123456789abcdef0123456789abcdef"),
  verifyToken: secretText(8, 256, "switchboard-verify-2f1c"),
  graphBaseUrl: providerUrl("https://graph.facebook.com/v21.0").openapi({
    description: "Graph API origin with its version, e.g. https://graph.facebook.com/v21.0",
  }),
});

/** What a PUT takes: secrets may be left out to keep the ones already stored. */
export const whatsappCloudSettingsInputSchema = whatsappCloudSettingsSchema
  .partial({ accessToken: true, appSecret: true, verifyToken: true })
  .openapi("WhatsAppCloudChannelSettings");

export const whatsappCloudSecretFields = ["accessToken", "appSecret", "verifyToken"] as const;

/** whatsapp-web.js: the gateway role holds the session; nothing to configure here. */
export const whatsappWebSettingsSchema = z.strictObject({}).openapi("WhatsAppWebChannelSettings");
