import { type Job, UnrecoverableError } from "bullmq";
import type { NotificationSettings } from "../../src/config.js";
import type { Database } from "../../src/db/client.js";
import type { Metrics } from "../../src/metrics.js";
import { deliverNotification, type SendMemo } from "../../src/notifications/deliver.js";
import { enqueueDeliveries, requeueLostDeliveries } from "../../src/notifications/jobs.js";
import type { InAppAnnouncer, SenderSource } from "../../src/notifications/ports.js";
import { dueDeliveries, expireStaleDeliveries } from "../../src/notifications/sweeper.js";
import type { DeliveryQueueName, QueueName } from "../catalog.js";
import { batchedJobDataUpdates } from "../jobDataUpdates.js";
import type { Producer } from "../producer.js";
import { type SweepPages, sweepInPages, sweepPages } from "../sweepInPages.js";
import { putBack } from "./putBack.js";

/** What the notification workers need besides the database and the queues. */
export type NotificationWorkerDeps = {
  senders: SenderSource;
  inApp: InAppAnnouncer;
  settings: NotificationSettings;
  /** The longest one provider call may take (PROVIDER_TIMEOUT_MS). */
  providerTimeoutMs: number;
};

type Deps = { db: Database; producer: Producer; metrics: Metrics; notifications: NotificationWorkerDeps };

/** Expired deliveries the sweeper moves per tick; more are expired on the next ones. */
const expireBatch = 1000;

/**
 * One attempt of one delivery. A transient failure with attempts left throws, so BullMQ retries it
 * on the job's backoff; a final failure throws UnrecoverableError after it is recorded, so the
 * dashboard lists it; everything else completes the job. A send whose row could not be written
 * has the provider's id remembered in the job's data before the attempt fails (with other jobs' in
 * one Redis round trip, through the producer's connection, which fails fast), so its retry records
 * it and sends nothing.
 */
export function notificationDeliveryHandler(deps: Deps) {
  const { settings } = deps.notifications;
  const deliverDeps = {
    db: deps.db,
    senders: deps.notifications.senders,
    inApp: deps.notifications.inApp,
    settings,
    holdMs: 2 * deps.notifications.providerTimeoutMs + 5000,
    enqueue: (deliveries: Parameters<typeof enqueueDeliveries>[2]) =>
      enqueueDeliveries(deps.producer, settings, deliveries),
  };
  const updateJobData = batchedJobDataUpdates(deps.producer);
  return async (payload: { deliveryId: string; sent?: SendMemo }, job: Job, token: string | undefined) => {
    // This handler serves the channels' queues only (queues/handlers/index.ts).
    const queue = job.queueName as DeliveryQueueName & QueueName;
    const result = await deliverNotification(deliverDeps, payload.deliveryId, payload.sent, (memo) =>
      updateJobData(queue, job.id ?? payload.deliveryId, { ...payload, sent: memo }),
    );
    if (result.status === "busy" || result.status === "not_pending") return result;
    deps.metrics.notificationDeliveries.inc({ channel: result.channel, status: result.status });
    if (result.status === "sent")
      deps.metrics.notificationProviderLatency.observe({ channel: result.channel }, result.sinceDueMs / 1000);
    if (result.status === "retry") {
      // A provider that says when to come back (a flood limit) is not asked before then; the
      // delivery's row counts the attempt, so putting the job back costs none of BullMQ's.
      const wait = providerWaitMs(result, settings);
      if (wait !== undefined) return putBack(job, token, wait);
      throw new Error(`transient failure, attempt ${result.attempt}: ${result.reason}`);
    }
    if (result.status === "failed") throw new UnrecoverableError(result.reason);
    return result;
  };
}

/** The longest a provider's retry-after is honoured; a longer one is read as this (a day). */
const longestProviderWaitMs = 24 * 3600_000;

/**
 * How long to wait before the next attempt when the provider named a time: at least that, and
 * never less than the backoff this attempt would have had (NOTIFICATION_RETRY_DELAY_MS, doubling).
 * Undefined when it named none: BullMQ's own backoff applies.
 */
export function providerWaitMs(
  result: { attempt: number; retryAfterMs?: number },
  settings: Pick<NotificationSettings, "retryDelayMs">,
): number | undefined {
  if (result.retryAfterMs === undefined || !(result.retryAfterMs > 0)) return undefined;
  const backoff = settings.retryDelayMs * 2 ** Math.max(0, result.attempt - 1);
  return Math.min(Math.max(result.retryAfterMs, backoff), longestProviderWaitMs);
}

/** Expires what outlived its time-to-live, then re-enqueues due deliveries whose job Redis lost. */
export function notificationSweepHandler(deps: Deps, pages: SweepPages = sweepPages) {
  return async () => {
    const expired = await expireStaleDeliveries(deps.db, expireBatch);
    if (expired > 0) deps.metrics.notificationDeliveries.inc({ channel: "any", status: "expired" }, expired);
    const requeued = await sweepInPages(
      pages,
      (after, limit) => dueDeliveries(deps.db, limit, after),
      (due) => requeueLostDeliveries(deps.producer, deps.notifications.settings, due),
    );
    return { expired, requeued };
  };
}
