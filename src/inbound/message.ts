import type { TicketChannel } from "../tickets/vocabulary.js";

/**
 * The channels customers write on. Each connector's receive half turns its provider's payload into
 * an InboundMessage; everything after that (store, queue, router) is the same for all of them.
 */
export const inboundChannels = ["telegram", "sms", "whatsapp", "email", "webchat"] as const;
export type InboundChannel = (typeof inboundChannels)[number];

/** The service desk's name for each channel, on the tickets the router opens. */
export const ticketChannelOf = {
  telegram: "TELEGRAM",
  sms: "SMS",
  whatsapp: "WHATSAPP",
  email: "EMAIL",
  webchat: "CHAT",
} as const satisfies Record<InboundChannel, TicketChannel>;

/**
 * What kind of address a channel's sender has: how the customers module can recognise them. A phone
 * number (SMS, WhatsApp) and an e-mail address match the customer records the service desk keeps;
 * a chat id (Telegram) means something on its channel only. A web chat customer gives either an
 * e-mail address or a phone number when they start (`contact`: an address with an @ is an e-mail).
 */
export const addressKindOf = {
  telegram: "chat",
  sms: "phone",
  whatsapp: "phone",
  email: "email",
  webchat: "contact",
} as const satisfies Record<InboundChannel, "phone" | "email" | "chat" | "contact">;

/**
 * A file the customer sent, as a reference the channel can resolve later (a Telegram file_id, a
 * Twilio media URL): the bytes are fetched by the router's worker, never in the webhook's answer.
 */
export type InboundAttachmentRef = {
  /** The provider's handle for the file. */
  ref: string;
  kind: "photo" | "document" | "audio" | "video" | "other";
  filename?: string | undefined;
  mimeType?: string | undefined;
  size?: number | undefined;
};

/**
 * What a message says it answers, for channels whose threads are not one per address (e-mail): the
 * router tries them in this order (src/inbound/threading.ts) before taking `threadRef` as a new thread.
 */
export type ThreadHints = {
  /** The token of the per-ticket reply address the message was sent to (`<local>+<token>@`). */
  replyToken?: string | undefined;
  /** In-Reply-To: the message ids this one answers. */
  inReplyTo?: string[] | undefined;
  /** References: the chain before it, oldest first, as the header lists them. */
  references?: string[] | undefined;
  /** A ticket number the subject names ("[#12345]", "Tiket #12345"). */
  ticketNumber?: string | undefined;
  /** The subject, so that replies answer "Re:" it. */
  subject?: string | undefined;
};

/** One customer message, whatever channel it came on. */
export type InboundMessage = {
  channel: InboundChannel;
  tenantId: string;
  /**
   * The provider's id of this message, stable across redeliveries (Telegram: chat id and message
   * id; Twilio: MessageSid). With tenant and channel (one account per channel and tenant) it is
   * unique, which is what makes a redelivery a no-op.
   */
  providerMessageId: string;
  sender: { address: string; displayName?: string | undefined };
  text: string;
  attachments: readonly InboundAttachmentRef[];
  /** The conversation on the channel: Telegram's chat id, the sender's phone number, a mail's Message-ID. */
  threadRef: string;
  threadHints?: ThreadHints | undefined;
  receivedAt: Date;
  /** The customer's language as the channel reports it, if it does (Telegram's language_code). */
  languageHint?: string | undefined;
  /** The provider's payload as received; card numbers are masked before it is stored. */
  raw: unknown;
};

const channelLabels = {
  telegram: "Telegram",
  sms: "SMS",
  whatsapp: "WhatsApp",
  email: "e-mail",
  webchat: "web chat",
} as const satisfies Record<InboundChannel, string>;

/**
 * The name a customer gets when their channel shows none (an SMS carries a number only). Not the
 * number itself: a name is free text, masked like any, and a phone number can read as a card number.
 */
export function unnamedCustomer(channel: InboundChannel): string {
  return `Nasabah ${channelLabels[channel]}`;
}

export function isUnnamed(name: string): boolean {
  return (Object.keys(channelLabels) as InboundChannel[]).some((c) => unnamedCustomer(c) === name);
}
