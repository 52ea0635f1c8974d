import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type ServerType, serve } from "@hono/node-server";
import type { Redis } from "ioredis";
import { conversationSenders, telegramAccountsToPoll, whatsappWebTenants } from "../connectors/inbound.js";
import { startTelegramPolling } from "../connectors/telegram/polling.js";
import { realWebClientFactory } from "../connectors/whatsapp/webClientFactory.js";
import { startWhatsAppWebGateway, type WhatsAppWebGateway } from "../connectors/whatsapp/webGateway.js";
import { type RemoteWebClients, remoteWebClients } from "../connectors/whatsapp/webRemote.js";
import { reconnectBackoff } from "../connectors/whatsapp/webSession.js";
import { webSessionStatusStore } from "../connectors/whatsapp/webSessionState.js";
import { bullPrefix, createRedisConnection } from "../queues/connection.js";
import type { EventSubscriber } from "../queues/handlers/domainEvents.js";
import { conversationReplySubscriber, enqueueInbound, enqueueOutbound } from "../queues/handlers/inbound.js";
import { jobHandlers, outboxRelayPass } from "../queues/handlers/index.js";
import { notificationTriggerSubscriber } from "../queues/handlers/notificationTriggers.js";
import { webhookSubscriber } from "../queues/handlers/webhooks.js";
import { Producer } from "../queues/producer.js";
import { keepRecurringJobs } from "../queues/recurringJobsKeeper.js";
import { startRelayNudger } from "../queues/relayNudger.js";
import { recurringJobs } from "../queues/schedules.js";
import { batchJobRecaller } from "../queues/webhookJobs.js";
import { startWorkers, type WorkerPool } from "../queues/workerRunner.js";
import { createFilesystemBlobStore } from "./blobs/filesystem.js";
import { channelAccountReader } from "./channelAccounts/service.js";
import { type Config, type NotificationSettings, runsApi, runsGateway, runsWorkers } from "./config.js";
import { type Database, type DatabaseHandle, openDatabase } from "./db/client.js";
import { createApp } from "./http/app.js";
import { createOperationsApp } from "./http/operationsApp.js";
import { customersByIdentity } from "./inbound/identity/customerIdentities.js";
import { acceptInbound } from "./inbound/intake.js";
import { allReceipts, conversationReceipts } from "./inbound/receipts.js";
import { inboundRuntime, senderDepsOf, startMailListener } from "./inbound/wiring.js";
import type { Logger } from "./logger.js";
import { createMetrics } from "./metrics.js";
import { redisInAppAnnouncer } from "./notifications/inApp/announcer.js";
import { attachLiveSockets } from "./notifications/inApp/liveSockets.js";
import { enqueueDeliveries, notificationRateLimits, type QueuedDelivery } from "./notifications/jobs.js";
import { deliveryReceiptSink } from "./notifications/receipts.js";
import { accountSenderSource } from "./notifications/senderSource.js";
import { pushSubscriptionStore } from "./pushSubscriptions/service.js";
import { ensureRedis } from "./redis/ensureRedis.js";
import { readDefaultTemplates, shippedTemplatesDir } from "./templates/defaults.js";
import { loadDefaultTemplates } from "./templates/service.js";
import { webchatSender } from "./webchat/outbound.js";
import { attachWebChatSockets } from "./webchat/sockets.js";
import { chatStartLimit } from "./webchat/startLimit.js";
import { deliveryHoldMs } from "./webhooks/deliver.js";
import { destinationLimiter } from "./webhooks/destinationLimiter.js";
import { destinationPumps } from "./webhooks/destinationPumps.js";
import { PendingWrites } from "./webhooks/pendingWrites.js";
import { sealWebhookSecrets } from "./webhooks/sealStoredSecrets.js";

export type RunningHub = {
  /** The API's base URL, when this process serves the API. */
  readonly url: string | undefined;
  /** /healthz, /readyz and /metrics of a process without the API, when OPERATIONS_PORT is set. */
  readonly operationsUrl: string | undefined;
  /** The SMTP listener's port, when this process runs one (gateway role, INBOUND_SMTP_PORT). */
  readonly smtpPort: number | undefined;
  readonly database: DatabaseHandle;
  readonly producer: Producer;
  stop(): Promise<void>;
};

