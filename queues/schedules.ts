import type { JobPayload, QueueName } from "./catalog.js";
import type { Producer } from "./producer.js";

/** Work a BullMQ job scheduler starts every everyMs: one scheduler id per queue. */
export type RecurringJob = {
  [Q in QueueName]: { queue: Q; schedulerId: string; everyMs: number; data: JobPayload<Q> };
}[QueueName];

/** The hub's recurring jobs. Scheduler ids are stored in Redis: never rename one casually. */
export function recurringJobs(options: {
  outboxRelayIntervalMs: number;
  slaScanIntervalMs: number;
  webhooks?: { sweepIntervalMs: number };
  notifications?: { sweepIntervalMs: number };
  inbound?: { sweepIntervalMs: number };
}): RecurringJob[] {
  return [
    {
      queue: "outbox-relay",
      schedulerId: "outbox-relay-tick",
      everyMs: options.outboxRelayIntervalMs,
      data: {},
    },
    {
      queue: "sla-breach-scan",
      schedulerId: "sla-breach-scan-tick",
      everyMs: options.slaScanIntervalMs,
      data: {},
    },
    { queue: "idempotency-prune", schedulerId: "idempotency-prune-hourly", everyMs: 3600_000, data: {} },
    ...(options.webhooks
      ? [
          {
            queue: "webhook-sweep" as const,
            schedulerId: "webhook-sweep-tick",
            everyMs: options.webhooks.sweepIntervalMs,
            data: {},
          },
        ]
      : []),
    ...(options.notifications
      ? [
          {
            queue: "notification-sweep" as const,
            schedulerId: "notification-sweep-tick",
            everyMs: options.notifications.sweepIntervalMs,
            data: {},
          },
        ]
      : []),
    {
      queue: "journey-deadline-sweep",
      schedulerId: "journey-deadline-sweep-minutely",
      everyMs: 60_000,
      data: {},
    },
    ...(options.inbound
      ? [
          {
            queue: "inbound-sweep" as const,
            schedulerId: "inbound-sweep-tick",
            everyMs: options.inbound.sweepIntervalMs,
            data: {},
          },
        ]
      : []),
    // Often enough that the analytics' live part (events not folded yet) stays a few seconds' worth.
    { queue: "channel-activity-fold", schedulerId: "channel-activity-fold-tick", everyMs: 10_000, data: {} },
  ];
}

/**
 * Creates or updates one job's scheduler. Upserting is idempotent, so every worker process can call
 * it and there is still one schedule per queue. It replaces the scheduler's next job, so callers
 * that only repair (recurringJobsKeeper) upsert the ones that are missing.
 */
export async function upsertRecurringJob(producer: Producer, job: RecurringJob): Promise<void> {
  await producer.queues[job.queue].upsertJobScheduler(
    job.schedulerId,
    { every: job.everyMs },
    { name: job.queue, data: job.data },
  );
}

/** Schedules every recurring job of the hub. */
export async function scheduleRecurringJobs(
  producer: Producer,
  options: { outboxRelayIntervalMs: number; slaScanIntervalMs: number },
): Promise<void> {
  for (const job of recurringJobs(options)) await upsertRecurringJob(producer, job);
}
