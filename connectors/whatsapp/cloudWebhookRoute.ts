import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { sameSecret } from "../../src/channelRoutes/sharedSecret.js";
import { errors } from "../../src/errors.js";
import type { HubEnv } from "../../src/http/env.js";
import { errorResponses, json } from "../../src/http/openapiParts.js";
import type { WhatsAppCloudSettings } from "../contract.js";
import { keepVerifiedText } from "../verifiedBody.js";
import type { ChannelWebhookDeps } from "../webhookRoutes.js";
import { oncePerRequest, webhookTenantId, webhookTenantParam } from "../webhookTenant.js";
import { cloudInboundMessages } from "./cloudInbound.js";
import { cloudStatusReceipts, cloudWebhookSchema, verifyCloudSignature } from "./cloudStatuses.js";

const path = "/api/webhooks/whatsapp/{tenantId}";
const tags = ["Channel webhooks"];

const verifyRoute = createRoute({
  method: "get",
  path,
  tags,
  summary: "WhatsApp Cloud API webhook verification (Meta's hub.challenge handshake)",
  request: {
    params: webhookTenantParam,
    query: z.object({
      "hub.mode": z.literal("subscribe", { error: "hub.mode must be subscribe" }),
      "hub.verify_token": z.string({ error: "hub.verify_token is required" }).max(256),
      "hub.challenge": z.string({ error: "hub.challenge is required" }).max(256),
    }),
  },
  responses: {
    200: { description: "The challenge, echoed", content: { "text/plain": { schema: z.string() } } },
    ...errorResponses("v1", [400, 403, 404]),
  },
});

const cloudWebhookAnswer = z
  .object({
    received: z.number().int().openapi({ description: "Statuses recorded as delivery receipts" }),
    stored: z.number().int().openapi({ description: "New messages stored for the router" }),
    duplicates: z.number().int().openapi({ description: "Redeliveries of messages already stored" }),
    skipped: z.number().int().openapi({ description: "Messages of a type the hub does not read" }),
  })
  .openapi("WhatsAppCloudWebhookAccepted");

const eventRoute = createRoute({
  method: "post",
  path,
  tags,
  summary:
    "WhatsApp Cloud API webhook (signed with X-Hub-Signature-256): customers' messages and message statuses",
  description:
    "Every entry and change of a batch is read; for the account's phone number id, messages (text, image, document, audio, video, button and interactive replies) are stored for the conversation router (answered once stored, their jobs queued right after), and statuses become delivery receipts. Other message types are skipped and counted, never refused (Meta would resend the batch). A redelivered message stores nothing. The signature (HMAC-SHA256 of the raw body with the app secret) is checked before the body is parsed: a bad one is a 403 and nothing is stored or recorded.",
  request: {
    params: webhookTenantParam,
    headers: z.object({ "x-hub-signature-256": z.string().optional() }),
    body: { required: true, content: json(cloudWebhookSchema) },
  },
  responses: {
    200: { description: "Received", content: json(cloudWebhookAnswer) },
    ...errorResponses("v1", [400, 403, 404, 413]),
  },
});

export function registerWhatsAppCloudWebhookRoutes(app: OpenAPIHono<HubEnv>, deps: ChannelWebhookDeps): void {
  /** The tenant's Cloud API settings, or 404: a whatsapp-web account has no webhook. */
  const settingsOf = oncePerRequest(async (c): Promise<WhatsAppCloudSettings> => {
    const tenantId = webhookTenantId(c.req.param("tenantId"));
    const account = tenantId ? await deps.accounts.find(tenantId, "whatsapp") : undefined;
    if (account?.provider !== "cloud") throw errors.notFound("No WhatsApp Cloud API account for this tenant");
    return account.settings;
  });

  const verifySignature: MiddlewareHandler<HubEnv> = async (c, next) => {
    const settings = await settingsOf(c);
    const raw = new Uint8Array(await c.req.arrayBuffer());
    if (!verifyCloudSignature(raw, c.req.header("x-hub-signature-256"), settings.appSecret))
      throw errors.forbidden("Invalid X-Hub-Signature-256");
    keepVerifiedText(c, raw);
    await next();
  };

  app.openapi(verifyRoute, async (c) => {
    const settings = await settingsOf(c);
    const query = c.req.valid("query");
    if (!sameSecret(query["hub.verify_token"], settings.verifyToken))
      throw errors.forbidden("Wrong hub.verify_token");
    return c.text(query["hub.challenge"], 200);
  });

  app.openapi({ ...eventRoute, middleware: [verifySignature] }, async (c) => {
    const settings = await settingsOf(c);
    const { tenantId } = c.req.valid("param");
    const body = c.req.valid("json");
    const { messages, skipped } = cloudInboundMessages(tenantId, body, settings.phoneNumberId);
    if (skipped.length > 0)
      deps.logger.warn(
        { channel: "whatsapp", tenantId, types: skipped },
        "WhatsApp messages of unread types skipped",
      );
    // Messages first: if a receipt then fails, Meta resends the batch and the messages are no-ops.
    const intake = await deps.intake(messages);
    const { receipts, unknown } = cloudStatusReceipts(body, settings.phoneNumberId);
    for (const status of unknown)
      deps.logger.warn({ channel: "whatsapp", status }, "unknown WhatsApp message status ignored");
    for (const receipt of receipts) await deps.receipts.record(tenantId, receipt);
    return c.json({ received: receipts.length, ...intake, skipped: skipped.length }, 200);
  });
}
