import { z } from "@hono/zod-openapi";
import type { InboundAttachmentRef, InboundMessage } from "../../src/inbound/message.js";

const maxMedia = 10;

/**
 * The fields of Twilio's incoming-message webhook the hub reads (form-encoded, all of them signed):
 * https://www.twilio.com/docs/messaging/guides/webhook-request. Everything else is kept raw.
 */
export const twilioInboundForm = z
  .looseObject({
    MessageSid: z
      .string({ error: "MessageSid is required" })
      .regex(/^(SM|MM)[0-9a-fA-F]{32}$/, "MessageSid must be a message SID"),
    From: z.string({ error: "From is required" }).min(1).max(64),
    To: z.string().max(64).optional(),
    Body: z.string().max(20_000).default(""),
    NumMedia: z.coerce.number().int().min(0).max(maxMedia).default(0),
  })
  .openapi("TwilioIncomingMessage");

export type TwilioInboundForm = z.infer<typeof twilioInboundForm>;

function mediaOf(form: TwilioInboundForm): InboundAttachmentRef[] {
  const refs: InboundAttachmentRef[] = [];
  for (let i = 0; i < form.NumMedia; i++) {
    const url = form[`MediaUrl${i}`];
    if (typeof url !== "string") continue;
    const mimeType =
      typeof form[`MediaContentType${i}`] === "string" ? String(form[`MediaContentType${i}`]) : undefined;
    refs.push({ ref: url, kind: mimeType?.startsWith("image/") ? "photo" : "document", mimeType });
  }
  return refs;
}

/**
 * An incoming SMS (or MMS) as the hub's InboundMessage. The sender's number is both the reply
 * address and the thread: a tenant has one SMS account, so every message from a number to it is one
 * conversation. Twilio gives no time of sending: the time of arrival stands in.
 */
export function inboundFromTwilio(
  tenantId: string,
  form: TwilioInboundForm,
  receivedAt: Date,
): InboundMessage {
  return {
    channel: "sms",
    tenantId,
    providerMessageId: form.MessageSid,
    sender: { address: form.From },
    text: form.Body,
    attachments: mediaOf(form),
    threadRef: form.From,
    receivedAt,
    raw: form,
  };
}
