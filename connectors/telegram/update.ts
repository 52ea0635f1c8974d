import { z } from "@hono/zod-openapi";
import type { InboundAttachmentRef, InboundMessage } from "../../src/inbound/message.js";

/**
 * The parts of a Bot API Update (https://core.telegram.org/bots/api#update) the hub reads, checked
 * at the edge: everything else an update carries passes through untouched into the raw payload.
 * Webhooks deliver one update per request and getUpdates a list; both come through here.
 */
const file = z.looseObject({
  file_id: z.string().min(1).max(512),
  file_name: z.string().max(1000).optional(),
  mime_type: z.string().max(255).optional(),
  file_size: z.number().int().nonnegative().optional(),
});

const message = z.looseObject({
  message_id: z.number().int(),
  date: z.number().int().nonnegative(),
  chat: z.looseObject({ id: z.number().int(), type: z.string().max(20) }),
  from: z
    .looseObject({
      id: z.number().int(),
      first_name: z.string().max(500).optional(),
      last_name: z.string().max(500).optional(),
      language_code: z.string().max(35).optional(),
    })
    .optional(),
  text: z.string().max(20_000).optional(),
  caption: z.string().max(20_000).optional(),
  photo: z.array(file).max(20).optional(),
  document: file.optional(),
  audio: file.optional(),
  voice: file.optional(),
  video: file.optional(),
  video_note: file.optional(),
  sticker: z.looseObject({ emoji: z.string().max(50).optional() }).optional(),
  location: z.looseObject({ latitude: z.number(), longitude: z.number() }).optional(),
  contact: z.looseObject({ phone_number: z.string().max(50) }).optional(),
});

export const telegramUpdateSchema = z.looseObject({
  update_id: z.number().int().nonnegative(),
  message: message.optional(),
});

/**
 * What the webhook route requires of a body: an update (or a list of them) with its `update_id`.
 * The message inside is read update by update (messagesOfUpdates): one Telegram sends in a shape
 * the hub does not read is skipped, not answered 400, which Telegram would redeliver for ever while
 * the bot's later updates wait behind it.
 */
const envelope = z.looseObject({ update_id: z.number().int().nonnegative() });
export const telegramWebhookBody = z
  .union([envelope, z.array(envelope).max(100)])
  .openapi("TelegramWebhookBody", {
    description: "A Bot API Update, or a list of them; only `message` in private chats is read",
  });

/** The InboundMessages of a batch of updates, and how many updates could not be read. */
export function messagesOfUpdates(
  tenantId: string,
  updates: readonly unknown[],
): { messages: InboundMessage[]; unreadable: number } {
  const messages: InboundMessage[] = [];
  let unreadable = 0;
  for (const raw of updates) {
    const update = telegramUpdateSchema.safeParse(raw);
    if (!update.success) {
      unreadable++;
      continue;
    }
    const message = inboundFromUpdate(tenantId, update.data);
    if (message) messages.push(message);
  }
  return { messages, unreadable };
}

export type TelegramUpdate = z.infer<typeof telegramUpdateSchema>;
type TelegramMessage = z.infer<typeof message>;

function attachmentsOf(m: TelegramMessage): InboundAttachmentRef[] {
  const refs: InboundAttachmentRef[] = [];
  // Telegram sends every size it made of a photo, smallest first: the largest is the customer's.
  const photo = m.photo?.at(-1);
  if (photo) refs.push({ ref: photo.file_id, kind: "photo", mimeType: "image/jpeg", size: photo.file_size });
  const ref = (f: z.infer<typeof file>, kind: InboundAttachmentRef["kind"]): InboundAttachmentRef => ({
    ref: f.file_id,
    kind,
    filename: f.file_name,
    mimeType: f.mime_type,
    size: f.file_size,
  });
  if (m.document) refs.push(ref(m.document, "document"));
  if (m.audio) refs.push(ref(m.audio, "audio"));
  if (m.voice) refs.push(ref(m.voice, "audio"));
  if (m.video) refs.push(ref(m.video, "video"));
  if (m.video_note) refs.push(ref(m.video_note, "video"));
  return refs;
}

/** What a message without words says, so the agent sees that something came. */
function wordlessText(m: TelegramMessage): string {
  if (m.sticker) return `[Stiker${m.sticker.emoji ? ` ${m.sticker.emoji}` : ""}]`;
  if (m.location) return `[Lokasi: ${m.location.latitude}, ${m.location.longitude}]`;
  if (m.contact) return "[Kontak dibagikan]";
  return "";
}

/**
 * An update as the hub's InboundMessage, or undefined for what is not a customer writing to the
 * bank: edits, channel posts, callbacks, group chats. The provider message id is the chat and the
 * message id (message ids count per chat), the thread and the reply address are the chat.
 */
export function inboundFromUpdate(tenantId: string, update: TelegramUpdate): InboundMessage | undefined {
  const m = update.message;
  if (m?.chat.type !== "private") return undefined;
  const chatId = String(m.chat.id);
  const name = [m.from?.first_name, m.from?.last_name].filter(Boolean).join(" ").trim();
  return {
    channel: "telegram",
    tenantId,
    providerMessageId: `${chatId}:${m.message_id}`,
    sender: { address: chatId, displayName: name || undefined },
    text: m.text ?? m.caption ?? wordlessText(m),
    attachments: attachmentsOf(m),
    threadRef: chatId,
    receivedAt: new Date(m.date * 1000),
    languageHint: m.from?.language_code,
    raw: update,
  };
}
