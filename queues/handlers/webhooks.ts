import type { WebhookSettings } from "../../src/config.js";
import type { Database } from "../../src/db/client.js";
import { eventTypes } from "../../src/events/catalog.js";
import type { Metrics } from "../../src/metrics.js";
import { deliverWebhook } from "../../src/webhooks/deliver.js";
import { eventsWithDestinations, fanOutEvent } from "../../src/webhooks/fanOut.js";
import { deliveryJobId, dueDeliveries } from "../../src/webhooks/sweeper.js";
import type { Producer } from "../producer.js";
import { requeueDelivery } from "../webhookJobs.js";
import type { EventSubscriber } from "./domainEvents.js";

/** Deliveries the sweeper looks at per tick; a backlog larger than this is worked through over ticks. */
const sweepBatch = 1000;

/**
 * Webhook delivery as a subscriber of domain events: it fans an event out to delivery rows, then
 * enqueues one delivery job per row. A failure after the rows were written retries the fan-out,
 * which writes nothing twice and enqueues the rows still unattempted.
 */
export function webhookSubscriber(db: Database, producer: Producer): EventSubscriber {
  return {
    name: "webhooks",
    wants: (type) => type !== eventTypes.webhookTest,
    interestedIn: eventsWithDestinations,
    handle: async (event) => {
      const ids = await fanOutEvent(db, event);
      await enqueueDeliveries(producer, ids);
    },
  };
}

async function enqueueDeliveries(producer: Producer, ids: readonly string[]): Promise<void> {
  await producer.enqueueBulk(
    "webhook-delivery",
    ids.map((deliveryId) => ({ payload: { deliveryId }, options: { jobId: deliveryJobId(deliveryId, 0) } })),
  );
}

type Deps = { db: Database; producer: Producer; metrics: Metrics; webhooks: WebhookSettings };

/** One attempt; a failed one that has retries left becomes a delayed job for the next. */
export function webhookDeliveryHandler(deps: Deps) {
  return async ({ deliveryId }: { deliveryId: string }) => {
    const result = await deliverWebhook(deps.db, deps.webhooks, deliveryId);
    if (result.status === "succeeded" || result.status === "retry" || result.status === "failed") {
      deps.metrics.webhookAttempts.inc({ outcome: result.status });
    }
    if (result.status === "succeeded") {
      deps.metrics.webhookAttemptDuration.observe(result.latencyMs / 1000);
      deps.metrics.webhookDeliveryLatency.observe(result.sinceEventMs / 1000);
    }
    if (result.status === "retry") {
      await deps.producer.enqueue(
        "webhook-delivery",
        { deliveryId },
        { jobId: deliveryJobId(deliveryId, result.attempt), delay: result.delayMs },
      );
    }
    return result;
  };
}

/**
 * Re-enqueues due deliveries whose job is not in Redis (Redis lost its data, or an enqueue failed
 * after a commit). Rows are due and unheld, so a job still waiting for them is left alone.
 */
export function webhookSweepHandler(deps: Deps) {
  return async () => {
    const queue = deps.producer.queues["webhook-delivery"];
    let requeued = 0;
    for (const due of await dueDeliveries(deps.db, sweepBatch)) {
      if (await requeueDelivery(queue, due)) requeued++;
    }
    return { requeued };
  };
}
