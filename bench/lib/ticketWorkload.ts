import { docExamples } from "../../test/support/docExamples.js";
import type { AdminClient } from "./admin.js";
import type { BodySequence } from "./load.js";

/**
 * The service-desk document's example ticket without attachments and without integration.requestId:
 * no idempotency key, so every request creates a new ticket.
 */
export const exampleTicket = {
  ...docExamples.ticket,
  integration: { ...docExamples.ticket.integration, requestId: undefined },
};

export type Contact = { [field in keyof typeof exampleTicket.customer]: string };

export const ticketsPath = "/api/omnichannel/tickets";

/** A tenant and a key that may create tickets, as the headers both sides are sent. */
export async function ticketHeaders(admin: AdminClient): Promise<Record<string, string>> {
  const tenant = await admin.createTenant({ slug: "bench-tickets", name: "Bench tickets" });
  const { key } = await admin.createApiKey({
    tenantId: tenant.slug,
    name: "bench tickets",
    scopes: ["omnichannel:create"],
  });
  // The baseline does no auth; it gets the same header so both read the same bytes.
  return { authorization: `Bearer ${key}`, "content-type": "application/json" };
}

/**
 * Person `n` of a kind: a CIF, an e-mail and a phone number no other person of any kind has, and
 * the example's other contact fields (branch, department, language), as a bank's partner sends them.
 */
function contact(kind: "new" | "returning", n: number): Contact {
  const digits = String(n).padStart(8, "0");
  return {
    ...exampleTicket.customer,
    name: `Customer ${kind} ${n}`,
    identifier: `CIF-${kind.toUpperCase()}-${digits}`,
    email: `${kind}.${digits}@example.com`,
    phone: `+62 8${kind === "new" ? "1" : "2"}${digits}`,
  };
}

const ticketFor = (customer: Contact) => JSON.stringify({ ...exampleTicket, customer });

/** Every request a customer nobody has contacted before (unique CIF, e-mail and phone). */
export function newCustomerBodies(): BodySequence {
  let sent = 0;
  return () => ticketFor(contact("new", sent++));
}

/** The returning customers of a mixed workload, created before the load. */
export const returningPoolSize = 1000;

/** Of every ten requests of a mixed workload, this many come from a new customer. */
const newPerTen = 3;

/**
 * 70 % of requests from returning customers (drawn in turn from the pool, each contact exactly as
 * stored, so nothing is filled in), 30 % from a new customer each. The same sequence on both sides.
 */
export function mixedBodies(): BodySequence {
  let sent = 0;
  let created = 0;
  return () => {
    const i = sent++;
    if (i % 10 < newPerTen) return ticketFor(contact("new", created++));
    // 7919 is prime, so the walk visits every customer of the pool before repeating one.
    return ticketFor(contact("returning", (i * 7919) % returningPoolSize));
  };
}

const poolConcurrency = 10;

/** Creates the mixed workload's returning customers through the hub's API: one ticket each. */
export async function createReturningCustomers(
  hubUrl: string,
  headers: Record<string, string>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < returningPoolSize) {
      const body = ticketFor(contact("returning", next++));
      const response = await fetch(new URL(ticketsPath, hubUrl), {
        method: "POST",
        headers,
        body,
        signal: AbortSignal.timeout(10_000),
      });
      if (response.status !== 201) {
        throw new Error(
          `creating a returning customer answered ${response.status}: ${await response.text()}`,
        );
      }
    }
  };
  await Promise.all(Array.from({ length: poolConcurrency }, worker));
}
