import type { AttachmentFetcher } from "../src/inbound/attachments.js";
import type { InboundChannel } from "../src/inbound/message.js";
import type { ConversationSender } from "../src/inbound/outbound.js";
import type { Channel, ChannelAccount, ContentFor, SenderDeps, SenderFactory } from "./contract.js";
import { fetchTelegramFile } from "./telegram/files.js";

/** A tenant's enabled account on a channel (the channel accounts module), secrets decrypted. */
export type ChannelAccountSource = <C extends Channel>(
  tenantId: string,
  channel: C,
) => Promise<ChannelAccount<C> | undefined>;

/** Every tenant's enabled account on a channel: the gateway's sessions (long polling) run per account. */
export type ChannelAccountList = <C extends Channel>(channel: C) => Promise<Array<ChannelAccount<C>>>;

/** The sender factories the hub has (connectors' send halves), by channel. */
export type SenderFactories = { [C in Channel]?: SenderFactory<C> };

// TODO(merge notify-senders): their channel accounts store, sender registry and SenderDeps replace
// these three once committed. Until then the hub has no stored channel account: webhooks answer 403
// and replies fail as "no_account" unless a ChannelAccountSource is passed in (tests do).
export const noChannelAccounts: ChannelAccountSource = async () => undefined;
export const noChannelAccountList: ChannelAccountList = async () => [];
export const senderFactories: SenderFactories = {};
export function senderDeps(config: { http: { port: number } }): SenderDeps {
  return {
    publicBaseUrl: `http://localhost:${config.http.port}`,
    pushSubscriptions: { listForCustomer: async () => [], remove: async () => undefined },
    whatsappWebClient: () => undefined,
    timeoutMs: 10_000,
  };
}

/** The connector channel a conversation's replies go out on (web chat answers over its socket, later). */
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
 * built from the tenant's account, to the conversation's address.
 */
export function conversationSender(
  accounts: ChannelAccountSource,
  factories: SenderFactories,
  deps: SenderDeps,
): ConversationSender {
  return {
    async send(message) {
      const channel = replyChannelOf[message.channel];
      if (!channel)
        return { outcome: "no_account", reason: `${message.channel} replies are not sent this way` };
      return sendOn(channel, accounts, factories, deps, message);
    },
  };
}

async function sendOn<C extends Channel>(
  channel: C,
  accounts: ChannelAccountSource,
  factories: SenderFactories,
  deps: SenderDeps,
  message: Parameters<ConversationSender["send"]>[0],
) {
  const account = await accounts(message.tenantId, channel);
  if (!account?.enabled)
    return { outcome: "no_account" as const, reason: `the tenant has no enabled ${channel} account` };
  const factory = factories[channel] as SenderFactory<C> | undefined;
  if (!factory) return { outcome: "no_account" as const, reason: `no ${channel} sender in this hub` };
  return factory(account, deps).send({
    deliveryId: message.outboundId,
    tenantId: message.tenantId,
    to: message.to,
    content: contentFor(channel, message.text),
  });
}

/** Customers' files from their channel, through the tenant's account. */
export function inboundAttachmentFetcher(
  accounts: ChannelAccountSource,
  limits: { timeoutMs: number; maxBytes: number },
): AttachmentFetcher {
  return {
    async fetch(tenantId, channel, ref) {
      switch (channel) {
        case "telegram": {
          const account = await accounts(tenantId, "telegram");
          if (!account?.enabled) return { ok: false, reason: "the tenant has no enabled Telegram account" };
          return fetchTelegramFile(account.settings, ref, limits);
        }
        case "sms":
        case "whatsapp":
        case "email":
        case "webchat":
          return { ok: false, reason: `files from ${channel} are not fetched yet` };
      }
    },
  };
}
