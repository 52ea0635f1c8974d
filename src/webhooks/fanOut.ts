import { and, eq, inArray, isNotNull, sql } from "drizzle-orm";
import type { Database, Tx } from "../db/client.js";
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
  // The two reads are independent: one round trip's wait instead of two.
  const [endpoints, [ticket]] = await Promise.all([
    db
      .select({ id: webhookEndpoints.id, eventTypes: webhookEndpoints.eventTypes })
      .from(webhookEndpoints)
      .where(and(eq(webhookEndpoints.tenantId, event.tenantId), eq(webhookEndpoints.enabled, true))),
    isServiceDeskTicketEvent(event)
      ? db
          .select({ url: tickets.webhookUrl })
          .from(tickets)
          .where(and(eq(tickets.id, event.subjectId), eq(tickets.tenantId, event.tenantId)))
      : Promise.resolve([]),
  ]);
  const rows = endpoints
    .filter((e) => takesEventType(e.eventTypes, event.type))
    .map((e) => ({ destination: e.id, endpointId: e.id as string | null, url: null as string | null }));
  if (ticket?.url)
    rows.push({ destination: ticketDestination(event.subjectId), endpointId: null, url: ticket.url });
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

type EventHead = Pick<EventRow, "id" | "tenantId" | "type" | "subjectType" | "subjectId">;

/** A service-desk event about a ticket: the ticket's own integration.webhookUrl may take it. */
function isServiceDeskTicketEvent(event: EventHead): boolean {
  return serviceDeskWebhookTypes.has(event.type) && event.subjectType === "ticket";
}

/**
 * Which of these events fanOutEvent could write a delivery for: an enabled endpoint of the event's
 * tenant takes its type, or it is a service-desk event of a ticket that has a webhookUrl. Two reads
 * for a whole relayed batch, so that events with no destination (most of them, for a tenant without
 * webhooks) never become jobs. Fan-out stays the judge: it reads again when the job runs.
 */
export async function eventsWithDestinations(
  tx: Database | Tx,
  batch: readonly EventHead[],
): Promise<ReadonlySet<string>> {
  const tenantIds = [...new Set(batch.map((e) => e.tenantId))];
  const ticketEvents = batch.filter(isServiceDeskTicketEvent);
  const [endpoints, ticketsWithUrl] = await Promise.all([
    tx
      .select({ tenantId: webhookEndpoints.tenantId, eventTypes: webhookEndpoints.eventTypes })
      .from(webhookEndpoints)
      .where(and(inArray(webhookEndpoints.tenantId, tenantIds), eq(webhookEndpoints.enabled, true))),
    ticketEvents.length === 0
      ? Promise.resolve([])
      : tx
          .select({ id: tickets.id })
          .from(tickets)
          .where(
            and(
              inArray(tickets.id, [...new Set(ticketEvents.map((e) => e.subjectId))]),
              isNotNull(tickets.webhookUrl),
            ),
          ),
  ]);
  const hooked = new Set(ticketsWithUrl.map((t) => t.id));
  const interested = new Set<string>();
  for (const event of batch) {
    const byEndpoint = endpoints.some(
      (e) => e.tenantId === event.tenantId && takesEventType(e.eventTypes, event.type),
    );
    if (byEndpoint || (isServiceDeskTicketEvent(event) && hooked.has(event.subjectId)))
      interested.add(event.id);
  }
  return interested;
}
