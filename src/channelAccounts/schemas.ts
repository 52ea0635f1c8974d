import { z } from "@hono/zod-openapi";
import { channels } from "../../connectors/contract.js";
import { type ProviderName, providerNames, providers } from "../../connectors/providers.js";
import type { ChannelAccountRow } from "../db/schema/index.js";

export const channelParam = z.object({
  tenantId: z.string().openapi({ param: { name: "tenantId", in: "path" }, description: "Tenant id or slug" }),
  channel: z
    .enum(channels, { error: `must be one of ${channels.join(", ")}` })
    .openapi({ param: { name: "channel", in: "path" }, example: "telegram" }),
});

const enabled = z.boolean({ error: "must be true or false" }).default(true);
const variant = <P extends ProviderName>(provider: P) =>
  z.object({
    provider: z.literal(provider),
    enabled,
    // Missing settings are checked as {}: each required field is then named, not just "settings".
    settings: providers[provider].input.prefault({}),
  });

/**
 * `{ provider, enabled, settings }`, settings as the provider needs them. A secret field left out
 * keeps the value already stored for the same provider, so enabling or moving an account does not
 * mean handing its credentials over again.
 */
export const putChannelAccountSchema = z
  .discriminatedUnion(
    "provider",
    [
      variant("smtp"),
      variant("twilio"),
      variant("telegram"),
      variant("cloud"),
      variant("web"),
      variant("webpush"),
      variant("in_app"),
    ],
    { error: `must be one of ${providerNames.join(", ")}` },
  )
  .openapi("PutChannelAccount", {
    description:
      "email: smtp; sms: twilio; telegram: telegram; whatsapp: cloud (Cloud API) or web (whatsapp-web.js on the gateway role); push: webpush; in_app: in_app",
  });

export const channelAccountSchema = z
  .object({
    channel: z.enum(channels),
    provider: z.enum(providerNames as [ProviderName, ...ProviderName[]]),
    enabled: z.boolean(),
    settings: z
      .record(z.string(), z.unknown())
      .openapi({ description: 'The provider settings; every secret field shows as "[REDACTED]"' }),
    webhookUrls: z
      .object({
        inbound: z
          .string()
          .nullable()
          .openapi({ description: "Give the provider this URL for inbound messages" }),
        status: z.string().nullable().openapi({ description: "Where delivery status callbacks arrive" }),
      })
      .openapi({
        example: { inbound: "https://hub.bank.example/api/webhooks/telegram/ten_0190...", status: null },
      }),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .openapi("ChannelAccount");

export function channelAccountView(row: ChannelAccountRow, publicBaseUrl: string) {
  const spec = providers[row.provider as ProviderName];
  return {
    channel: row.channel as (typeof channels)[number],
    provider: row.provider as ProviderName,
    enabled: row.enabled,
    settings: row.settings,
    webhookUrls: spec.webhookUrls(publicBaseUrl, row.tenantId),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
