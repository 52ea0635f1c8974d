import type { NotificationSettings } from "../src/config.js";
import { deliveryJobOptions, type QueuedDelivery } from "../src/notifications/jobs.js";
import { deliveryQueueOf } from "./catalog.js";
import type { Producer } from "./producer.js";

/**
 * Puts a due delivery's job back when Redis no longer has it: a job still waiting, delayed (a
 * retry's backoff) or running is left alone; one that finished without its row being finished (a
 * crash, a lapsed hold) is removed first, as its id would keep the new one out. Returns whether a
 * job was added.
 */
export async function requeueNotificationDelivery(
  producer: Producer,
  settings: Pick<NotificationSettings, "maxAttempts" | "retryDelayMs">,
  delivery: QueuedDelivery,
): Promise<boolean> {
  const queue = producer.queues[deliveryQueueOf(delivery.channel)];
  const job = await queue.getJob(delivery.id);
  if (job) {
    const state = await job.getState();
    if (state !== "completed" && state !== "failed" && state !== "unknown") return false;
    await job.remove();
  }
  await producer.enqueue(
    deliveryQueueOf(delivery.channel),
    { deliveryId: delivery.id },
    deliveryJobOptions(delivery, settings),
  );
  return true;
}
