import { and, eq } from "drizzle-orm";
import type { BlobStore } from "../src/blobs/store.js";
import type { Database } from "../src/db/client.js";
import { channelAccounts } from "../src/db/schema/index.js";
import type { AttachmentFetcher } from "../src/inbound/attachments.js";
import type { LastCustomerMessage } from "../src/inbound/lastCustomerMessage.js";
import type { InboundChannel } from "../src/inbound/message.js";
import type { ConversationMessage, ConversationSender } from "../src/inbound/outbound.js";
import type {
  Channel,
  ChannelAccount,
  ChannelAccountReader,
  ContentFor,
  EmailContent,
  EmailSettings,
  Sender,
  SenderDeps,
  SenderFactory,
  TelegramSettings,
} from "./contract.js";
import { bareAddressOf, inboundAddressOf, replyAddressOf } from "./email/addresses.js";
import { fetchHeldFile, releaseHeldFiles } from "./email/files.js";
import { createSenderCache, type SenderCache, senderRegistry } from "./registry.js";
import { fetchTwilioMedia } from "./sms/media.js";
import { fetchTelegramFile } from "./telegram/files.js";
import { fetchCloudMedia } from "./whatsapp/cloudMedia.js";
import { insideServiceWindow, outsideServiceWindow } from "./whatsapp/serviceWindow.js";
import { stagedWebMedia } from "./whatsapp/webMedia.js";

/** Builds (and keeps) the sender of an account: connectors/registry.ts's SenderCache. */
export type SenderSource = { senderFor<C extends Channel>(account: ChannelAccount<C>): Sender<C> };

/** The connector channel a conversation's replies go out on (web chat answers over its own sockets). */
const replyChannelOf = {
  telegram: "telegram",
  sms: "sms",
  whatsapp: "whatsapp",
  email: "email",
  webchat: undefined,
} as const satisfies Record<InboundChannel, Channel | undefined>;

/**
 * A conversation's message as each channel's content: a templated acknowledgement's own content
 * when it has one for the account's channel, else the plain text rendered; e-mail threaded into the
 * customer's mail either way.
 */
function contentFor<C extends Channel>(
  account: ChannelAccount<C>,
  message: ConversationMessage,
): ContentFor<C> {
  const { text } = message;
  const own = message.content?.channel === account.channel ? message.content : undefined;
  const content: { [K in Channel]: () => ContentFor<K> } = {
    telegram: () => (own?.channel === "telegram" ? own : { channel: "telegram", text, parseMode: "plain" }),
    sms: () => (own?.channel === "sms" ? own : { channel: "sms", text }),
    whatsapp: () => (own?.channel === "whatsapp" ? own : { channel: "whatsapp", kind: "text", text }),
    email: () =>
      emailContent(
        account.provider === "smtp" ? account.settings : undefined,
        message,
        own?.channel === "email" ? own : undefined,
      ),
    push: () => ({ channel: "push", title: text.slice(0, 60), body: text }),
    in_app: () => ({ channel: "in_app", title: text.slice(0, 60), body: text }),
  };
  return content[account.channel]();
}

/**
 * Answers go to the ticket's reply address; without a ticket yet (a claim dialogue's questions), to
 * the inbound address when the From address is another one (a noreply address nobody reads).
 */
function replyToOf(settings: EmailSettings, token: string | undefined): string | undefined {
  if (token) return replyAddressOf(settings, token);
  const inbound = inboundAddressOf(settings);
  return inbound !== bareAddressOf(settings.from) ? inbound : undefined;
}

/**
 * The thread's subject ("Re:" the customer's, with the ticket's number) even on a templated
 * message: it is one of the ways the customer's next mail finds its ticket, and mail programs
 * thread by it.
 */
function emailContent(
  settings: EmailSettings | undefined,
  message: ConversationMessage,
  own: EmailContent | undefined,
): EmailContent {
  const { text, mail } = message;
  const replyTo = settings ? replyToOf(settings, mail?.replyToken) : undefined;
  return {
    channel: "email",
    subject: mail?.subject ?? own?.subject ?? text.split("\n")[0]?.slice(0, 120) ?? "",
    text: own?.text ?? text,
    html: own?.html ?? escapeHtml(text),
    ...(mail?.inReplyTo ? { inReplyTo: mail.inReplyTo } : {}),
    ...(mail && mail.references.length > 0 ? { references: mail.references } : {}),
    ...(replyTo ? { replyTo } : {}),
    ...(mail?.automatic ? { automatic: true } : {}),
  };
}

