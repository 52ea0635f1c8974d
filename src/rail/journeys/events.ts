import type { Tx } from "../../db/client.js";
import type { JourneyRow } from "../../db/schema/index.js";
import type { Actor, EventType } from "../../events/catalog.js";
import { recordEvent } from "../../events/writer.js";

/**
 * A journey's event, written in the transaction of its change. The journey gives the subject, the
 * channel, the customer (so the event is on that customer's timeline too) and the ids every payload
 * starts with; the caller gives what happened. Without `occurredAt` the database's now() is used.
 */
export function recordJourneyEvent(
  tx: Tx,
  row: JourneyRow,
  event: { type: EventType; actor: Actor; payload: Record<string, unknown>; occurredAt?: Date },
): Promise<string> {
  return recordEvent(tx, {
    tenantId: row.tenantId,
    type: event.type,
    subject: { type: "journey", id: row.id },
    actor: event.actor,
    channel: row.channel ?? undefined,
    customerId: row.customerId,
    payload: { journeyId: row.id, templateId: row.templateId, ...event.payload },
    ...(event.occurredAt ? { occurredAt: event.occurredAt } : {}),
  });
}
