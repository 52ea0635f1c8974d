import type { BlobStore } from "../../src/blobs/store.js";
import { normalizePhone } from "../../src/customers/addresses.js";
import type { InboundAttachmentRef, InboundMessage } from "../../src/inbound/message.js";
import type { WebMessage } from "./webClient.js";
import { stageWebMedia } from "./webMedia.js";

/** Message types that carry a file, and what the file is on the ticket. */
const mediaKinds: Record<string, InboundAttachmentRef["kind"]> = {
  image: "photo",
  document: "document",
  audio: "audio",
  ptt: "audio",
  video: "video",
};

/** Types whose `body` is what the customer said: text, and replies to buttons and lists. */
const textTypes = new Set(["chat", "buttons_response", "list_response", "template_button_reply"]);

/**
 * The sender's phone number (digits) of a person's chat: `<digits>@c.us`, or for a linked id
 * (`@lid`, which hides the number) the number the contact card shows. Groups, broadcasts and
 * channels are not a customer writing to the bank.
 */
export function webSenderDigits(from: string, contactNumber: string | undefined): string | undefined {
  const [user, server] = from.split("@");
  if (server === "c.us" && user && /^\d{5,20}$/.test(user)) return user;
  if (server === "lid" && contactNumber && /^\d{5,20}$/.test(contactNumber)) return contactNumber;
  return undefined;
}

/** Whether the gateway reads this message at all (before asking the browser for anything). */
export function isReadable(message: WebMessage): boolean {
  return (
    !message.fromMe &&
    !message.isStatus &&
    (textTypes.has(message.type) || message.type in mediaKinds) &&
    /@(c\.us|lid)$/.test(message.from)
  );
}

/** A WhatsApp Web message as the hub's InboundMessage: the pure part, once sender and files are known. */
export function inboundFromWebMessage(
  tenantId: string,
  message: WebMessage,
  sender: { digits: string; name: string | undefined },
  attachments: readonly InboundAttachmentRef[],
): InboundMessage {
  const address = normalizePhone(`+${sender.digits}`);
  return {
    channel: "whatsapp",
    tenantId,
    providerMessageId: message.id._serialized,
    sender: { address, displayName: sender.name?.trim() || undefined },
    text: message.body,
    attachments,
    threadRef: address,
    receivedAt: new Date(message.timestamp * 1000),
    // The Message object holds the browser page; what the hub keeps is what it read.
    raw: { id: message.id._serialized, from: message.from, type: message.type, timestamp: message.timestamp },
  };
}

/**
 * Reads one 'message' event: the contact's name (and number, for a linked id) from the session,
 * the file downloaded and staged in the blob store. Undefined for what the hub does not read;
 * `skipped` names the type for the gateway's count.
 */
export async function readWebMessage(
  tenantId: string,
  message: WebMessage,
  files: { blobs: BlobStore; maxBytes: number },
): Promise<{ message: InboundMessage } | { skipped: string }> {
  if (!isReadable(message)) return { skipped: message.type };
  const contact = await message.getContact().catch(() => undefined);
  const digits = webSenderDigits(message.from, contact?.number);
  if (!digits) return { skipped: "unknown sender" };
  const kind = mediaKinds[message.type];
  const attachments: InboundAttachmentRef[] = [];
  if (kind && message.hasMedia) {
    const media = await message.downloadMedia().catch(() => undefined);
    attachments.push(
      media
        ? await stageWebMedia(files.blobs, tenantId, message.id._serialized, media, kind, files.maxBytes)
        : { ref: "", kind },
    );
  }
  return {
    message: inboundFromWebMessage(tenantId, message, { digits, name: contact?.pushname }, attachments),
  };
}
