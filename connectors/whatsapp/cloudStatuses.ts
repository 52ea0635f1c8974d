import { createHmac, timingSafeEqual } from "node:crypto";
import { z } from "@hono/zod-openapi";
import { type DeliveryReceipt, unhandled } from "../contract.js";

/**
 * Meta signs every webhook POST with the app secret: `X-Hub-Signature-256: sha256=<hex HMAC of the
 * raw body>`. The bytes as received are hashed; re-serialised JSON would not match.
 */
export function verifyCloudSignature(
  rawBody: Uint8Array,
  header: string | undefined,
  appSecret: string,
): boolean {
  if (!header?.startsWith("sha256=")) return false;
  const given = Buffer.from(header.slice("sha256=".length), "hex");
  const expected = createHmac("sha256", appSecret).update(rawBody).digest();
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The statuses Meta documents for an outbound message. */
export const cloudMessageStatuses = ["sent", "delivered", "read", "failed"] as const;
type CloudMessageStatus = (typeof cloudMessageStatuses)[number];

const statusSchema = z.looseObject({
  id: z.string(),
  status: z.string(),
  timestamp: z.string().regex(/^\d{1,12}$/),
  errors: z.array(z.looseObject({ code: z.number().optional(), title: z.string().optional() })).optional(),
});

/** A webhook POST's body: `entry[].changes[].value` with `metadata`, `statuses[]` and `messages[]`. */
export const cloudWebhookSchema = z
  .looseObject({
    object: z.string(),
    entry: z.array(
      z.looseObject({
        id: z.string().optional(),
        changes: z.array(
          z.looseObject({
            field: z.string().optional(),
            value: z.looseObject({
              metadata: z.looseObject({ phone_number_id: z.string() }).optional(),
              statuses: z.array(statusSchema).optional(),
              // Read message by message (cloudInbound.ts): one the hub cannot read is skipped, not a 400.
              messages: z.array(z.looseObject({})).max(1000).optional(),
              contacts: z.array(z.looseObject({})).max(1000).optional(),
            }),
          }),
        ),
      }),
    ),
  })
  .openapi("WhatsAppCloudWebhook");
export type CloudWebhook = z.infer<typeof cloudWebhookSchema>;

function receiptOf(status: z.infer<typeof statusSchema>, known: CloudMessageStatus): DeliveryReceipt {
  const base = {
    channel: "whatsapp" as const,
    providerMessageId: status.id,
    at: new Date(Number(status.timestamp) * 1000),
  };
  switch (known) {
    case "sent":
    case "delivered":
    case "read":
      return { ...base, status: known };
    case "failed": {
      const error = status.errors?.[0];
      const reason = error ? `whatsapp ${error.code ?? "?"}: ${error.title ?? "failed"}` : "whatsapp: failed";
      return { ...base, status: "failed", reason };
    }
    default:
      return unhandled(known);
  }
}

/**
 * Every status of every change addressed to this account's phone number, in order (Meta batches).
 * Statuses outside the closed list (Meta adds some, e.g. 'deleted') are returned apart, for the
 * route to log and ignore.
 */
export function cloudStatusReceipts(
  body: CloudWebhook,
  phoneNumberId: string,
): { receipts: DeliveryReceipt[]; unknown: string[] } {
  const receipts: DeliveryReceipt[] = [];
  const unknown: string[] = [];
  for (const entry of body.entry) {
    for (const change of entry.changes) {
      if (change.value.metadata?.phone_number_id !== phoneNumberId) continue;
      for (const status of change.value.statuses ?? []) {
        const known = cloudMessageStatuses.find((s) => s === status.status);
        if (known) receipts.push(receiptOf(status, known));
        else unknown.push(status.status);
      }
    }
  }
  return { receipts, unknown };
}
