import type { JobsOptions } from "bullmq";
import { type DeliveryQueueName, deliveryQueueOf, type QueueName } from "../../queues/catalog.js";
import type { Producer } from "../../queues/producer.js";
import type { NotificationSettings } from "../config.js";
import type { NotificationChannel, NotificationPriority } from "./vocabulary.js";

/** BullMQ priorities: 1 is taken first. Every job has one, so none jumps the lanes (BullMQ takes unprioritised jobs first). */
export const priorityRank: Record<NotificationPriority, number> = { critical: 1, high: 2, normal: 3, low: 4 };

/** What enqueueing a delivery needs: ids and scheduling only, never the message or the address. */
export type QueuedDelivery = {
  id: string;
  channel: NotificationChannel;
  priority: NotificationPriority;
  dueAt: Date;
};

/**
 * The job options of a delivery: its id as job id (enqueued twice, queued once), its priority lane,
 * a delay until it is due (scheduleAt), and BullMQ's attempts and backoff for transient failures.
 * Attempts are counted in PostgreSQL (attempt_count); BullMQ gets two spare for failures of the
 * hub itself (the database away), which the row's count does not see.
 */
export function deliveryJobOptions(
  delivery: QueuedDelivery,
  settings: Pick<NotificationSettings, "maxAttempts" | "retryDelayMs">,
  now = Date.now(),
): JobsOptions & { jobId: string } {
  return {
    jobId: delivery.id,
    priority: priorityRank[delivery.priority],
    delay: Math.max(0, delivery.dueAt.getTime() - now),
    attempts: settings.maxAttempts + 2,
    backoff: { type: "exponential", delay: settings.retryDelayMs },
  };
}

/** Puts deliveries on their channels' queues, one bulk call per channel. */
export async function enqueueDeliveries(
  producer: Producer,
  settings: Pick<NotificationSettings, "maxAttempts" | "retryDelayMs">,
  deliveries: readonly QueuedDelivery[],
): Promise<void> {
  await perChannel(settings, deliveries, (queue, jobs) => producer.enqueueBulk(queue, jobs));
}

/**
 * Enqueues the deliveries of calls made in the same turn of the event loop together: under load
 * the creations that one batched statement answered all reach here in that turn, and go to Redis
 * as one bulk add per queue instead of one per request. Every caller gets that add's outcome.
 */
export function enqueuedTogether(
  enqueue: (deliveries: readonly QueuedDelivery[]) => Promise<void>,
): (deliveries: readonly QueuedDelivery[]) => Promise<void> {
  let next: { deliveries: QueuedDelivery[]; added: Promise<void> } | undefined;
  return (deliveries) => {
    if (!next) {
      const gathered: QueuedDelivery[] = [];
      const added = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        next = undefined;
        return enqueue(gathered);
      });
      next = { deliveries: gathered, added };
    }
    next.deliveries.push(...deliveries);
    return next.added;
  };
}

/** Puts back due deliveries whose job Redis lost (Producer.requeueLost); how many were added. */
export async function requeueLostDeliveries(
  producer: Producer,
  settings: Pick<NotificationSettings, "maxAttempts" | "retryDelayMs">,
  deliveries: readonly QueuedDelivery[],
): Promise<number> {
  const added = await perChannel(settings, deliveries, (queue, jobs) => producer.requeueLost(queue, jobs));
  return added.reduce((sum, n) => sum + n, 0);
}

type DeliveryJob = { payload: { deliveryId: string }; options: JobsOptions & { jobId: string } };

/** The deliveries' jobs grouped by their channel's queue, each group handed to `put` at once. */
function perChannel<T>(
  settings: Pick<NotificationSettings, "maxAttempts" | "retryDelayMs">,
  deliveries: readonly QueuedDelivery[],
  put: (queue: DeliveryQueueName & QueueName, jobs: DeliveryJob[]) => Promise<T>,
): Promise<T[]> {
  const now = Date.now();
  const byQueue = new Map<DeliveryQueueName & QueueName, DeliveryJob[]>();
  for (const d of deliveries) {
    const queue = deliveryQueueOf(d.channel);
    const job = { payload: { deliveryId: d.id }, options: deliveryJobOptions(d, settings, now) };
    const list = byQueue.get(queue);
    if (list) list.push(job);
    else byQueue.set(queue, [job]);
  }
  return Promise.all([...byQueue].map(([queue, jobs]) => put(queue, jobs)));
}

/** NOTIFICATION_RATE_LIMITS as BullMQ limiters of the channels' queues. */
export function notificationRateLimits(
  settings: Pick<NotificationSettings, "rateLimits">,
): Partial<Record<DeliveryQueueName & QueueName, { max: number; duration: number }>> {
  return Object.fromEntries(
    Object.entries(settings.rateLimits).map(([channel, limit]) => [
      deliveryQueueOf(channel as NotificationChannel),
      { max: limit.max, duration: limit.durationMs },
    ]),
  );
}
