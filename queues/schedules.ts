import type { Producer } from "./producer.js";

/**
 * Recurring jobs, as BullMQ job schedulers: upserting is idempotent, so every worker process can
 * call this at start and there is still one schedule per queue.
 */
export async function scheduleRecurringJobs(
  producer: Producer,
  options: { outboxRelayIntervalMs: number; slaScanIntervalMs: number },
): Promise<void> {
  await producer.queues["outbox-relay"].upsertJobScheduler(
    "outbox-relay-tick",
    { every: options.outboxRelayIntervalMs },
    { name: "outbox-relay", data: {} },
  );
  await producer.queues["sla-breach-scan"].upsertJobScheduler(
    "sla-breach-scan-tick",
    { every: options.slaScanIntervalMs },
    { name: "sla-breach-scan", data: {} },
  );
  await producer.queues["idempotency-prune"].upsertJobScheduler(
    "idempotency-prune-hourly",
    { every: 3600_000 },
    { name: "idempotency-prune", data: {} },
  );
}
