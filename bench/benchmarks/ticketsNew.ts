import { compareHttp } from "../lib/compareHttp.js";
import { newCustomerBodies, ticketHeaders, ticketsPath } from "../lib/ticketWorkload.js";
import type { Benchmark } from "../lib/types.js";

/**
 * The tickets benchmark with a customer nobody has contacted before on every request (unique CIF,
 * e-mail and phone): the hub creates the customer, its customer.created event, the ticket and its
 * TICKET_CREATED event. The baseline gets the same sequence of bodies.
 */
export const benchmark: Benchmark = {
  summary: "POST /api/omnichannel/tickets, a new customer on every request, vs zod + one INSERT",
  targets: [
    { key: "reqPerSec", atLeast: 0.5 },
    { key: "latencyP99Ms", atMost: 3 },
  ],
  run: (options) =>
    compareHttp(options, {
      baselineFile: "tickets.ts",
      rowsWritten: { hub: "tickets", baseline: "bench_baseline_tickets" },
      async prepare({ admin }) {
        const headers = await ticketHeaders(admin);
        return {
          hub: { path: ticketsPath, method: "POST", headers, body: newCustomerBodies() },
          baseline: { path: "/tickets", method: "POST", headers, body: newCustomerBodies() },
        };
      },
    }),
};
