import type { WebhookDestinationPolicy } from "../src/webhooks/resolvedDestination.js";

/**
 * The send half of the Connector contract: what the notification pipeline hands a channel sender,
 * what it gets back, and how provider delivery receipts flow back into the hub.
 *
 * The pipeline (queues/, src/notifications) depends on this file only; each connectors/<channel>
 * folder implements it. A missing channel in the registry type is a compile error.
 */

/** Every channel a notification can go out on. `in_app` is delivered by the pipeline itself. */
export const channels = ["email", "sms", "telegram", "whatsapp", "push", "in_app"] as const;
export type Channel = (typeof channels)[number];

// ---------------------------------------------------------------------------------------------
// Rendered content, one shape per channel (the template engine's output).

export type EmailContent = {
  channel: "email";
  subject: string;
  html: string;
  text: string;
  /** Threading: the Message-ID this message answers and the chain before it. */
  inReplyTo?: string;
  references?: string[];
  /** Where the customer's answer should go (a ticket's reply address). */
  replyTo?: string;
  /** An automatic answer (acknowledgement): sent with `Auto-Submitted: auto-replied` (RFC 3834). */
  automatic?: boolean;
};
export type SmsContent = { channel: "sms"; text: string };
export type PushContent = { channel: "push"; title: string; body: string; url?: string };
/** WhatsApp: free text inside the 24-hour window, or an approved template outside it. */
export type WhatsAppContent =
  | { channel: "whatsapp"; kind: "text"; text: string }
  | {
      channel: "whatsapp";
      kind: "template";
      name: string;
      /** The approved template's language code, e.g. "id" or "en_US". */
      language: string;
      /** Body parameters in order ({{1}}, {{2}}, ...). */
      parameters: string[];
    };
export type TelegramContent = {
  channel: "telegram";
  text: string;
  parseMode: "HTML" | "MarkdownV2" | "plain";
};
export type InAppContent = { channel: "in_app"; title: string; body: string; link?: string };

export type RenderedContent =
  | EmailContent
  | SmsContent
  | PushContent
  | WhatsAppContent
  | TelegramContent
  | InAppContent;
export type ContentFor<C extends Channel> = Extract<RenderedContent, { channel: C }>;

// ---------------------------------------------------------------------------------------------
// Outbound message and send result.

export type OutboundMessage<C extends Channel = Channel> = {
  /** The delivery row's id: sent to the provider as idempotency key / client reference. */
  deliveryId: string;
  tenantId: string;
  /**
   * The recipient's address on this channel: e-mail address; E.164 phone number (sms, whatsapp);
   * Telegram chat id; for push and in_app the customer reference the notification names as
   * recipientId (push sends to every browser subscription stored under it).
   */
  to: string;
  content: ContentFor<C>;
};

/**
 * Decided inside each adapter, so the pipeline never reads provider error codes:
 * - sent: the provider accepted it; its id is what receipts will name.
 * - transient: worth retrying with backoff (timeouts, 429, 5xx).
 * - permanent: retrying cannot help (invalid number, blocked bot, gone push endpoint, bad content).
 */
export const sendOutcomes = ["sent", "transient", "permanent"] as const;
export type SendOutcome = (typeof sendOutcomes)[number];
export type SendResult =
  | { outcome: "sent"; providerMessageId: string }
  | { outcome: "transient"; reason: string; retryAfterMs?: number }
  | { outcome: "permanent"; reason: string };

/** The exhaustive-switch guard: a new outcome or status added without handling fails to compile. */
export function unhandled(value: never): never {
  throw new Error(`Unhandled value: ${JSON.stringify(value)}`);
}

// ---------------------------------------------------------------------------------------------
// Delivery receipts (provider callbacks → the deliveries table).

export const receiptStatuses = ["sent", "delivered", "read", "failed"] as const;
export type ReceiptStatus = (typeof receiptStatuses)[number];

export type DeliveryReceipt = {
  channel: Channel;
  providerMessageId: string;
  status: ReceiptStatus;
  /** The provider's reason on failure (error code and text), never the message body. */
  reason?: string;
  /** When the provider says it happened. */
  at: Date;
};

/**
 * Implemented by the pipeline against its deliveries table. Provider callback routes call it after
 * verifying the signature. A receipt may arrive before send() has returned the provider id: the
 * implementation keeps it until the delivery row knows that id. Statuses only move forward.
 */
