import { z } from "@hono/zod-openapi";
import { normalizePhone } from "../../src/customers/addresses.js";
import type { InboundAttachmentRef, InboundMessage } from "../../src/inbound/message.js";
import type { CloudWebhook } from "./cloudStatuses.js";

/**
 * The parts of a Cloud API message (`entry[].changes[].value.messages[]`) the hub reads; the rest
 * passes untouched into the raw payload. https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks/payload-examples
 */
const media = z.looseObject({
  id: z.string().min(1).max(256),
  mime_type: z.string().max(255).optional(),
  caption: z.string().max(20_000).optional(),
  filename: z.string().max(1000).optional(),
});

const reply = z.looseObject({
  title: z.string().max(1000).optional(),
  description: z.string().max(1000).optional(),
});

const cloudMessage = z.looseObject({
  from: z.string().regex(/^\d{5,20}$/),
  id: z.string().min(1).max(512),
  timestamp: z.string().regex(/^\d{1,12}$/),
  type: z.string().max(50),
  text: z.looseObject({ body: z.string().max(20_000) }).optional(),
  image: media.optional(),
  document: media.optional(),
  audio: media.optional(),
  video: media.optional(),
  // A quick-reply button of a template message.
  button: z
    .looseObject({ text: z.string().max(1000).optional(), payload: z.string().max(1000).optional() })
    .optional(),
  // A reply button or a list row of an interactive message.
  interactive: z
    .looseObject({ type: z.string().max(50), button_reply: reply.optional(), list_reply: reply.optional() })
    .optional(),
});
type CloudMessage = z.infer<typeof cloudMessage>;

const contact = z.looseObject({
  wa_id: z.string().max(20).optional(),
  profile: z.looseObject({ name: z.string().max(500).optional() }).optional(),
});

/** Media kinds the hub keeps, and what a file of each is called on the ticket. */
const mediaKinds = { image: "photo", document: "document", audio: "audio", video: "video" } as const;

/** The words of a message, or undefined when its type is one the hub does not read. */
function textOf(m: CloudMessage): string | undefined {
  switch (m.type) {
    case "text":
      return m.text?.body;
    case "image":
    case "document":
    case "audio":
    case "video":
      return m[m.type] ? (m[m.type]?.caption ?? "") : undefined;
    case "button":
      return m.button?.text ?? m.button?.payload;
    case "interactive": {
      const chosen = m.interactive?.button_reply ?? m.interactive?.list_reply;
      if (!chosen?.title) return undefined;
      return chosen.description ? `${chosen.title}\n${chosen.description}` : chosen.title;
    }
    default:
      return undefined;
  }
}

function attachmentsOf(m: CloudMessage): InboundAttachmentRef[] {
  if (m.type !== "image" && m.type !== "document" && m.type !== "audio" && m.type !== "video") return [];
  const file = m[m.type];
  if (!file) return [];
  // The ref is Meta's media id: the router fetches the bytes later through the Graph API.
  return [{ ref: file.id, kind: mediaKinds[m.type], filename: file.filename, mimeType: file.mime_type }];
}

/**
 * Every customer message of a batch addressed to the account's phone number, as InboundMessages.
 * The sender is the wa_id (a phone number's digits) as E.164, the address replies go to and the
 * conversation's thread; the name is the profile name Meta sends beside it. A message of a type
 * the hub does not read (reactions, stickers, locations, unsupported...) is skipped and counted:
 * answering Meta with a 4xx would only have it resend the whole batch for days.
 */
export function cloudInboundMessages(
  tenantId: string,
  body: CloudWebhook,
  phoneNumberId: string,
): { messages: InboundMessage[]; skipped: string[] } {
  const messages: InboundMessage[] = [];
  const skipped: string[] = [];
  for (const entry of body.entry) {
    for (const change of entry.changes) {
      const value = change.value;
      if (value.metadata?.phone_number_id !== phoneNumberId) continue;
      const contacts = z.array(contact).safeParse(value.contacts ?? []);
      const names = new Map(
        (contacts.success ? contacts.data : []).map((c) => [c.wa_id, c.profile?.name?.trim() || undefined]),
      );
      for (const raw of value.messages ?? []) {
        const parsed = cloudMessage.safeParse(raw);
        const text = parsed.success ? textOf(parsed.data) : undefined;
        if (!parsed.success || text === undefined) {
          skipped.push(typeof raw.type === "string" ? raw.type.slice(0, 50) : "unreadable");
          continue;
        }
        const m = parsed.data;
        const address = normalizePhone(`+${m.from}`);
        messages.push({
          channel: "whatsapp",
          tenantId,
          providerMessageId: m.id,
          sender: { address, displayName: names.get(m.from) },
          text,
          attachments: attachmentsOf(m),
          threadRef: address,
          receivedAt: new Date(Number(m.timestamp) * 1000),
          raw,
        });
      }
    }
  }
  return { messages, skipped };
}
