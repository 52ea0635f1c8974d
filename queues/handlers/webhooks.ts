import type { Job } from "bullmq";
import { eq } from "drizzle-orm";
import { tenantSettingsCache } from "../../src/cache/tenantSettingsCache.js";
import type { WebhookSettings } from "../../src/config.js";
import type { Database } from "../../src/db/client.js";
import { webhookEndpoints } from "../../src/db/schema/index.js";
import { eventTypes } from "../../src/events/catalog.js";
import type { Metrics } from "../../src/metrics.js";
import { type DeliveryResult, deliverWebhook, deliveryHoldMs } from "../../src/webhooks/deliver.js";
import { isEndpointKey } from "../../src/webhooks/destinationKey.js";
import type { DestinationLimiter, DestinationLimits } from "../../src/webhooks/destinationLimiter.js";
import type { DestinationPumps } from "../../src/webhooks/destinationPumps.js";
import { fanOutEvents } from "../../src/webhooks/fanOut.js";
import type { PendingWrites } from "../../src/webhooks/pendingWrites.js";
import type { WebhookSecretKeys } from "../../src/webhooks/storedSecrets.js";
import { deliveryJobId, dueDeliveries } from "../../src/webhooks/sweeper.js";
import type { JobPayload } from "../catalog.js";
import type { Producer } from "../producer.js";
import { type SweepPages, sweepInPages, sweepPages } from "../sweepInPages.js";
import { enqueueDeliveries, requeueDeliveries } from "../webhookJobs.js";
import type { RelaySubscriber } from "./domainEvents.js";
import { putBack } from "./putBack.js";

/**
 * Webhook delivery as a subscriber of domain events: in the relay's transaction it writes one
 * delivery row per (event, destination), then, once that has committed, enqueues one batch job per
 * destination carrying those rows' ids.
 * An enqueue that fails after the commit (Redis away) leaves the rows due: the sweeper enqueues them.
 */
export function webhookSubscriber(producer: Producer): RelaySubscriber {
  return {
    name: "webhooks",
    wants: (type) => type !== eventTypes.webhookTest,
    inRelay: async (tx, events) => {
      const deliveries = await fanOutEvents(tx, events);
      return () => enqueueDeliveries(producer, deliveries);
    },
  };
}

export type WebhookWorkerDeps = {
  db: Database;
  producer: Producer;
  metrics: Metrics;
  webhooks: WebhookSettings;
  /** Open the secrets stored sealed (src/webhooks/storedSecrets.ts). */
  webhookSecretKeys: WebhookSecretKeys;
  limiter: DestinationLimiter;
  /** Where this process runs batch jobs' first attempts, per destination. */
  pumps: DestinationPumps;
  /** Success records handed off by attempts; the hub waits for them before closing the database. */
  pendingWrites: PendingWrites;
};
type Deps = WebhookWorkerDeps;

/** How long an endpoint's own limits are read from this process's memory after a read. */
const limitsTtlMs = 5000;
const limitsCache = tenantSettingsCache<DestinationLimits>(limitsTtlMs);

/** A destination's limits: the endpoint's own where it sets them, else the configured defaults. */
export function limitsOf(deps: Deps, destination: string): Promise<DestinationLimits> {
  const defaults = deps.webhooks.endpointDefaults;
  if (!isEndpointKey(destination)) return Promise.resolve(defaults);
  return limitsCache.get(deps.db, destination, async () => {
    const [endpoint] = await deps.db
      .select({ max: webhookEndpoints.maxConcurrency, rate: webhookEndpoints.rateLimitPerSecond })
      .from(webhookEndpoints)
      .where(eq(webhookEndpoints.id, destination));
    return {
      maxConcurrency: endpoint?.max ?? defaults.maxConcurrency,
      ratePerSecond: endpoint?.rate ?? defaults.ratePerSecond,
    };
  });
}

