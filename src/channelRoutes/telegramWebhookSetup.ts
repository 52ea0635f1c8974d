import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { TelegramError } from "telegraf";
import type { ChannelAccountReader } from "../../connectors/contract.js";
import { deadline, telegramClientFor } from "../../connectors/telegram/telegramSender.js";
import type { Database } from "../db/client.js";
import { AppError, errors } from "../errors.js";
import type { HubEnv } from "../http/env.js";
import { adminSecurity, errorResponses, json } from "../http/openapiParts.js";
import { requireTenant, tenantParam } from "../tenants/adminPath.js";

export type TelegramWebhookSetupDeps = {
  db: Database;
  accounts: ChannelAccountReader;
  publicBaseUrl: string;
  timeoutMs: number;
};

/** Where Telegram posts a tenant's updates: the bot token is never in it, the secret goes in a header. */
export function telegramWebhookUrl(publicBaseUrl: string, tenantId: string): string {
  return `${publicBaseUrl}/api/webhooks/telegram/${encodeURIComponent(tenantId)}`;
}

const route = createRoute({
  method: "post",
  path: "/api/admin/tenants/{tenantId}/channels/telegram/webhook",
  tags: ["Admin"],
  security: adminSecurity,
  summary: "Point the tenant's Telegram bot at the hub (setWebhook with the account's secret token)",
  description:
    "Calls the Bot API's setWebhook with the hub's URL under PUBLIC_BASE_URL, the account's webhookSecret as secret_token and message updates only. Not needed with TELEGRAM_INBOUND_MODE=polling, whose gateway removes the webhook.",
  request: { params: tenantParam },
  responses: {
    200: {
      description: "Telegram accepted the webhook",
      content: json(z.object({ data: z.object({ url: z.string() }) })),
    },
    ...errorResponses("v1", [401, 404, 409]),
    503: { description: "The Bot API could not be reached" },
  },
});

/** The operator's one call that makes a tenant's bot deliver to the hub. */
export function registerTelegramWebhookSetup(app: OpenAPIHono<HubEnv>, deps: TelegramWebhookSetupDeps): void {
  app.openapi(route, async (c) => {
    const tenant = await requireTenant(deps.db, c.req.valid("param").tenantId);
    const account = await deps.accounts.find(tenant.id, "telegram");
    if (!account?.enabled)
      throw errors.conflict("The tenant has no enabled Telegram account", { channel: "telegram" });
    const url = telegramWebhookUrl(deps.publicBaseUrl, tenant.id);
    try {
      await telegramClientFor(account.settings).callApi(
        "setWebhook",
        { url, secret_token: account.settings.webhookSecret, allowed_updates: ["message"] },
        deadline(deps.timeoutMs),
      );
    } catch (err) {
      // Telegram says why (an https URL is required, for one); the token is never in its answer.
      if (err instanceof TelegramError && err.code < 500)
        throw errors.conflict(`Telegram refused the webhook: ${err.description}`, { url });
      throw new AppError("SERVICE_UNAVAILABLE", "The Telegram Bot API could not be reached");
    }
    return c.json({ data: { url } }, 200);
  });
}
