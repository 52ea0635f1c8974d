import { z } from "@hono/zod-openapi";
import type { Channel, ChannelProviders } from "./contract.js";
import { checkEmailSettings } from "./email/check.js";
import { emailSecretFields, emailSettingsInputSchema, emailSettingsSchema } from "./email/settings.js";
import { checkPushSettings } from "./push/check.js";
import { pushSecretFields, pushSettingsInputSchema, pushSettingsSchema } from "./push/settings.js";
import { type CheckResult, checkPassed } from "./settingsFields.js";
import { checkSmsSettings } from "./sms/check.js";
import { smsSecretFields, smsSettingsInputSchema, smsSettingsSchema } from "./sms/settings.js";
import { smsStatusCallbackUrl } from "./sms/twilioSender.js";
import { checkTelegramSettings } from "./telegram/check.js";
import {
  telegramSecretFields,
  telegramSettingsInputSchema,
  telegramSettingsSchema,
} from "./telegram/settings.js";
import { checkWhatsAppCloudSettings } from "./whatsapp/check.js";
import {
  whatsappCloudSecretFields,
  whatsappCloudSettingsInputSchema,
  whatsappCloudSettingsSchema,
  whatsappWebSettingsSchema,
} from "./whatsapp/settings.js";

export type ProviderName = ChannelProviders[Channel]["provider"];

/** Where a provider reaches this hub for a tenant's account; null where it does not call in. */
export type WebhookUrls = { inbound: string | null; status: string | null };

export type ProviderSpec<C extends Channel, S> = {
  channel: C;
  /** The full settings, secrets included: what is stored and what a sender gets. */
  settings: z.ZodType<S>;
  /** What a PUT takes: the same with secret fields optional (left out: the stored ones stay). */
  input: z.ZodType<Record<string, unknown>>;
  /** Settings fields stored sealed and shown as [REDACTED]. */
  secretFields: readonly (keyof S & string)[];
  /** The provider's cheap check of saved settings, where it offers one. */
  check(settings: S, timeoutMs: number): Promise<CheckResult>;
  webhookUrls(publicBaseUrl: string, tenantId: string): WebhookUrls;
};

type SettingsOf<P extends ProviderName> = Extract<ChannelProviders[Channel], { provider: P }>["settings"];
type Catalog = { [P in ProviderName]: ProviderSpec<ChannelOf<P>, SettingsOf<P>> };
type ChannelOf<P extends ProviderName> = {
  [C in Channel]: P extends ChannelProviders[C]["provider"] ? C : never;
}[Channel];

const inAppSettings = z.strictObject({}).openapi("InAppChannelSettings");

const inbound =
  (channel: Channel) =>
  (base: string, tenantId: string): WebhookUrls => ({
    inbound: `${base}/api/webhooks/${channel}/${encodeURIComponent(tenantId)}`,
    status: null,
  });
const none = (): WebhookUrls => ({ inbound: null, status: null });

/**
 * Every provider a channel account can name, keyed by provider (names are unique across channels).
 * A provider missing here, or one whose settings type drifts from the contract's, fails to compile.
 */
export const providers: Catalog = {
  smtp: {
    channel: "email",
    settings: emailSettingsSchema,
    input: emailSettingsInputSchema,
    secretFields: emailSecretFields,
    check: checkEmailSettings,
    // Inbound e-mail arrives over SMTP or IMAP (the inbound issue), not a webhook.
    webhookUrls: none,
  },
  twilio: {
    channel: "sms",
    settings: smsSettingsSchema,
    input: smsSettingsInputSchema,
    secretFields: smsSecretFields,
    check: checkSmsSettings,
    webhookUrls: (base, tenantId) => ({
      inbound: inbound("sms")(base, tenantId).inbound,
      status: smsStatusCallbackUrl(base, tenantId),
    }),
  },
  telegram: {
    channel: "telegram",
    settings: telegramSettingsSchema,
    input: telegramSettingsInputSchema,
    secretFields: telegramSecretFields,
    check: checkTelegramSettings,
    webhookUrls: inbound("telegram"),
  },
  cloud: {
    channel: "whatsapp",
    settings: whatsappCloudSettingsSchema,
    input: whatsappCloudSettingsInputSchema,
    secretFields: whatsappCloudSecretFields,
    check: checkWhatsAppCloudSettings,
    // Meta posts messages and statuses to the same URL.
    webhookUrls: (base, tenantId) => {
      const url = inbound("whatsapp")(base, tenantId).inbound;
      return { inbound: url, status: url };
    },
  },
  web: {
    channel: "whatsapp",
    settings: whatsappWebSettingsSchema,
    input: whatsappWebSettingsSchema,
    secretFields: [],
    check: async () => checkPassed,
    webhookUrls: none,
  },
  webpush: {
    channel: "push",
    settings: pushSettingsSchema,
    input: pushSettingsInputSchema,
    secretFields: pushSecretFields,
    check: async (settings) => checkPushSettings(settings),
    webhookUrls: none,
  },
  in_app: {
    channel: "in_app",
    settings: inAppSettings,
    input: inAppSettings,
    secretFields: [],
    check: async () => checkPassed,
    webhookUrls: none,
  },
};

export const providerNames = Object.keys(providers) as ProviderName[];

/**
 * Runs a provider's check on settings its own schema has parsed. The catalog is keyed by provider,
 * so TypeScript sees a union of check functions here; the parse is what pairs them.
 */
export function checkProvider(
  provider: ProviderName,
  parsedSettings: unknown,
  timeoutMs: number,
): Promise<CheckResult> {
  const check = providers[provider].check as (settings: unknown, timeoutMs: number) => Promise<CheckResult>;
  return check(parsedSettings, timeoutMs);
}