function escapeHtml(text: string): string {
  const escaped = text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<p>${escaped.replaceAll("\n", "<br>")}</p>`;
}

/** What a channel's rules about when the business may write need: the customer's last message, and now. */
export type ConversationClock = { lastCustomerMessageAt: LastCustomerMessage; now: () => Date };

/** Accounts whose free text is held to WhatsApp's 24-hour window: the Cloud API's (WhatsApp Web has none). */
function heldToServiceWindow(account: { channel: Channel; provider: string }): boolean {
  return account.channel === "whatsapp" && account.provider === "cloud";
}

/**
 * The router's sender: an outbound message goes through the send half of its channel's connector,
 * built from the tenant's account, to the conversation's address; a web chat message to the
 * customer's sockets (src/webchat/outbound.ts), which need no account. Free text to a Cloud API
 * customer who last wrote more than 24 hours ago is not sent: it fails, saying why.
 */
export function conversationSender(
  accounts: ChannelAccountReader,
  senders: SenderSource,
  clock: ConversationClock,
  webchat: ConversationSender,
): ConversationSender {
  return {
    async send(message) {
      if (message.channel === "webchat") return webchat.send(message);
      const channel = replyChannelOf[message.channel];
      if (!channel)
        return { outcome: "no_account", reason: `${message.channel} replies are not sent this way` };
      return sendOn(channel, accounts, senders, clock, message);
    },
  };
}

async function sendOn<C extends Channel>(
  channel: C,
  accounts: ChannelAccountReader,
  senders: SenderSource,
  clock: ConversationClock,
  message: ConversationMessage,
) {
  const account = await accounts.find(message.tenantId, channel);
  if (!account?.enabled)
    return { outcome: "no_account" as const, reason: `the tenant has no enabled ${channel} account` };
  if (heldToServiceWindow(account)) {
    const last = await clock.lastCustomerMessageAt(message.tenantId, message.conversationId);
    if (!insideServiceWindow(last, clock.now()))
      return { outcome: "permanent" as const, reason: outsideServiceWindow };
  }
  return senders.senderFor(account).send({
    deliveryId: message.outboundId,
    tenantId: message.tenantId,
    to: message.to,
    content: contentFor(account, message),
  });
}

/** Customers' files from their channel, through the tenant's account (e-mail's, held by the hub). */
export function inboundAttachmentFetcher(
  accounts: ChannelAccountReader,
  blobs: BlobStore,
  limits: { timeoutMs: number; maxBytes: number },
): AttachmentFetcher {
  return {
    async release(_tenantId, channel, refs) {
      if (channel === "email") await releaseHeldFiles(blobs, refs);
    },
    async fetch(tenantId, channel, ref) {
      switch (channel) {
        case "telegram": {
          const account = await accounts.find(tenantId, "telegram");
          if (!account?.enabled) return { ok: false, reason: "the tenant has no enabled Telegram account" };
          return fetchTelegramFile(account.settings, ref, limits);
        }
        case "sms": {
          const account = await accounts.find(tenantId, "sms");
          if (!account?.enabled) return { ok: false, reason: "the tenant has no enabled SMS account" };
          return fetchTwilioMedia(account.settings, ref, limits);
        }
        case "whatsapp": {
          const account = await accounts.find(tenantId, "whatsapp");
          if (!account?.enabled) return { ok: false, reason: "the tenant has no enabled WhatsApp account" };
          if (account.provider === "cloud") return fetchCloudMedia(account.settings, ref, limits);
          return stagedWebMedia(blobs, tenantId, ref);
        }
        case "email":
          return fetchHeldFile(blobs, ref);
        case "webchat":
          return { ok: false, reason: `files from ${channel} are not fetched yet` };
      }
    },
  };
}

/**
 * The senders of conversation replies, built once per account (connectors/registry.ts's cache). A
 * conversation never answers in-app: that channel's factory belongs to the notification pipeline,
 * and this one refuses, so a wrong route to it shows as a failed message rather than a silent one.
 */
export function conversationSenders(deps: SenderDeps): SenderCache {
  const notInApp: SenderFactory<"in_app"> = () => ({
    channel: "in_app",
    send: async () => ({ outcome: "permanent", reason: "in-app messages are the notification pipeline's" }),
  });
  return createSenderCache(senderRegistry(notInApp), deps);
}

/**
 * Every tenant's enabled Telegram account, for the gateway's long polling. Reads the tenant ids from
 * the channel accounts table (the accounts module has no list across tenants), then each account
 * through the module's reader, which opens its secrets.
 */
export function telegramAccountsToPoll(db: Database, reader: ChannelAccountReader) {
  return async (): Promise<Array<{ tenantId: string; settings: TelegramSettings }>> => {
    const rows = await db
      .select({ tenantId: channelAccounts.tenantId })
      .from(channelAccounts)
      .where(and(eq(channelAccounts.channel, "telegram"), eq(channelAccounts.enabled, true)));
    const accounts = await Promise.all(rows.map((r) => reader.find(r.tenantId, "telegram")));
    return accounts.flatMap((a) => (a?.enabled ? [{ tenantId: a.tenantId, settings: a.settings }] : []));
  };
}

/** Tenants whose enabled WhatsApp account is a whatsapp-web.js one: the sessions the gateway holds. */
export function whatsappWebTenants(db: Database) {
  return async (): Promise<string[]> => {
    const rows = await db
      .select({ tenantId: channelAccounts.tenantId })
      .from(channelAccounts)
      .where(
        and(
          eq(channelAccounts.channel, "whatsapp"),
          eq(channelAccounts.provider, "web"),
          eq(channelAccounts.enabled, true),
        ),
      );
    return rows.map((r) => r.tenantId);
  };
}
