import { Counter, collectDefaultMetrics, Histogram, Registry } from "prom-client";
import { type BatchCounts, batchedStatementCounts } from "./db/batchedStatement.js";

/** A counter read from a batched statement's counts when /metrics is scraped. */
function batchCounter(registry: Registry, name: string, help: string, of: (counts: BatchCounts) => number) {
  return new Counter({
    name,
    help,
    labelNames: ["statement"] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [statement, counts] of batchedStatementCounts()) this.inc({ statement }, of(counts));
    },
  });
}

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
    // Batched writes (src/db/batchedStatement.ts): rows / statements is the mean batch size.
    batchedStatements: batchCounter(
      registry,
      "switchboard_db_batched_statements_total",
      "Multi-row statements sent by each batched write",
      (c) => c.statements,
    ),
    batchedRows: batchCounter(
      registry,
      "switchboard_db_batched_rows_total",
      "Calls written through each batched write",
      (c) => c.rows,
    ),
    batchedFailedByData: batchCounter(
      registry,
      "switchboard_db_batched_failed_by_data_total",
      "Calls answered 'write alone' because a row's data failed their batch",
      (c) => c.failedByData,
    ),
    batchedOverflowed: batchCounter(
      registry,
      "switchboard_db_batched_overflowed_total",
      "Calls sent the single-row way because too many were waiting for a batch",
      (c) => c.overflowed,
    ),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
