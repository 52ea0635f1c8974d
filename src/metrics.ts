import type { Queue } from "bullmq";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import { type BatchCounts, batchedStatementCounts } from "./db/batchedStatement.js";

/** Batched writes (src/db/batchedStatement.ts): rows / statements is the mean batch size. */
const batchCounters: ReadonlyArray<{ name: string; help: string; count: keyof BatchCounts }> = [
  {
    name: "switchboard_db_batched_statements_total",
    help: "Multi-row statements sent by each batched write",
    count: "statements",
  },
  {
    name: "switchboard_db_batched_rows_total",
    help: "Calls written through each batched write",
    count: "rows",
  },
  {
    name: "switchboard_db_batched_failed_by_data_total",
    help: "Calls answered 'write alone' because a row's data failed their batch, or it lost a deadlock",
    count: "failedByData",
  },
  {
    name: "switchboard_db_batched_overflowed_total",
    help: "Calls sent the single-row way because too many were waiting for a batch",
    count: "overflowed",
  },
];

/** The batched writes' counters, read from the batcher when /metrics is scraped. */
function registerBatchCounters(registry: Registry): void {
  for (const { name, help, count } of batchCounters) {
    new Counter({
      name,
      help,
      labelNames: ["statement"] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const [statement, counts] of batchedStatementCounts()) this.inc({ statement }, counts[count]);
      },
    });
  }
}

/**
 * One registry per hub instance, so tests and embedded hubs do not share counters. The batched
 * writes' counts are the process's (they are kept by the batcher), the same in every registry.
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "switchboard_" });
  registerBatchCounters(registry);
  return {
    registry,
    httpRequestDuration: new Histogram({
      name: "switchboard_http_request_duration_seconds",
      help: "HTTP request duration by method, matched route and status",
      labelNames: ["method", "route", "status"] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    jobsProcessed: new Counter({
      name: "switchboard_jobs_processed_total",
      help: "BullMQ jobs finished by queue and outcome",
      labelNames: ["queue", "outcome"] as const,
      registers: [registry],
    }),
    webhookAttempts: new Counter({
      name: "switchboard_webhook_attempts_total",
      help: "Webhook delivery attempts by outcome (succeeded, retry scheduled, failed for good)",
      labelNames: ["outcome"] as const,
      registers: [registry],
    }),
    webhookDeferrals: new Counter({
      name: "switchboard_webhook_deferrals_total",
      help: "Webhook jobs put back as delayed: over their destination's concurrency or rate limit, or held by another worker",
      labelNames: ["reason"] as const,
      registers: [registry],
    }),
    webhookAttemptDuration: new Histogram({
      name: "switchboard_webhook_attempt_duration_seconds",
      help: "Time from a successful webhook POST's start to its answer",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    webhookDeliveryLatency: new Histogram({
      name: "switchboard_webhook_delivery_latency_seconds",
      help: "Time from an event's commit to its webhook's successful delivery, retries included",
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30, 300, 3600, 36_000, 86_400],
      registers: [registry],
    }),
    notificationDeliveries: new Counter({
      name: "switchboard_notification_deliveries_total",
      help: "Notification deliveries by channel and the status they reached (sent, delivered, failed, skipped, expired, retry)",
      labelNames: ["channel", "status"] as const,
      registers: [registry],
    }),
    notificationProviderLatency: new Histogram({
      name: "switchboard_notification_provider_latency_seconds",
      help: "Time from a notification being due (created, or its scheduleAt) to the provider accepting it",
      labelNames: ["channel"] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers: [registry],
    }),
    inboundSkipped: new Counter({
      name: "switchboard_inbound_skipped_total",
      help: "Inbound messages accepted from a channel and dropped, by channel and reason (e-mail auto-replies and bounces)",
      labelNames: ["channel", "reason"] as const,
      registers: [registry],
    }),
    eventsRelayed: new Counter({
      name: "switchboard_events_relayed_total",
      help: "Domain events moved from the outbox table to the domain-events queue",
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

// Jobs with a priority (every notification delivery) wait in "prioritized", not "waiting".
const queueStates = ["waiting", "prioritized", "active", "delayed", "failed"] as const;

/** Jobs per queue and state, read from Redis when /metrics is scraped (one round trip per queue). */
export function registerQueueDepth(metrics: Metrics, queues: readonly Queue[]): void {
  new Gauge({
    name: "switchboard_queue_jobs",
    help: "Jobs in each BullMQ queue by state (waiting, prioritized, active, delayed, failed)",
    labelNames: ["queue", "state"] as const,
    registers: [metrics.registry],
    async collect() {
      this.reset();
      await Promise.all(
        queues.map(async (queue) => {
          const counts = await queue.getJobCounts(...queueStates);
          for (const state of queueStates) this.set({ queue: queue.name, state }, counts[state] ?? 0);
        }),
      );
    },
  });
}

/**
 * Each whatsapp-web.js session's state as a state set (1 for its state, 0 for the others), read
 * from what the gateways publish when /metrics is scraped: any API process shows every session.
 */
export function registerWhatsAppWebSessions(
  metrics: Metrics,
  states: readonly string[],
  read: () => Promise<ReadonlyArray<{ tenantId: string; state: string }>>,
): void {
  new Gauge({
    name: "switchboard_whatsapp_web_session_state",
    help: "whatsapp-web.js session of each tenant by state (starting, waiting_for_qr, ready, disconnected): 1 for the current one",
    labelNames: ["tenant_id", "state"] as const,
    registers: [metrics.registry],
    async collect() {
      this.reset();
      for (const session of await read()) {
        for (const state of states)
          this.set({ tenant_id: session.tenantId, state }, state === session.state ? 1 : 0);
      }
    },
  });
}
