import { inArray } from "drizzle-orm";
import type { Database } from "../../src/db/client.js";
import { eventOutbox } from "../../src/db/schema/index.js";

/** The ids of events waiting in the relay's outbox: all of them, or those of `ids`. */
export async function unrelayedEventIds(db: Database, ids?: readonly string[]): Promise<string[]> {
  const rows = await db
    .select({ id: eventOutbox.eventId })
    .from(eventOutbox)
    .where(ids ? inArray(eventOutbox.eventId, [...ids]) : undefined);
  return rows.map((r) => r.id);
}

/** Puts an event back in the outbox, as a relay that died before its commit would leave it. */
export async function putBackInOutbox(db: Database, event: { id: string; occurredAt: Date }): Promise<void> {
  await db.insert(eventOutbox).values({ eventId: event.id, occurredAt: event.occurredAt });
}
