import { bullPrefix, createRedisConnection } from "../../queues/connection.js";
import type { EventSubscriber } from "../../queues/handlers/domainEvents.js";
import { jobHandlers } from "../../queues/handlers/index.js";
import { relayOutbox } from "../../queues/handlers/outboxRelay.js";
import { webhookSubscriber } from "../../queues/handlers/webhooks.js";
import { startWorkers } from "../../queues/workerRunner.js";
import type { WebhookSettings } from "../../src/config.js";
import type { EventType } from "../../src/events/catalog.js";
import { recordEvent } from "../../src/events/writer.js";
import { createLogger } from "../../src/logger.js";
import { createTenant } from "../../src/tenants/service.js";
import { destinationLimiter } from "../../src/webhooks/destinationLimiter.js";
import { PendingWrites } from "../../src/webhooks/pendingWrites.js";
import { testRedisUrl } from "../support/env.js";
import type { TestHub } from "../support/testHub.js";

/** The workers that deliver webhooks, on the test hub's queues, with the given settings. */
export function startDeliveryWorkers(hub: TestHub, webhooks: WebhookSettings = hub.config.webhooks) {
  const connection = createRedisConnection(testRedisUrl, "worker");
  const subscriber: EventSubscriber = webhookSubscriber(hub.producer);
  // A record that fails surfaces as an unhandled rejection, which fails the test file.
  const pendingWrites = new PendingWrites((err) => {
    throw err;
  });
  const pool = startWorkers({
    connection,
    prefix: bullPrefix(hub.prefix),
    logger: createLogger({ level: "silent", pretty: false }),
    metrics: hub.metrics,
    queues: ["domain-events", "webhook-delivery", "webhook-sweep"],
    concurrency: { "webhook-delivery": webhooks.workerConcurrency },
    handlers: jobHandlers({
      db: hub.db,
      producer: hub.producer,
      metrics: hub.metrics,
      subscribers: [subscriber],
      webhooks,
      limiter: destinationLimiter(
        connection,
        bullPrefix(hub.prefix),
        createLogger({ level: "silent", pretty: false }),
      ),
      pendingWrites,
      inbound: hub.inbound,
    }),
  });
  return {
    subscriber,
    async close() {
      await pool.close();
      await pendingWrites.settled();
      connection.disconnect();
    },
  };
}

export async function newTenant(hub: TestHub, slug: string): Promise<string> {
  const created = await createTenant(hub.db, { slug, name: slug }, { type: "system" });
  if (!created.ok) throw new Error("tenant not created");
  return created.tenant.id;
}

/** Commits one event and relays it, as the hub's relay would. */
export async function commitEvent(
  hub: TestHub,
  subscriber: EventSubscriber,
  tenantId: string,
  type: EventType,
  payload: Record<string, unknown>,
  subject = { type: "ticket", id: "tkt_test" },
): Promise<string> {
  const id = await hub.db.transaction((tx) =>
    recordEvent(tx, { tenantId, type, subject, actor: { type: "system" }, payload }),
  );
  await relayOutbox(hub.db, hub.producer, [subscriber]);
  return id;
}