/**
 * How long a job refused a slot waits before it asks again. Refused by rate, it sleeps until the
 * turn the limiter reserved for it, however far away (a backlog is paced, not polled). Refused
 * because every slot is taken when its turn came: the limiter's hint, at least a growing back-off
 * by how often this job was refused already, at most a few seconds, with jitter so such jobs do not
 * come back at once.
 */
function deferMs(job: Job, permit: { reason: "concurrency" | "rate"; retryAfterMs: number }): number {
  if (permit.reason === "rate") return permit.retryAfterMs;
  // BullMQ counts every start of a job; attemptsMade counts only its failed runs.
  const refusals = Math.max(0, job.attemptsStarted - job.attemptsMade - 1);
  const backoff = Math.min(maxDeferMs, minDeferMs * 2 ** Math.min(refusals, 8));
  return Math.round(Math.min(Math.max(permit.retryAfterMs, backoff), maxDeferMs) * (1 + Math.random() * 0.5));
}
const minDeferMs = 50;
const maxDeferMs = 3000;

/**
 * One attempt, within its destination's concurrency and rate limits; a job over them goes back to
 * delayed without touching the database. A failed attempt that has retries left becomes a delayed
 * job for the next.
 */
export function webhookDeliveryHandler(deps: Deps) {
  return async (payload: JobPayload<"webhook-delivery">, job: Job, token: string | undefined) => {
    const { deliveryId, destination } = payload;
    const limits = await limitsOf(deps, destination);
    const holdMs = deliveryHoldMs(deps.webhooks);
    const permit = await deps.limiter.acquire(destination, job.id ?? deliveryId, limits, holdMs);
    if (!permit.granted) {
      deps.metrics.webhookDeferrals.inc({ reason: permit.reason });
      return putBack(job, token, deferMs(job, permit));
    }
    let result: DeliveryResult;
    try {
      result = await deliverWebhook(deps.db, deps.webhooks, deps.webhookSecretKeys, deliveryId, {
        handOff: deps.pendingWrites,
      });
    } finally {
      permit.release();
    }
    if (result.status === "busy") {
      // Another worker holds it (or held it and crashed): try again once that hold lapses.
      deps.metrics.webhookDeferrals.inc({ reason: "held" });
      return putBack(job, token, result.retryAfterMs + 100);
    }
    await afterAttempt(deps, { deliveryId, destination }, result);
    return result;
  };
}

/**
 * Counts an attempt and, when it failed with retries left, queues its next attempt as a single
 * delayed job: the same for a single job's attempt and a batch job's.
 */
export async function afterAttempt(
  deps: Pick<Deps, "metrics" | "producer">,
  delivery: JobPayload<"webhook-delivery">,
  result: DeliveryResult,
): Promise<void> {
  if (result.status === "succeeded" || result.status === "retry" || result.status === "failed") {
    deps.metrics.webhookAttempts.inc({ outcome: result.status });
  }
  if (result.status === "succeeded") {
    deps.metrics.webhookAttemptDuration.observe(result.latencyMs / 1000);
    deps.metrics.webhookDeliveryLatency.observe(result.sinceEventMs / 1000);
  }
  if (result.status === "retry") {
    await deps.producer.enqueue("webhook-delivery", delivery, {
      jobId: deliveryJobId(delivery.deliveryId, result.attempt),
      delay: result.delayMs,
    });
  }
}

/**
 * Re-enqueues due deliveries whose job is not in Redis (Redis lost its data, or an enqueue failed
 * after a commit). Rows are due and unheld, so a job still waiting for them is left alone.
 */
export function webhookSweepHandler(deps: Pick<Deps, "db" | "producer">, pages: SweepPages = sweepPages) {
  return async () => ({
    requeued: await sweepInPages(
      pages,
      (after, limit) => dueDeliveries(deps.db, limit, after),
      (due) => requeueDeliveries(deps.producer, due, { promote: false }),
    ),
  });
}
