import { Telegram } from "telegraf";
import type { ChannelAccount, OutboundMessage, Sender, SenderDeps, TelegramSettings } from "../contract.js";
import { telegramFailure } from "./telegramOutcome.js";

/** telegraf's Bot API client for an account (apiRoot: Telegram, a bank's proxy or a local fake). */
export function telegramClientFor(settings: TelegramSettings): Telegram {
  return new Telegram(settings.botToken, { apiRoot: settings.apiRoot, webhookReply: false });
}

type CallOptions = NonNullable<Parameters<Telegram["callApi"]>[2]>;

/**
 * A deadline for one Bot API call. telegraf's typings name the abort-controller polyfill's
 * AbortSignal; the node-fetch underneath takes the platform's (it checks the object's type name).
 */
export function deadline(timeoutMs: number): CallOptions {
  return { signal: AbortSignal.timeout(timeoutMs) } as unknown as CallOptions;
}

/** sendMessage's payload for one message; mapping only. */
export function telegramMessageOf(message: OutboundMessage<"telegram">) {
  const { text, parseMode } = message.content;
  return {
    chat_id: message.to,
    text,
    ...(parseMode === "plain" ? {} : { parse_mode: parseMode }),
    // A notification is not a conversation: no link preview cards around a bank's message.
    link_preview_options: { is_disabled: true },
  };
}

/** Telegram through the Bot API (telegraf's Telegram client, built once per account). */
export function telegramSender(account: ChannelAccount<"telegram">, deps: SenderDeps): Sender<"telegram"> {
  const telegram = telegramClientFor(account.settings);
  return {
    channel: "telegram",
    async send(message) {
      try {
        const sent = await telegram.callApi(
          "sendMessage",
          telegramMessageOf(message),
          deadline(deps.timeoutMs),
        );
        return { outcome: "sent", providerMessageId: `${sent.chat.id}:${sent.message_id}` };
      } catch (err) {
        return telegramFailure(err);
      }
    },
  };
}
