import { and, eq, sql } from "drizzle-orm";
import type { Database } from "../db/client.js";
import { type EventRow, tickets, webhookDeliveries, webhookEndpoints } from "../db/schema/index.js";
import { eventTypes } from "../events/catalog.js";
import { newId } from "../ids.js";
import { takesEventType } from "./eventTypeFilter.js";
import { isInternalNote, serviceDeskWebhookTypes } from "./payload.js";

/** The destination key of a ticket's own integration.webhookUrl. */
function ticketDestination(ticketId: string): string {
  return `ticket.${ticketId}`;
}

/**
 * Writes one delivery row per destination that takes the event: each enabled endpoint of the
 * tenant whose event types match, and the ticket's own integration.webhookUrl for the service
 * desk's events. The unique (event, destination) key makes a repeated fan-out write nothing twice.
 * Returns the ids of the event's deliveries not yet attempted, new or written by an earlier run
 * whose enqueueing failed: the caller enqueues them all (job ids absorb repeats).
 */
export async function fanOutEvent(db: Database, event: EventRow): Promise<string[]> {
  // Test events go to the one endpoint asked (see endpoints.ts), and internal notes nowhere.
  if (event.type === eventTypes.webhookTest || isInternalNote(event)) return [];
  const endpoints = await db
    .select({ id: webhookEndpoints.id, eventTypes: webhookEndpoints.eventTypes })
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.tenantId, event.tenantId), eq(webhookEndpoints.enabled, true)));
  const rows = endpoints
    .filter((e) => takesEventType(e.eventTypes, event.type))
    .map((e) => ({ destination: e.id, endpointId: e.id as string | null, url: null as string | null }));
  if (serviceDeskWebhookTypes.has(event.type) && event.subjectType === "ticket") {
    const [ticket] = await db
      .select({ url: tickets.webhookUrl })
      .from(tickets)
      .where(and(eq(tickets.id, event.subjectId), eq(tickets.tenantId, event.tenantId)));
    if (ticket?.url)
      rows.push({ destination: ticketDestination(event.subjectId), endpointId: null, url: ticket.url });
  }
  if (rows.length === 0) return [];
  await db
    .insert(webhookDeliveries)
    .values(
      rows.map((r) => ({
        id: newId("webhookDelivery"),
        tenantId: event.tenantId,
        eventId: event.id,
        eventType: event.type,
        ...r,
      })),
    )
    .onConflictDoNothing({ target: [webhookDeliveries.eventId, webhookDeliveries.destination] });
  const fresh = await db
    .select({ id: webhookDeliveries.id })
    .from(webhookDeliveries)
    .where(
      and(
        eq(webhookDeliveries.eventId, event.id),
        eq(webhookDeliveries.status, "pending"),
        sql`${webhookDeliveries.attemptCount} = 0`,
      ),
    );
  return fresh.map((d) => d.id);
}
