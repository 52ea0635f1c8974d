import { index, jsonb, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";
import { tenants } from "./tenants.js";

/**
 * The first answer to each idempotent request, replayed to every retry with the same key. The row
 * is written in the same transaction as what the request created, so a retry racing the first
 * request waits on the row's lock and then replays the committed answer.
 */
export const idempotencyKeys = pgTable(
  "idempotency_keys",
  {
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    /** The operation the key belongs to, e.g. "POST /api/omnichannel/tickets". */
    scope: text("scope").notNull(),
    key: text("key").notNull(),
    /** SHA-256 of the canonical request body: the same key with another body is a conflict. */
    requestHash: text("request_hash").notNull(),
    /** What the first request produced, as JSON; replayed to every retry. */
    result: jsonb("result").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    expiresAt: timestamp("expires_at", { withTimezone: true, mode: "date" }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.scope, t.key] }),
    index("idempotency_keys_expiry_idx").on(t.expiresAt),
  ],
);

export type IdempotencyKeyRow = typeof idempotencyKeys.$inferSelect;
