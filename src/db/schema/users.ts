import { boolean, index, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";
import { tenants } from "./tenants.js";

/**
 * A tenant's teams. Ids are the bank's own (`team_credit`), unique within the tenant, so the ids
 * its applications already use in assigneeId and approvers refer to these rows unchanged.
 */
export const teams = pgTable(
  "teams",
  {
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    id: text("id").notNull(),
    name: text("name").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.id] })],
);

/** A tenant's staff (relationship managers, credit analysts, agents), by the bank's own ids (`usr_rm_001`). */
export const users = pgTable(
  "users",
  {
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    id: text("id").notNull(),
    name: text("name").notNull(),
    role: text("role").notNull(),
    teamId: text("team_id"),
    /** Where notifications for the user go by e-mail (their work address); null: in-app only. */
    email: text("email"),
    // A user who left stays (decisions and timelines still name them) but can act no more.
    active: boolean("active").notNull().default(true),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.id] }), index("users_team_idx").on(t.tenantId, t.teamId)],
);

export type TeamRow = typeof teams.$inferSelect;
export type UserRow = typeof users.$inferSelect;
