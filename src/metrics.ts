import { Counter, collectDefaultMetrics, Histogram, Registry } from "prom-client";

/** One registry per hub instance, so tests and embedded hubs do not share counters. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "switchboard_" });
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
    eventsRelayed: new Counter({
      name: "switchboard_events_relayed_total",
      help: "Domain events moved from the outbox table to the domain-events queue",
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
