import { z } from "@hono/zod-openapi";
import { providerUrl, secretText } from "../settingsFields.js";

const e164 = /^\+[1-9]\d{6,14}$/;
const messagingServiceSid = /^MG[0-9a-fA-F]{32}$/;
// Twilio's alphanumeric sender ids: up to 11 letters, digits and spaces, at least one letter.
const alphanumericSender = /^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$/;

/** Twilio Programmable Messaging. */
export const smsSettingsSchema = z.strictObject({
  accountSid: z
    .string({ error: "is required" })
    .regex(/^AC[0-9a-fA-F]{32}$/, "must be a Twilio Account SID (AC + 32 hex digits)")
    .openapi({ example: "AC0123456789abcdef0123456789abcdef" }),
  authToken: secretText(16, 128, "0123456789abcdef0123456789abcdef"),
  from: z
    .string({ error: "is required" })
    .refine(
      (f) => e164.test(f) || messagingServiceSid.test(f) || alphanumericSender.test(f),
      "must be an E.164 number, a Messaging Service SID (MG...) or an alphanumeric sender id",
    )
    .openapi({ example: "+14155550100" }),
  apiBaseUrl: providerUrl("https://api.twilio.com"),
});

/** What a PUT takes: secrets may be left out to keep the ones already stored. */
export const smsSettingsInputSchema = smsSettingsSchema
  .partial({ authToken: true })
  .openapi("SmsChannelSettings");

export const smsSecretFields = ["authToken"] as const;

export function isMessagingServiceSid(from: string): boolean {
  return messagingServiceSid.test(from);
}
