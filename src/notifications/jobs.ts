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
  const byChannel = new Map<NotificationChannel, QueuedDelivery[]>();
  for (const d of deliveries) byChannel.set(d.channel, [...(byChannel.get(d.channel) ?? []), d]);
  const now = Date.now();
  await Promise.all(
    [...byChannel].map(([channel, list]) =>
      producer.enqueueBulk(
        deliveryQueueOf(channel),
        list.map((d) => ({ payload: { deliveryId: d.id }, options: deliveryJobOptions(d, settings, now) })),
      ),
    ),
  );
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
