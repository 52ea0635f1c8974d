import { docExamples } from "../../test/support/docExamples.js";
import { compareHttp } from "../lib/compareHttp.js";
import type { Benchmark } from "../lib/types.js";

/**
 * The service-desk document's example ticket without attachments and without integration.requestId:
 * no idempotency key, so every request creates a new ticket. Its customer (CIF123456) is created by
 * the first request and matched by identifier in every later one.
 */
const exampleTicket = {
  ...docExamples.ticket,
  integration: { ...docExamples.ticket.integration, requestId: undefined },
};

/**
 * What creating a ticket costs in the hub. Hub: POST /api/omnichannel/tickets behind the whole
 * middleware stack, validated by the route's zod schema, then the creation statement (customer
 * match, ticket, event, SLA computed in memory). Baseline: a bare Hono handler that validates the same body
 * with the same schema and does one INSERT into a table of its own in the same database.
 */
export const benchmark: Benchmark = {
  summary: "POST /api/omnichannel/tickets (no attachment) vs a bare Hono handler: zod + one INSERT",
  // From the issue: throughput at least half the baseline's, p99 latency at most three times it.
  targets: [
    { key: "reqPerSec", atLeast: 0.5 },
    { key: "latencyP99Ms", atMost: 3 },
  ],
  run: (options) =>
    compareHttp(options, {
      baselineFile: "tickets.ts",
      rowsWritten: { hub: "tickets", baseline: "bench_baseline_tickets" },
      async prepare({ admin }) {
        const tenant = await admin.createTenant({ slug: "bench-tickets", name: "Bench tickets" });
        const { key } = await admin.createApiKey({
          tenantId: tenant.slug,
          name: "bench tickets",
          scopes: ["omnichannel:create"],
        });
        // The baseline does no auth; it gets the same header so both read the same bytes.
        const headers = { authorization: `Bearer ${key}`, "content-type": "application/json" };
        const body = JSON.stringify(exampleTicket);
        return {
          hub: { path: "/api/omnichannel/tickets", method: "POST", headers, body },
          baseline: { path: "/tickets", method: "POST", headers, body },
        };
      },
    }),
};
