import { and, eq } from "drizzle-orm";
import type { Database } from "../src/db/client.js";
import { channelAccounts } from "../src/db/schema/index.js";
import type { AttachmentFetcher } from "../src/inbound/attachments.js";
import type { InboundChannel } from "../src/inbound/message.js";
import type { ConversationSender } from "../src/inbound/outbound.js";
import type {
  Channel,
  ChannelAccount,
  ChannelAccountReader,
  ContentFor,
  Sender,
  SenderDeps,
  SenderFactory,
  TelegramSettings,
} from "./contract.js";
import { createSenderCache, type SenderCache, senderRegistry } from "./registry.js";
import { fetchTwilioMedia } from "./sms/media.js";
import { fetchTelegramFile } from "./telegram/files.js";

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

/** A conversation's plain text as each channel's rendered content. */
function contentFor<C extends Channel>(channel: C, text: string): ContentFor<C> {
  const content: { [K in Channel]: ContentFor<K> } = {
    telegram: { channel: "telegram", text, parseMode: "plain" },
    sms: { channel: "sms", text },
    whatsapp: { channel: "whatsapp", kind: "text", text },
    email: {
      channel: "email",
      subject: text.split("\n")[0]?.slice(0, 120) ?? "",
      text,
      html: escapeHtml(text),
    },
    push: { channel: "push", title: text.slice(0, 60), body: text },
    in_app: { channel: "in_app", title: text.slice(0, 60), body: text },
  };
  return content[channel];
}

function escapeHtml(text: string): string {
  const escaped = text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<p>${escaped.replaceAll("\n", "<br>")}</p>`;
}

/**
 * The router's sender: an outbound message goes through the send half of its channel's connector,
 * built from the tenant's account, to the conversation's address; a web chat message to the
 * customer's sockets (src/webchat/outbound.ts), which need no account.
 */
export function conversationSender(
  accounts: ChannelAccountReader,
  senders: SenderSource,
  webchat: ConversationSender,
): ConversationSender {
  return {
    async send(message) {
      if (message.channel === "webchat") return webchat.send(message);
      const channel = replyChannelOf[message.channel];
      if (!channel)
        return { outcome: "no_account", reason: `${message.channel} replies are not sent this way` };
      return sendOn(channel, accounts, senders, message);
    },
  };
}

async function sendOn<C extends Channel>(
  channel: C,
  accounts: ChannelAccountReader,
  senders: SenderSource,
  message: Parameters<ConversationSender["send"]>[0],
) {
  const account = await accounts.find(message.tenantId, channel);
  if (!account?.enabled)
    return { outcome: "no_account" as const, reason: `the tenant has no enabled ${channel} account` };
  return senders.senderFor(account).send({
    deliveryId: message.outboundId,
    tenantId: message.tenantId,
    to: message.to,
    content: contentFor(channel, message.text),
  });
}

/** Customers' files from their channel, through the tenant's account. */
export function inboundAttachmentFetcher(
  accounts: ChannelAccountReader,
  limits: { timeoutMs: number; maxBytes: number },
): AttachmentFetcher {
  return {
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
        case "whatsapp":
        case "email":
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
