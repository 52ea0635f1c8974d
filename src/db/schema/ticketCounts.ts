import { bigint, pgTable, primaryKey, smallint, text } from "drizzle-orm/pg-core";
import type { TicketStatus } from "../../tickets/vocabulary.js";

export const ticketCountDimensions = ["user", "team"] as const;
export type TicketCountDimension = (typeof ticketCountDimensions)[number];

/**
 * How many tickets each tenant has per status, by assigned user and by team: the desk's queue
 * sidebar, read without counting tickets. Kept by triggers on `tickets` (migration 0017), so every
 * statement that inserts, updates or deletes tickets changes the counts in its own transaction,
 * whichever code sends it: inserts and deletes once per statement (a batch of creations is one
 * upsert per key), updates per row and only when a status, agent or team changed. A ticket counts
 * once under `user` (its assigned user's id, '' for none) and once under `team` (its team's name,
 * '' for none).
 *
 * Each transaction adds its changes to one of `slot`s 0-7 (its id modulo 8): concurrent creations of
 * one tenant, which all add to (OPEN, unassigned), then rarely wait for each other's commit on one
 * row. A count is the sum of its slots; one slot alone may be negative.
 */
export const ticketCounts = pgTable(
  "ticket_counts",
  {
    tenantId: text("tenant_id").notNull(),
    dimension: text("dimension").$type<TicketCountDimension>().notNull(),
    /** The user's id or the team's name; '' for tickets without one. */
    value: text("value").notNull(),
    status: text("status").$type<TicketStatus>().notNull(),
    slot: smallint("slot").notNull(),
    count: bigint("count", { mode: "number" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.dimension, t.value, t.status, t.slot] })],
);

export type TicketCountRow = typeof ticketCounts.$inferSelect;
