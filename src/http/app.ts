import { serveStatic } from "@hono/node-server/serve-static";
import { OpenAPIHono } from "@hono/zod-openapi";
import type { Queue } from "bullmq";
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { Redis } from "ioredis";
import type { ReceiptSink } from "../../connectors/contract.js";
import { whatsappWebTenants } from "../../connectors/inbound.js";
import { registerChannelWebhookRoutes } from "../../connectors/webhookRoutes.js";
import { webSessionStates, webSessionStatusStore } from "../../connectors/whatsapp/webSessionState.js";
import { dashboardPath, mountQueueDashboard } from "../../queues/dashboard.js";
import type { Producer } from "../../queues/producer.js";
import { registerAdminRoutes } from "../admin/routes.js";
import { registerApiKeyRoutes } from "../apiKeys/routes.js";
import type { BlobStore } from "../blobs/store.js";
import { registerCatalogueAdminRoutes } from "../catalogue/adminRoutes.js";
import { registerChannelAccountRoutes } from "../channelAccounts/adminRoutes.js";
import { channelAccountReader } from "../channelAccounts/service.js";
import { registerServiceTypeRuleRoutes } from "../channelRoutes/serviceTypeRules.js";
import { registerTelegramWebhookSetup } from "../channelRoutes/telegramWebhookSetup.js";
import { registerInboundWebhooks, webhookIntake } from "../channelRoutes/webhooks.js";
import { registerWhatsAppSessionRoute } from "../channelRoutes/whatsappSessionRoute.js";
import { sessionCounts, webSessionOverview } from "../channelRoutes/whatsappSessions.js";
import type { Config } from "../config.js";
import type { Database } from "../db/client.js";
import { registerDeskRoutes } from "../desk/routes.js";
import { registerDocsRoutes } from "../docs/routes.js";
import { errors } from "../errors.js";
import { type ReadinessCheck, registerHealthRoutes } from "../health/routes.js";
import { allReceipts, conversationReceipts } from "../inbound/receipts.js";
import type { Logger } from "../logger.js";
import { type Metrics, registerQueueDepth, registerWhatsAppWebSessions } from "../metrics.js";
import { registerLiveTicketRoute } from "../notifications/inApp/ticketRoute.js";
import { enqueueDeliveries } from "../notifications/jobs.js";
import { registerNotificationRoutes } from "../notifications/routes.js";
import { registerNotificationSettingsRoutes } from "../notifications/settings/adminRoutes.js";
import { registerPushSubscriptionRoutes } from "../pushSubscriptions/routes.js";
import { journeyApprovalGate } from "../rail/journeyApprovals.js";
import { queuedDeadlines } from "../rail/journeys/deadlineJobs.js";
import { registerRailRoutes } from "../rail/routes.js";
import { registerSct07Routes } from "../sct07/routes.js";
import { registerServiceDeskRoutes } from "../serviceDesk/routes.js";
import { registerSlaAdminRoutes } from "../sla/adminRoutes.js";
import { registerTemplateRoutes } from "../templates/routes.js";
import { registerUserAdminRoutes } from "../users/adminRoutes.js";
import { registerWebChatRoutes } from "../webchat/routes.js";
import { registerWebhookRoutes, webhookRouteDeps } from "../webhooks/routes.js";
import { authGuards } from "./authGuards.js";
import type { HubEnv } from "./env.js";
import { answerErrors } from "./errorAnswers.js";
import { compressResponses } from "./middleware/compressResponses.js";
import { decompressBody } from "./middleware/decompressBody.js";
import { observe } from "./middleware/observe.js";
import { requestId } from "./middleware/requestId.js";
import { securityHeaders } from "./middleware/securityHeaders.js";
import { throwOnInvalid } from "./validation.js";

export type AppDeps = {
  config: Config;
  logger: Logger;
  db: Database;
  metrics: Metrics;
  readiness: readonly ReadinessCheck[];
  /** The queues shown on the /admin/queues dashboard. */
  queues: readonly Queue[];
  /** Shared counters (rate limits) live here. */
  redis: Redis;
  blobs: BlobStore;
  /** Enqueues delayed jobs (journey deadlines) and customers' messages (channel webhooks). */
  producer: Producer;
  /** Where verified provider delivery receipts go (the notification pipeline's deliveries). */
  receipts: ReceiptSink;
};

/**
 * A request body cap. The common case, a plain body with a Content-Length (which Node's parser holds
 * the body to), is judged from the header alone: touching the body itself makes the Node adapter
 * build a full web Request, a cost every ticket creation would pay. Streamed or compressed bodies
 * are counted as they arrive (and inflated ones after inflating).
 */
function bodyCap(maxBytes: number): MiddlewareHandler<HubEnv> {
  const tooLarge = () => errors.payloadTooLarge(maxBytes);
  const limitBody = bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw tooLarge();
    },
  });
  const decompress = decompressBody({ maxSize: maxBytes });
  return async function bodyCap(c, next) {
    if (c.req.method === "GET" || c.req.method === "HEAD") return next();
    const declared = c.req.header("content-length");
    if (declared !== undefined && !c.req.header("transfer-encoding") && !c.req.header("content-encoding")) {
      if (Number(declared) > maxBytes) throw tooLarge();
      return next();
    }
    await limitBody(c, async () => {
      await decompress(c, next);
    });
  };
}

