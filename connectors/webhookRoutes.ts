import type { OpenAPIHono } from "@hono/zod-openapi";
import type { HubEnv } from "../src/http/env.js";
import type { IntakeResult } from "../src/inbound/intake.js";
import type { InboundMessage } from "../src/inbound/message.js";
import type { Logger } from "../src/logger.js";
import type { ChannelAccountReader, ReceiptSink } from "./contract.js";
import { registerSmsStatusRoute } from "./sms/statusCallbackRoute.js";
import { registerWhatsAppCloudWebhookRoutes } from "./whatsapp/cloudWebhookRoute.js";

export type ChannelWebhookDeps = {
  accounts: ChannelAccountReader;
  receipts: ReceiptSink;
  /** The hub's public origin: what Twilio signed is the URL it was given, not the one it reached. */
  publicBaseUrl: string;
  logger: Logger;
  /** When a receipt without a provider timestamp (Twilio's) happened: its arrival. */
  now: () => Date;
  /** Stores and enqueues customers' messages (acceptInbound): WhatsApp's come on the same URL. */
  intake: (messages: readonly InboundMessage[]) => Promise<IntakeResult>;
};

/**
 * Provider callbacks that carry delivery receipts, under /api/webhooks (no API key: each request
 * is verified with the tenant's own provider secret, over the bytes as received, before anything
 * is parsed or stored). WhatsApp's carries customers' messages too.
 */
export function registerChannelWebhookRoutes(app: OpenAPIHono<HubEnv>, deps: ChannelWebhookDeps): void {
  registerSmsStatusRoute(app, deps);
  registerWhatsAppCloudWebhookRoutes(app, deps);
}
