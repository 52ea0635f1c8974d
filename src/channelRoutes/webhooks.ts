import type { OpenAPIHono } from "@hono/zod-openapi";
import type { ChannelAccountReader } from "../../connectors/contract.js";
import { registerSmsInboundRoute } from "../../connectors/sms/inboundRoute.js";
import { registerTelegramWebhook } from "../../connectors/telegram/webhook.js";
import { enqueueInbound } from "../../queues/handlers/inbound.js";
import type { Producer } from "../../queues/producer.js";
import type { Database } from "../db/client.js";
import type { HubEnv } from "../http/env.js";
import { batchedIntake } from "../inbound/intake.js";
import type { Logger } from "../logger.js";

/**
 * The intake the providers' webhooks hand their messages to: the requests posted at once are stored
 * together (one INSERT, one addBulk a batch), each answered once its messages are stored.
 */
export function webhookIntake(db: Database, producer: Producer, logger: Logger) {
  return batchedIntake(db, enqueueInbound(producer), (err, jobs) =>
    logger.warn({ err, jobs }, "inbound messages stored but not queued: the inbound sweep will queue them"),
  );
}

export type InboundWebhookDeps = {
  intake: ReturnType<typeof webhookIntake>;
  accounts: ChannelAccountReader;
  /** The hub's public origin, which Twilio signs. */
  publicBaseUrl: string;
};

/**
 * The receive routes of the channels, `/api/webhooks/{channel}/{tenantId}`: each verifies its
 * provider's secret or signature, turns the payload into InboundMessages, and hands them to intake,
 * answering once they are stored (their router jobs are queued right after).
 */
export function registerInboundWebhooks(app: OpenAPIHono<HubEnv>, deps: InboundWebhookDeps): void {
  const { intake } = deps;
  registerTelegramWebhook(app, {
    account: async (tenantId) => {
      const account = await deps.accounts.find(tenantId, "telegram");
      return account?.enabled ? account.settings : undefined;
    },
    intake,
  });
  registerSmsInboundRoute(app, {
    account: async (tenantId) => {
      const account = await deps.accounts.find(tenantId, "sms");
      return account?.enabled ? account : undefined;
    },
    intake,
    publicBaseUrl: deps.publicBaseUrl,
    now: () => new Date(),
  });
}