/** The one app factory: every HTTP convention is set here once, then each module registers its routes. */
export function createApp(deps: AppDeps): OpenAPIHono<HubEnv> {
  const { config, logger, db } = deps;
  const app = new OpenAPIHono<HubEnv>({ defaultHook: throwOnInvalid });

  app.use(requestId());
  app.use(securityHeaders());
  app.use(observe(logger, deps.metrics));
  // Providers' webhooks answer a few bytes: not worth a gzip stream each.
  app.use(compressResponses(["/api/webhooks/"]));

  const guards = authGuards({ config, db, logger, redis: deps.redis });
  app.use("/api/omnichannel/*", ...guards.partner);
  app.use("/api/v1/*", ...guards.partner);
  app.use("/api/admin/*", ...guards.adminApi);
  app.use(`${dashboardPath}/*`, guards.dashboard);

  const limitBodies = bodyCap(config.http.bodyLimitBytes);
  // Registered after authentication and rate limiting, so an anonymous or throttled request is
  // answered from its headers alone: no body is read, let alone inflated, before a key is known.
  // Other /api paths have no routes, answer 404 and never read the body either.
  for (const family of ["/api/omnichannel/*", "/api/v1/*", "/api/admin/*"]) app.use(family, limitBodies);
  // The dashboard's own API (add a job, update its data) takes bodies too: the same cap, after its login.
  app.use(`${dashboardPath}/*`, limitBodies);
  // Channel webhooks are called by providers, who authenticate by a secret or a signature each route
  // checks itself; their bodies are small, and capped smaller.
  app.use("/api/webhooks/*", bodyCap(config.inbound.webhookMaxBytes));

  // whatsapp-web.js sessions run in the gateway role; any API process shows what the gateways publish.
  const webSessionStatuses = webSessionStatusStore(deps.redis, config.redis.prefix);
  const webSessions = webSessionOverview(whatsappWebTenants(db), webSessionStatuses);
  registerHealthRoutes(app, {
    checks: deps.readiness,
    metrics: deps.metrics,
    metricsGuard: guards.metrics,
    logger,
    sessions: async () => ({ whatsappWeb: sessionCounts(await webSessions()) }),
  });
  registerWhatsAppWebSessions(deps.metrics, webSessionStates, webSessions);
  registerDocsRoutes(app);
  registerAdminRoutes(app, db);
  registerApiKeyRoutes(app, db, {
    maxLifetimeDays: config.tenantKeyMaxDays,
    defaultRateLimitPerMinute: config.rateLimitPerMinute,
  });
  registerServiceDeskRoutes(app, {
    db,
    blobs: deps.blobs,
    attachments: config.attachments,
    trackingBaseUrl: config.trackingBaseUrl,
    webhookDestinations: config.webhooks,
  });
  registerDeskRoutes(app, { db, blobs: deps.blobs });
  registerRailRoutes(app, {
    db,
    approvals: journeyApprovalGate,
    deadlines: queuedDeadlines(deps.producer, logger),
  });
  registerCatalogueAdminRoutes(app, db);
  registerSlaAdminRoutes(app, db);
  registerUserAdminRoutes(app, db);
  registerWebhookRoutes(app, webhookRouteDeps(db, config, deps.producer));
  registerSct07Routes(app, { db, handoffTokenTtlMs: config.handoffTokenTtlMs });
  registerTemplateRoutes(app, { db, defaultLocale: config.notifications.defaultLocale });
  registerLiveTicketRoute(app, { db, redis: deps.redis, redisPrefix: config.redis.prefix });
  registerNotificationRoutes(app, {
    db,
    enqueue: (deliveries) => enqueueDeliveries(deps.producer, config.notifications, deliveries),
    logger,
  });
  const channels = config.channels;
  registerChannelAccountRoutes(app, {
    db,
    keys: channels.secretKeys,
    checkTimeoutMs: channels.providerTimeoutMs,
    publicBaseUrl: channels.publicBaseUrl,
  });
  registerNotificationSettingsRoutes(app, db);
  registerPushSubscriptionRoutes(app, { db, keys: channels.secretKeys, policy: config.webhooks });
  const accounts = channelAccountReader(db, channels.secretKeys);
  const intake = webhookIntake(db, deps.producer, logger);
  registerChannelWebhookRoutes(app, {
    accounts,
    // Receipts are the pipeline's deliveries' and, for replies on a customer's channel, conversations'.
    receipts: allReceipts(deps.receipts, conversationReceipts(db)),
    publicBaseUrl: channels.publicBaseUrl,
    logger,
    now: () => new Date(),
    intake,
  });
  registerInboundWebhooks(app, { intake, accounts, publicBaseUrl: channels.publicBaseUrl });
  registerServiceTypeRuleRoutes(app, db);
  registerWhatsAppSessionRoute(app, { db, accounts, statuses: webSessionStatuses });
  registerWebChatRoutes(app, { db, publicBaseUrl: channels.publicBaseUrl });
  registerTelegramWebhookSetup(app, {
    db,
    accounts,
    publicBaseUrl: channels.publicBaseUrl,
    timeoutMs: channels.providerTimeoutMs,
  });
  registerQueueDepth(deps.metrics, deps.queues);
  mountQueueDashboard(app, deps.queues, serveStatic);

  answerErrors(app, logger);
  return app;
}
