import { type SQL, sql } from "drizzle-orm";
import type { StatementParams, Tx } from "../../db/client.js";
import type { JourneyRow } from "../../db/schema/index.js";
import type { Actor, EventType } from "../../events/catalog.js";
import { eventInsertSql, recordEvent } from "../../events/writer.js";

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

/**
 * The same event inside a journey action's statement (journeys/statements.ts): `cte` is the
 * journey row as the action left it, and gives the subject, channel, customer and leading ids as
 * recordJourneyEvent does; `payload` (jsonb over that CTE) adds what only the statement knows to
 * the group's payload value, which carries what the caller knows.
 */
export function journeyEventSql(group: string, p: StatementParams, cte: string, payload: SQL): SQL {
  const row = sql.identifier(cte);
  return eventInsertSql(group, p, {
    cte,
    channel: sql`${row}.channel`,
    customerId: sql`${row}.customer_id`,
    extraPayload: sql`jsonb_build_object('journeyId', ${row}.id, 'templateId', ${row}.template_id) || ${payload}`,
  });
}
