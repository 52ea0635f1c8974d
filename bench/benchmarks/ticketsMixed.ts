import { compareHttp } from "../lib/compareHttp.js";
import {
  createReturningCustomers,
  mixedBodies,
  returningPoolSize,
  ticketHeaders,
  ticketsPath,
} from "../lib/ticketWorkload.js";
import type { Benchmark } from "../lib/types.js";

/**
 * The tickets benchmark with a mix: 70 % of requests from returning customers, drawn in turn from a
 * pool of 1000 created through the hub's API before the load, and 30 % from a new customer each.
 * The baseline gets the same sequence of bodies.
 */
export const benchmark: Benchmark = {
  summary: `POST /api/omnichannel/tickets, 70 % of ${returningPoolSize} returning customers and 30 % new ones, vs zod + one INSERT`,
  targets: [
    { key: "reqPerSec", atLeast: 0.5 },
    { key: "latencyP99Ms", atMost: 3 },
  ],
  run: (options) =>
    compareHttp(options, {
      baselineFile: "tickets.ts",
      rowsWritten: { hub: "tickets", baseline: "bench_baseline_tickets" },
      async prepare({ admin, hubUrl }) {
        const headers = await ticketHeaders(admin);
        await createReturningCustomers(hubUrl, headers);
        return {
          hub: { path: ticketsPath, method: "POST", headers, body: mixedBodies() },
          baseline: { path: "/tickets", method: "POST", headers, body: mixedBodies() },
        };
      },
    }),
};
