import { z } from "@hono/zod-openapi";
import { providerUrl, secretText } from "../settingsFields.js";

/** A Telegram bot (telegraf's Telegram client). */
export const telegramSettingsSchema = z.strictObject({
  botToken: secretText(20, 100, "123456789:AAE-example-token-0123456789abcdefgh").regex(
    /^\d{3,20}:[A-Za-z0-9_-]{20,80}$/,
    "must be a bot token as BotFather gives it (digits:characters)",
  ),
  apiRoot: providerUrl("https://api.telegram.org"),
  webhookSecret: secretText(16, 256, "3b1f0c9e2a7d4e5f8a6b0c1d2e3f4a5b").regex(
    /^[A-Za-z0-9_-]+$/,
    "must be letters, digits, '_' or '-' (Telegram's secret_token rule)",
  ),
});

/** What a PUT takes: secrets may be left out to keep the ones already stored. */
export const telegramSettingsInputSchema = telegramSettingsSchema
  .partial({ botToken: true, webhookSecret: true })
  .openapi("TelegramChannelSettings");

export const telegramSecretFields = ["botToken", "webhookSecret"] as const;
