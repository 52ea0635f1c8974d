import type {
  Channel,
  ChannelAccount,
  Sender,
  SenderDeps,
  SenderFactory,
  SenderRegistry,
} from "./contract.js";
import { smtpThreadSender } from "./email/smtpThreadSender.js";
import { type ProviderName, providers } from "./providers.js";
import { webPushSender } from "./push/webPushSender.js";
import { withoutSecrets } from "./settingsFields.js";
import { twilioSender } from "./sms/twilioSender.js";
import { telegramSender } from "./telegram/telegramSender.js";
import { whatsappCloudSender } from "./whatsapp/cloudSender.js";
import { whatsappWebSender } from "./whatsapp/webSender.js";

/** WhatsApp has two providers; the account says which one sends. */
const whatsappSender: SenderFactory<"whatsapp"> = (account, deps) =>
  account.provider === "cloud" ? whatsappCloudSender(account, deps) : whatsappWebSender(account, deps);

/**
 * One sender factory per channel. In-app delivery (stored notification + live WebSocket) belongs
 * to the notification pipeline, which passes its factory in.
 */
export function senderRegistry(inApp: SenderFactory<"in_app">): SenderRegistry {
  return {
    email: smtpThreadSender,
    sms: twilioSender,
    telegram: telegramSender,
    whatsapp: whatsappSender,
    push: webPushSender,
    in_app: inApp,
  };
}

/**
 * Calls the channel's factory with the account narrowed to that channel. Failure reasons are
 * stored with the delivery and may be logged: the account's secrets are cut out of them first.
 */
export function buildSender<C extends Channel>(
  registry: SenderRegistry,
  account: ChannelAccount<C>,
  deps: SenderDeps,
): Sender<C> {
  const factory = registry[account.channel] as SenderFactory<C>;
  const sender = factory(account, deps);
  const spec = providers[account.provider as ProviderName];
  const settings = account.settings as Record<string, unknown>;
  const secrets = spec.secretFields.map((field) => settings[field]);
  if (secrets.length === 0) return sender;
  return {
    ...sender,
    async send(message) {
      const result = await sender.send(message);
      return result.outcome === "sent"
        ? result
        : { ...result, reason: withoutSecrets(result.reason, secrets) };
    },
  };
}
/**
 * Senders built once per account and reused (each holds its SDK client, an SMTP pool), rebuilt when
 * the account is saved again (updatedAt moves); the replaced one is closed.
 */
export function createSenderCache(registry: SenderRegistry, deps: SenderDeps) {
  // Each entry's sender is the Sender<C> of its key's channel; the map cannot say so per key.
  type Entry = { updatedAt: number; sender: unknown; close: () => Promise<void> };
  const built = new Map<string, Entry>();
  return {
    senderFor<C extends Channel>(account: ChannelAccount<C>): Sender<C> {
      const key = `${account.tenantId}/${account.channel}`;
      const cached = built.get(key);
      if (cached && cached.updatedAt === account.updatedAt.getTime()) return cached.sender as Sender<C>;
      // A send still running on the replaced sender finishes: SMTP's pool closes once it is idle.
      if (cached) void cached.close().catch(() => undefined);
      const sender = buildSender(registry, account, deps);
      built.set(key, {
        updatedAt: account.updatedAt.getTime(),
        sender,
        close: async () => sender.close?.(),
      });
      return sender;
    },
    async close(): Promise<void> {
      const entries = [...built.values()];
      built.clear();
      await Promise.all(entries.map((e) => e.close()));
    },
  };
}
export type SenderCache = ReturnType<typeof createSenderCache>;
