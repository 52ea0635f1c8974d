import { and, eq, inArray, isNotNull, sql } from "drizzle-orm";
import { type Database, statementTemplate, type Tx } from "../db/client.js";
import { type EventRow, events, tickets, webhookEndpoints } from "../db/schema/index.js";
import { eventTypes } from "../events/catalog.js";
import { newId } from "../ids.js";
import { destinationKeyOf } from "./destinationKey.js";
import { takesEventType } from "./eventTypeFilter.js";
import { serviceDeskWebhookTypes } from "./payload.js";

/** What the fan-out knows of an event: what the relay reads of it. */
export type FannedEvent = Pick<EventRow, "id" | "tenantId" | "type" | "subjectType" | "subjectId">;

/** A delivery written by the fan-out, with the batch job that carries its first attempt. */
export type NewDelivery = { deliveryId: string; destination: string; batchJobId: string };

/**
 * The id of the webhook-batch job of one relayed batch's deliveries to one destination: the
 * batch's first event with a delivery there, which no other batch relays (BullMQ refuses ':').
 */
export function webhookBatchJobId(firstEventId: string, destination: string): string {
  return `${firstEventId}.${destination}`;
}

/** The destination key of a ticket's own integration.webhookUrl. */
function ticketDestination(ticketId: string): string {
  return `ticket.${ticketId}`;
}

/** A service-desk event about a ticket: the ticket's own integration.webhookUrl may take it. */
function isServiceDeskTicketEvent(event: FannedEvent): boolean {
  return serviceDeskWebhookTypes.has(event.type) && event.subjectType === "ticket";
}

/**
 * Writes one delivery row per (event, destination that takes it), for a whole relayed batch, in
 * the relay's transaction: so an event is marked published only with its deliveries in PostgreSQL,
 * and Redis losing its data afterwards loses no delivery (the sweeper finds them). Destinations:
 * each enabled endpoint of the event's tenant whose event types match, and the ticket's own
 * integration.webhookUrl for the service desk's events. Test events go to the one endpoint asked
 * (see endpoints.ts), internal notes nowhere. Three reads and one multi-row insert per batch; the
 * unique (event, destination) key makes a repeated fan-out write nothing twice.
 */
export async function fanOutEvents(tx: Database | Tx, batch: readonly FannedEvent[]): Promise<NewDelivery[]> {
  const candidates = batch.filter((e) => e.type !== eventTypes.webhookTest);
  if (candidates.length === 0) return [];
  const tenantIds = [...new Set(candidates.map((e) => e.tenantId))];
  const ticketEvents = candidates.filter(isServiceDeskTicketEvent);
  const comments = candidates.filter((e) => e.type === eventTypes.commentAdded);
  // One after another: a transaction's client runs one query at a time anyway.
  const endpoints = await tx
    .select({
      id: webhookEndpoints.id,
      tenantId: webhookEndpoints.tenantId,
      eventTypes: webhookEndpoints.eventTypes,
    })
    .from(webhookEndpoints)
    .where(and(inArray(webhookEndpoints.tenantId, tenantIds), eq(webhookEndpoints.enabled, true)))
    // Held until the relay commits: an endpoint deleted meanwhile is deleted after these rows are
    // in, and its trigger deletes them (what the dropped foreign key did, per row; migration 0027).
    .for("key share");
  const ticketsWithUrl =
    ticketEvents.length === 0
      ? []
      : await tx
          .select({ id: tickets.id, tenantId: tickets.tenantId, url: tickets.webhookUrl })
          .from(tickets)
          .where(
            and(
              inArray(tickets.id, [...new Set(ticketEvents.map((e) => e.subjectId))]),
              isNotNull(tickets.webhookUrl),
            ),
          );
  // Only comments can be internal notes: their payloads are read, no other event's.
  const internalNotes =
    comments.length === 0
      ? []
      : await tx
          .select({ id: events.id })
          .from(events)
          .where(
            and(
              inArray(
                events.id,
                comments.map((e) => e.id),
              ),
              sql`${events.payload}->'isInternal' = 'true'::jsonb`,
            ),
          );
  const internal = new Set(internalNotes.map((n) => n.id));
  const ticketUrl = new Map(ticketsWithUrl.map((t) => [t.id, t]));
  // Named as the statement's columns: the rows travel as one JSON parameter.
  const rows: Array<Record<string, string | null>> = [];
  // Each destination's deliveries of this batch go out as one job, named by the first of them.
  const batchJobs = new Map<string, string>();
  const batchJobOf = (eventId: string, delivery: { endpointId: string | null; url: string | null }) => {
    const key = destinationKeyOf(delivery);
    let jobId = batchJobs.get(key);
    if (!jobId) {
      jobId = webhookBatchJobId(eventId, key);
      batchJobs.set(key, jobId);
    }
    return jobId;
  };
  for (const event of candidates) {
    if (internal.has(event.id)) continue;
    // Each row written out whole: an object spread into a literal with more keys cost about 5 µs a
    // row in V8, most of a 500-event pass's own time.
    for (const endpoint of endpoints) {
      if (endpoint.tenantId === event.tenantId && takesEventType(endpoint.eventTypes, event.type))
        rows.push({
          tenant_id: event.tenantId,
          event_id: event.id,
          event_type: event.type,
          id: newId("webhookDelivery"),
          destination: endpoint.id,
          endpoint_id: endpoint.id,
          url: null,
          batch_job_id: batchJobOf(event.id, { endpointId: endpoint.id, url: null }),
        });
    }
    const ticket = isServiceDeskTicketEvent(event) ? ticketUrl.get(event.subjectId) : undefined;
    if (ticket?.url && ticket.tenantId === event.tenantId)
      rows.push({
        tenant_id: event.tenantId,
        event_id: event.id,
        event_type: event.type,
        id: newId("webhookDelivery"),
        destination: ticketDestination(event.subjectId),
        endpoint_id: null,
        url: ticket.url,
        batch_job_id: batchJobOf(event.id, { endpointId: null, url: ticket.url }),
      });
  }
  if (rows.length === 0) return [];
  // One parameter for the whole batch, however many rows: no per-value work building the statement.
  const written = await insertDeliveries<{
    id: string;
    endpointId: string | null;
    url: string | null;
    batchJobId: string;
  }>(tx, { r: { rows: JSON.stringify(rows) } });
  return written.map((d) => ({
    deliveryId: d.id,
    destination: destinationKeyOf(d),
    batchJobId: d.batchJobId,
  }));
}

const insertDeliveries = statementTemplate(
  "webhook_fan_out_v2",
  (p) => sql`
    INSERT INTO webhook_deliveries (id, tenant_id, event_id, event_type, destination, endpoint_id, url, batch_job_id)
    SELECT r.id, r.tenant_id, r.event_id, r.event_type, r.destination, r.endpoint_id, r.url, r.batch_job_id
    FROM jsonb_to_recordset(${p.r_rows}::jsonb) AS r(
      id text, tenant_id text, event_id text, event_type text, destination text, endpoint_id text, url text,
      batch_job_id text
    )
    ON CONFLICT (event_id, destination) DO NOTHING
    RETURNING id, endpoint_id AS "endpointId", url, batch_job_id AS "batchJobId"`,
);
