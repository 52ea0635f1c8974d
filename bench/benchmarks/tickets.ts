import { compareHttp } from "../lib/compareHttp.js";
import { exampleTicket, ticketHeaders, ticketsPath } from "../lib/ticketWorkload.js";
import type { Benchmark } from "../lib/types.js";

/**
 * What creating a ticket costs in the hub. Hub: POST /api/omnichannel/tickets behind the whole
 * middleware stack, validated by the route's zod schema, then the creation statement (customer
 * match, ticket, event, SLA computed in memory). Baseline: a bare Hono handler that validates the same body
 * with the same schema and does one INSERT into a table of its own in the same database.
 * Every request is the document's example: its customer (CIF123456) is created by the first
 * request and matched by identifier in every later one. A second hub with its rate limiter off runs
 * in the same rounds, to show what the limiter costs.
 */
export const benchmark: Benchmark = {
  summary:
    "POST /api/omnichannel/tickets, the document's example (one returning customer), vs zod + one INSERT",
  // From the issue: throughput at least half the baseline's, p99 latency at most three times it.
  targets: [
    { key: "reqPerSec", atLeast: 0.5 },
    { key: "latencyP99Ms", atMost: 3 },
  ],
  run: (options) =>
    compareHttp(options, {
      baselineFile: "tickets.ts",
      rowsWritten: { hub: "tickets", baseline: "bench_baseline_tickets" },
      alsoWithRateLimiterOff: true,
      async prepare({ admin }) {
        const headers = await ticketHeaders(admin);
        const body = JSON.stringify(exampleTicket);
        return {
          hub: { path: ticketsPath, method: "POST", headers, body },
          baseline: { path: "/tickets", method: "POST", headers, body },
        };
      },
    }),
};
