import type { Producer } from "./producer.js";

/**
 * Recurring jobs, as BullMQ job schedulers: upserting is idempotent, so every worker process can
 * call this at start and there is still one schedule per queue.
 */
export async function scheduleRecurringJobs(
  producer: Producer,
  options: { outboxRelayIntervalMs: number },
): Promise<void> {
  await producer.queues["outbox-relay"].upsertJobScheduler(
    "outbox-relay-tick",
    { every: options.outboxRelayIntervalMs },
    { name: "outbox-relay", data: {} },
  );
}
