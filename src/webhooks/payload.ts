import type { EventRow } from "../db/schema/index.js";
import { eventTypes } from "../events/catalog.js";
import { maskCardNumbersDeep } from "../privacy/cardNumbers.js";

/** The service desk's webhook events, sent in its document's format (and to a ticket's own URL). */
export const serviceDeskWebhookTypes: ReadonlySet<string> = new Set([
  eventTypes.ticketCreated,
  eventTypes.statusChanged,
  eventTypes.commentAdded,
  eventTypes.ticketResolved,
  eventTypes.ticketClosed,
]);

/** Keys of an event's payload that the envelope carries itself, or that name internal rows. */
const envelopeKeys = new Set(["ticketNumber", "channelReferenceId", "customerId"]);

/**
 * The JSON body of a webhook for an event. Ticket events of the service desk keep its document's
 * shape ({event, ticketNumber, channelReferenceId, timestamp, data}) plus `id`; every other event is
 * {id, type, timestamp, data}. `id` is the event id receivers dedupe on. Card numbers are masked in
 * every string, whatever a payload holds. The body depends on the event alone, so every attempt of
 * a delivery sends the same bytes.
 */
export function webhookBody(
  event: Pick<EventRow, "id" | "type" | "subjectType" | "payload" | "occurredAt">,
): string {
  const timestamp = event.occurredAt.toISOString();
  if (serviceDeskWebhookTypes.has(event.type) && event.subjectType === "ticket") {
    const data = Object.fromEntries(Object.entries(event.payload).filter(([k]) => !envelopeKeys.has(k)));
    return JSON.stringify(
      maskCardNumbersDeep({
        id: event.id,
        event: event.type,
        ticketNumber: stringOrNull(event.payload.ticketNumber),
        channelReferenceId: stringOrNull(event.payload.channelReferenceId),
        timestamp,
        data,
      }),
    );
  }
  return JSON.stringify(
    maskCardNumbersDeep({ id: event.id, type: event.type, timestamp, data: event.payload }),
  );
}

function stringOrNull(value: unknown): string | null {
  return typeof value === "string" || typeof value === "number" ? String(value) : null;
}
