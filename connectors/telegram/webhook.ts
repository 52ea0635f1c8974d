import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { sameSecret } from "../../src/channelRoutes/sharedSecret.js";
import {
  authenticatingHeader,
  webhookAccepted,
  webhookTags,
  webhookValidationHook,
} from "../../src/channelRoutes/webhookParts.js";
import { errors } from "../../src/errors.js";
import type { HubEnv } from "../../src/http/env.js";
import { errorResponses, json } from "../../src/http/openapiParts.js";
import type { IntakeResult } from "../../src/inbound/intake.js";
import type { InboundMessage } from "../../src/inbound/message.js";
import type { TelegramSettings } from "../contract.js";
import { webhookTenantId, webhookTenantParam } from "../webhookTenant.js";
import { messagesOfUpdates, telegramWebhookBody } from "./update.js";

export type TelegramWebhookDeps = {
  /** The tenant's enabled Telegram account, if it has one. */
  account: (tenantId: string) => Promise<TelegramSettings | undefined>;
  /** Stores and enqueues messages (acceptInbound). */
  intake: (messages: readonly InboundMessage[]) => Promise<IntakeResult>;
};

const secretHeader = "x-telegram-bot-api-secret-token";

/**
 * Telegram sends the secret_token given to setWebhook in a header: checked against the tenant's
 * account, in constant time, before the body is read or parsed. A tenant without an enabled
 * account is answered the same 403 as a wrong secret.
 */
function telegramSecret(deps: TelegramWebhookDeps): MiddlewareHandler<HubEnv> {
  return async function telegramSecret(c, next) {
    const tenantId = webhookTenantId(c.req.param("tenantId"));
    const account = tenantId ? await deps.account(tenantId) : undefined;
    if (!sameSecret(c.req.header(secretHeader), account?.webhookSecret)) {
      throw errors.forbidden("Forbidden: the secret token does not match the tenant's Telegram account");
    }
    await next();
  };
}

/**
 * POST /api/webhooks/telegram/{tenantId}: the URL given to Telegram's setWebhook with the account's
 * secret_token (the bot token never appears in it). Every update of the body is stored, and the
 * answer comes as soon as they are: their jobs are queued right after, and the router works on the queue.
 */
export function registerTelegramWebhook(app: OpenAPIHono<HubEnv>, deps: TelegramWebhookDeps): void {
  const route = createRoute({
    method: "post",
    path: "/api/webhooks/telegram/{tenantId}",
    tags: webhookTags,
    summary: "Telegram Bot API updates for a tenant's bot (X-Telegram-Bot-Api-Secret-Token)",
    middleware: [telegramSecret(deps)],
    parameters: [
      authenticatingHeader(secretHeader, {
        maxLength: 256,
        description: "The secret_token the hub gave setWebhook: the account's webhookSecret",
      }),
    ],
    request: {
      params: webhookTenantParam,
      body: { required: true, content: json(telegramWebhookBody) },
    },
    responses: {
      200: { description: "Stored", content: json(webhookAccepted) },
      ...errorResponses("v1", [400, 403, 413]),
    },
  });

  app.openapi(
    route,
    async (c) => {
      const { tenantId } = c.req.valid("param");
      const body = c.req.valid("json");
      const { messages, unreadable } = messagesOfUpdates(tenantId, Array.isArray(body) ? body : [body]);
      const result = await deps.intake(messages);
      return c.json({ ok: true as const, received: messages.length, ...result, unreadable }, 200);
    },
    webhookValidationHook,
  );
}