/** Subscribers to committed domain events; webhook delivery and notifications register here. */
function eventSubscribers(deps: {
  db: Database;
  producer: Producer;
  notifications: NotificationSettings;
  logger: Logger;
}): readonly EventSubscriber[] {
  return [
    webhookSubscriber(deps.producer),
    conversationReplySubscriber(deps.db, deps.producer),
    notificationTriggerSubscriber({
      producer: deps.producer,
      settings: deps.notifications,
      logger: deps.logger,
    }),
  ];
}

export type HubOptions = { subscribers?: readonly EventSubscriber[] };

/**
 * Starts the roles the config asks for in this process. Everything it opens, it closes in stop(),
 * in the reverse order: no new requests, running jobs finish (others stay queued), then connections.
 */
export async function startHub(
  config: Config,
  logger: Logger,
  options: HubOptions = {},
): Promise<RunningHub> {
  const closers: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const close of closers.reverse()) {
      await close().catch((err: unknown) => logger.error({ err }, "error during shutdown"));
    }
    closers.length = 0;
  };

  try {
    const localRedis = await ensureRedis(config.redis.url, { autostart: config.redis.autostart, logger });
    if (localRedis) closers.push(localRedis.stop);

    const database = openDatabase(config.database, logger);
    closers.push(() => database.close());
    await database.migrate();
    logger.info({ database: database.kind }, "database ready");
    const templates = await loadDefaultTemplates(
      database.db,
      readDefaultTemplates(config.notifications.templatesDir ?? shippedTemplatesDir),
    );
    if (templates.created.length + templates.updated.length > 0)
      logger.info(templates, "default message templates loaded");
    const sealed = await sealWebhookSecrets(database.db, config.channels.secretKeys);
    if (sealed.resealed > 0)
      logger.info({ rows: sealed.resealed }, "webhook secrets sealed under the current key");
    if (sealed.unreadable > 0)
      logger.warn(
        { rows: sealed.unreadable },
        "webhook secrets sealed under a key CHANNEL_SECRET_KEYS no longer lists: their endpoints cannot be signed for",
      );

    const connections: Redis[] = [];
    const connect = (purpose: "producer" | "worker" | "client") => {
      const connection = createRedisConnection(config.redis.url, purpose);
      connection.on("error", (err) => logger.warn({ err: err.message, purpose }, "redis connection error"));
      connections.push(connection);
      return connection;
    };
    closers.push(async () => {
      await Promise.all(connections.map((c) => c.quit().catch(() => c.disconnect())));
    });

    const prefix = bullPrefix(config.redis.prefix);
    const producerConnection = connect("producer");
    const producer = new Producer(producerConnection, prefix);
    closers.push(() => producer.close());
    const metrics = createMetrics();
    const enqueueDeliveriesNow = (deliveries: readonly QueuedDelivery[]) =>
      enqueueDeliveries(producer, config.notifications, deliveries);
    // Provider receipts (Twilio, WhatsApp Cloud callbacks; in-app pushes) land on the deliveries.
    const receipts = deliveryReceiptSink({ db: database.db, enqueue: enqueueDeliveriesNow });
    const blobs = createFilesystemBlobStore(config.attachments.blobDir);
    const channelAccounts = channelAccountReader(database.db, config.channels.secretKeys);
    // whatsapp-web.js sends through the session this process holds (gateway role), else through
    // the gateway process that holds it (connectors/whatsapp/webRemote.ts).
    let webGateway: WhatsAppWebGateway | undefined;
    let remoteWeb: RemoteWebClients | undefined;
    const whatsappWebClient = (tenantId: string) =>
      webGateway?.clientFor(tenantId) ?? remoteWeb?.clientFor(tenantId);

    if (runsWorkers(config.role)) {
      const workerConnection = connect("worker");
      const remote = await remoteWebClients({
        subscriber: connect("client"),
        publisher: producerConnection,
        prefix: config.redis.prefix,
        timeoutMs: config.channels.providerTimeoutMs,
      });
      remoteWeb = remote;
      closers.push(() => remote.close());
      const senders = accountSenderSource({
        accounts: channelAccounts,
        senderDeps: {
          publicBaseUrl: config.channels.publicBaseUrl,
          pushSubscriptions: pushSubscriptionStore(database.db, config.channels.secretKeys),
          whatsappWebClient,
          timeoutMs: config.channels.providerTimeoutMs,
          destinations: config.webhooks,
        },
      });
      // Conversation replies' senders hold SMTP pools too: closed with the workers.
      const replySenders = conversationSenders(senderDepsOf(config, database.db, whatsappWebClient));
      closers.push(() => replySenders.close());
      const limiter = destinationLimiter(workerConnection, prefix, logger);
      const deps = {
        db: database.db,
        producer,
        metrics,
        subscribers:
          options.subscribers ??
          eventSubscribers({ db: database.db, producer, notifications: config.notifications, logger }),
        webhooks: config.webhooks,
        webhookSecretKeys: config.channels.secretKeys,
        limiter,
        pumps: destinationPumps({
          limiter,
          holdMs: deliveryHoldMs(config.webhooks),
          maxAttempts: config.webhooks.workerConcurrency,
          onRefused: (reason) => metrics.webhookDeferrals.inc({ reason }),
          recall: batchJobRecaller(producer),
        }),
        pendingWrites: new PendingWrites((err) =>
          logger.error({ err }, "a webhook success was not recorded; it is sent again once its hold lapses"),
        ),
        notifications: {
          senders,
          inApp: redisInAppAnnouncer(producerConnection, config.redis.prefix),
          settings: config.notifications,
          providerTimeoutMs: config.channels.providerTimeoutMs,
        },
        inbound: inboundRuntime({
          config,
          db: database.db,
          blobs,
          accounts: channelAccounts,
          senders: replySenders,
          webchat: webchatSender(database.db, producerConnection, config.redis.prefix),
          enqueueOutbound: enqueueOutbound(producer),
          logger,
        }),
      };
      // Closed after the workers (closers run in reverse): the last jobs' success records commit
      // before the database closes.
      closers.push(() => deps.pendingWrites.settled());
      const pool: WorkerPool = startWorkers({
        connection: workerConnection,
        prefix,
        logger,
        metrics,
        handlers: jobHandlers(deps),
        concurrency: {
          "webhook-delivery": config.webhooks.workerConcurrency,
          "webhook-batch": config.webhooks.workerConcurrency,
        },
        limiters: notificationRateLimits(config.notifications),
      });
      closers.push(() => senders.close());
      closers.push(() => pool.close());
      // Before the workers close (closers run in reverse): batch jobs stop starting attempts and go
      // back to Redis with what they did not start, so closing waits for attempts in flight only.
      closers.push(async () => deps.pumps.stop());
      // Schedules live in Redis only: the keeper recreates them when Redis comes back without them.
      const keeper = await keepRecurringJobs({
        producer,
        jobs: recurringJobs(config),
        connections: [producerConnection, workerConnection],
        logger,
      });
      closers.push(async () => keeper.stop());
      // Commits nudge the relay, so events do not wait for (or on the existence of) the scheduled tick.
      const relayPass = outboxRelayPass(deps);
      const nudger = await startRelayNudger({
        database,
        relay: async () => (await relayPass()).more,
        wakeOn: [producerConnection],
        logger,
      });
      closers.push(() => nudger.close());
      logger.info({ queues: pool.workers.map((w) => w.name) }, "workers started");
    }

    if (runsGateway(config.role) && config.inbound.telegramMode === "polling") {
      const polling = startTelegramPolling({
        redis: connect("producer"),
        keyPrefix: config.redis.prefix,
        accounts: telegramAccountsToPoll(database.db, channelAccounts),
        intake: (messages) => acceptInbound(database.db, enqueueInbound(producer), messages),
        logger,
        pollTimeoutSeconds: config.inbound.telegramPollTimeoutSeconds,
        refreshMs: 30_000,
      });
      closers.push(() => polling.stop());
    }

    let smtpPort: number | undefined;
    if (runsGateway(config.role) && config.inbound.smtp) {
      const listener = await startMailListener({
        settings: config.inbound.smtp,
        db: database.db,
        blobs,
        enqueue: enqueueInbound(producer),
        metrics,
        logger,
      });
      smtpPort = listener.port;
      closers.push(() => listener.close());
    }

    if (runsGateway(config.role)) {
      const redis = connect("producer");
      const gateway = startWhatsAppWebGateway({
        redis,
        subscriber: connect("client"),
        keyPrefix: config.redis.prefix,
        tenants: whatsappWebTenants(database.db),
        statuses: webSessionStatusStore(redis, config.redis.prefix),
        session: {
          createClient: realWebClientFactory(config.inbound.whatsappWeb),
          intake: (messages) => acceptInbound(database.db, enqueueInbound(producer), messages),
          // Acks reach the pipeline's deliveries and conversations' replies, as providers' callbacks do.
          receipts: allReceipts(receipts, conversationReceipts(database.db)),
          blobs,
          maxMediaBytes: config.attachments.maxBytes,
          logger,
          reconnectDelayMs: reconnectBackoff,
          now: () => new Date(),
        },
        logger,
        leaseMs: 30_000,
        refreshMs: 30_000,
      });
      webGateway = gateway;
      closers.push(() => gateway.stop());
    }

    const readiness = [
      { name: "database", check: () => database.ping() },
      { name: "redis", check: async () => void (await producerConnection.ping()) },
    ];
    let url: string | undefined;
    let operationsUrl: string | undefined;
    if (!runsApi(config.role) && config.http.operationsPort !== undefined) {
      // Last, after the workers: a worker that answers /readyz has its queues' workers running.
      const operations = createOperationsApp({
        config,
        logger,
        redis: producerConnection,
        metrics,
        readiness,
      });
      const server = await listen(operations.fetch, { ...config.http, port: config.http.operationsPort });
      operationsUrl = urlOf(server, config.http.host);
      closers.push(() => closeServer(server));
      logger.info({ url: operationsUrl }, "operations endpoints listening");
    }
    if (runsApi(config.role)) {
      const app = createApp({
        config,
        logger,
        db: database.db,
        metrics,
        queues: Object.values(producer.queues),
        producer,
        redis: producerConnection,
        blobs,
        receipts,
        readiness,
      });
      const server = await listen(app.fetch, config.http);
      url = urlOf(server, config.http.host);
      closers.push(() => closeServer(server));
      // Closed before the server (closers run in reverse), so open sockets do not hold it up. One
      // subscriber connection hears both sockets' announcements (in-app notifications, web chat).
      const subscriber = connect("client");
      const live = await attachLiveSockets(server as Server, {
        db: database.db,
        subscriber,
        redis: producerConnection,
        redisPrefix: config.redis.prefix,
        receipts,
        logger,
      });
      closers.push(() => live.close());
      const chat = await attachWebChatSockets(server as Server, {
        db: database.db,
        customers: customersByIdentity(database.db),
        handoffTokenTtlMs: config.handoffTokenTtlMs,
        settings: config.webchat,
        intake: (messages) => acceptInbound(database.db, enqueueInbound(producer), messages),
        startLimit: chatStartLimit(producerConnection, config.redis.prefix, config.webchat.startsPerMinute),
        trustedProxies: config.auth.trustedProxies,
        subscriber,
        redisPrefix: config.redis.prefix,
        logger,
      });
      closers.push(() => chat.close());
      logger.info({ url }, "API listening");
    }

    return { url, operationsUrl, smtpPort, database, producer, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

function urlOf(server: ServerType, host: string): string {
  const address = server.address() as AddressInfo;
  return `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${address.port}`;
}

function listen(
  fetch: (req: Request) => Response | Promise<Response>,
  http: Config["http"],
): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const server = serve(
      {
        fetch,
        port: http.port,
        hostname: http.host,
        // Node's defaults let a slow client hold a connection for five minutes per request.
        serverOptions: {
          headersTimeout: http.headersTimeoutMs,
          requestTimeout: http.requestTimeoutMs,
          keepAliveTimeout: http.keepAliveTimeoutMs,
          // Node enforces the first two in a sweep every 30 s by default: they would be late by that much.
          connectionsCheckingInterval: 1000,
        },
      },
      () => resolve(server),
    );
    server.once("error", reject);
  });
}

/** Stops accepting connections and waits for requests in flight; keep-alive sockets close once idle. */
function closeServer(server: ServerType): Promise<void> {
  return new Promise((resolve, reject) => {
    // A keep-alive socket whose request finishes after close() would otherwise stay open for the
    // whole idle timeout (HTTP_IDLE_TIMEOUT_MS, 65 s): close sockets as soon as they go idle.
    const closeIdle = () => {
      if ("closeIdleConnections" in server) server.closeIdleConnections();
    };
    const sweep = setInterval(closeIdle, 100);
    server.close((err) => {
      clearInterval(sweep);
      if (err) reject(err);
      else resolve();
    });
    closeIdle();
  });
}