export interface ReceiptSink {
  record(tenantId: string, receipt: DeliveryReceipt): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Channel accounts: a tenant's provider configuration per channel (secrets decrypted in memory).

export type EmailSettings = {
  host: string;
  port: number;
  /** true: TLS from the first byte (465); false: STARTTLS when offered (587 / 25). */
  secure: boolean;
  user?: string;
  pass?: string;
  /** SMTP connections kept open for sending, one message at a time each (nodemailer's 5 when unset). */
  maxConnections?: number;
  /** The From header, e.g. "Bank Example <noreply@bank.example>". */
  from: string;
  /**
   * The address customers write to, which the hub's SMTP listener accepts for this tenant (the
   * bank's MX or forwarding sends it here); tickets' reply addresses are `<local>+<token>@<domain>`
   * of it. Unset: the address in `from`.
   */
  inboundAddress?: string;
};
export type TwilioSettings = {
  accountSid: string;
  authToken: string;
  /** E.164 sender number or a Messaging Service SID (MG...). */
  from: string;
  /** Twilio's API origin, or the bank's egress proxy / a local fake. */
  apiBaseUrl: string;
};
export type TelegramSettings = {
  botToken: string;
  apiRoot: string;
  /** Sent by Telegram as X-Telegram-Bot-Api-Secret-Token on the inbound webhook. */
  webhookSecret: string;
};
export type WhatsAppCloudSettings = {
  phoneNumberId: string;
  accessToken: string;
  appSecret: string;
  verifyToken: string;
  /** e.g. https://graph.facebook.com/v21.0 (version included). */
  graphBaseUrl: string;
};
export type WhatsAppWebSettings = Record<string, never>;
export type WebPushSettings = { vapidPublicKey: string; vapidPrivateKey: string; subject: string };
export type InAppSettings = Record<string, never>;

/** Per channel: the providers it can use and each provider's settings. */
export type ChannelProviders = {
  email: { provider: "smtp"; settings: EmailSettings };
  sms: { provider: "twilio"; settings: TwilioSettings };
  telegram: { provider: "telegram"; settings: TelegramSettings };
  whatsapp:
    | { provider: "cloud"; settings: WhatsAppCloudSettings }
    | { provider: "web"; settings: WhatsAppWebSettings };
  push: { provider: "webpush"; settings: WebPushSettings };
  in_app: { provider: "in_app"; settings: InAppSettings };
};

export type ChannelAccount<C extends Channel = Channel> = {
  [K in C]: {
    tenantId: string;
    channel: K;
    enabled: boolean;
    /** Changes on every save: a cache of built senders rebuilds when it moves. */
    updatedAt: Date;
  } & ChannelProviders[K];
}[C];

/** Reads a tenant's account with its secrets decrypted (src/channelAccounts implements it). */
export interface ChannelAccountReader {
  find<C extends Channel>(tenantId: string, channel: C): Promise<ChannelAccount<C> | undefined>;
}

// ---------------------------------------------------------------------------------------------
// Senders and their registry.

export interface Sender<C extends Channel = Channel> {
  readonly channel: C;
  /** Never throws for a provider's answer or a network failure: those are SendResults. */
  send(message: OutboundMessage<C>): Promise<SendResult>;
  /** Releases pooled connections (SMTP); called when the account changes or the worker stops. */
  close?(): void | Promise<void>;
}

/** One customer browser's push subscription, as the browser's PushManager gave it. */
export type PushSubscriptionRecord = {
  id: string;
  endpoint: string;
  keys: { p256dh: string; auth: string };
};

/** What the push sender needs from the subscriptions store (src/notifications/push...). */
export interface PushSubscriptionStore {
  listForCustomer(tenantId: string, customerId: string): Promise<PushSubscriptionRecord[]>;
  /** The push service answered 404 / 410: the browser unsubscribed. */
  remove(tenantId: string, subscriptionId: string): Promise<void>;
}

/**
 * The narrow part of whatsapp-web.js's Client a sender uses; the real Client satisfies it, the
 * gateway role (inbound issue) owns the running instance.
 */
export interface WhatsAppWebClient {
  /** The WhatsApp id of a phone number (digits), or null when the number is not on WhatsApp. */
  getNumberId(number: string): Promise<{ _serialized: string } | null>;
  sendMessage(chatId: string, content: string): Promise<{ id: { _serialized: string } }>;
}

/** Process-wide things a sender may need besides its account. */
export type SenderDeps = {
  /** The hub's public origin, for provider status callback URLs (Twilio statusCallback). */
  publicBaseUrl: string;
  pushSubscriptions: PushSubscriptionStore;
  /** The gateway's whatsapp-web.js client for a tenant, when one is running and ready. */
  whatsappWebClient: (tenantId: string) => WhatsAppWebClient | undefined;
  /** Per-request timeout for provider calls. */
  timeoutMs: number;
  /**
   * Where the hub may connect for addresses customers' browsers gave it (push endpoints): public
   * addresses only unless allowed, https in production. Operator-set provider URLs are trusted.
   */
  destinations: WebhookDestinationPolicy;
};

/** Builds a channel's sender once from the tenant's account; the SDK client lives inside it. */
export type SenderFactory<C extends Channel> = (account: ChannelAccount<C>, deps: SenderDeps) => Sender<C>;

/** One factory per channel: leaving a channel out is a compile error. */
export type SenderRegistry = { [C in Channel]: SenderFactory<C> };
