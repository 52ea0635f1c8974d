import { sql } from "drizzle-orm";
import { index, jsonb, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";

/**
 * Domain events: written in the same transaction as the state change they describe, and never
 * changed afterwards. The source of timelines and analytics; the relay's work list is event_outbox.
 */
export const events = pgTable(
  "events",
  {
    id: text("id").primaryKey(),
    // No foreign key: every event of a tenant would share-lock the one tenant row, on the hottest
    // insert path of the hub. Writers take the tenant id from an authenticated key or a tenant row.
    tenantId: text("tenant_id").notNull(),
    type: text("type").notNull(),
    subjectType: text("subject_type").notNull(),
    subjectId: text("subject_id").notNull(),
    actorType: text("actor_type").notNull(),
    actorId: text("actor_id"),
    channel: text("channel"),
    // The customer the event concerns, where the writer knows one: a customer's timeline is then one
    // index range however many events the table holds.
    customerId: text("customer_id"),
    payload: jsonb("payload").$type<Record<string, unknown>>().notNull(),
    occurredAt: timestamp("occurred_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (t) => [
    // A subject's timeline: WHERE tenant_id = ? AND subject_type = ? AND subject_id = ? ORDER BY occurred_at.
    index("events_subject_idx").on(t.tenantId, t.subjectType, t.subjectId, t.occurredAt),
    // A customer's timeline, newest first: WHERE tenant_id = ? AND customer_id = ? ORDER BY occurred_at
    // DESC, id DESC LIMIT n. With id in the key the page is the index's first n entries, read in
    // order with no sort, however many events the customer or the table holds (EXPLAIN: Limit over
    // Index Scan); without it every one of the customer's events was read and sorted.
    index("events_customer_timeline_idx")
      .on(t.tenantId, t.customerId, t.occurredAt.desc(), t.id.desc())
      .where(sql`${t.customerId} IS NOT NULL`),
    // A tenant's feed and time-window queries (analytics, exports).
    index("events_tenant_time_idx").on(t.tenantId, t.occurredAt),
  ],
);

export type EventRow = typeof events.$inferSelect;

/**
 * The outbox: one row per event not yet relayed, added by a trigger on events in the statement
 * that inserts the events (migration 0022), taken out by the relay in the transaction that hands
 * the events to their subscribers. Relaying used to mark the event row published instead: an
 * UPDATE of a wide row, a new version of it in every index of events, and the row lock before it,
 * for every event. A row here is two columns in one index, and relaying deletes it.
 */
export const eventOutbox = pgTable(
  "event_outbox",
  {
    occurredAt: timestamp("occurred_at", { withTimezone: true, mode: "date" }).notNull(),
    eventId: text("event_id").notNull(),
  },
  // Oldest first is the relay's order; the key is also how an event is looked up here.
  (t) => [primaryKey({ columns: [t.occurredAt, t.eventId] })],
);
