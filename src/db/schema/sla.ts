import { sql } from "drizzle-orm";
import { integer, pgTable, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";
import type { Priority } from "../../tickets/vocabulary.js";
import { tenants } from "./tenants.js";

/**
 * Response and resolution targets per service type and priority. service_type NULL is the
 * tenant's rule for every service type without a rule of its own.
 */
export const slaPolicies = pgTable(
  "sla_policies",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    serviceType: text("service_type"),
    priority: text("priority").$type<Priority>().notNull(),
    responseMinutes: integer("response_minutes").notNull(),
    resolutionMinutes: integer("resolution_minutes").notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("sla_policies_uq").on(t.tenantId, sql`coalesce(${t.serviceType}, '*')`, t.priority)],
);

/** When the SLA clock runs. No row: every hour of every day. */
export const businessCalendars = pgTable("business_calendars", {
  tenantId: text("tenant_id")
    .primaryKey()
    .references(() => tenants.id, { onDelete: "cascade" }),
  /** IANA zone the working hours and holidays are in, e.g. Asia/Makassar. */
  timezone: text("timezone").notNull(),
  /** ISO weekdays the desk works: 1 = Monday ... 7 = Sunday. */
  workingDays: integer("working_days").array().notNull(),
  /** Minutes after local midnight when the working day starts and ends. */
  dayStartMinute: integer("day_start_minute").notNull(),
  dayEndMinute: integer("day_end_minute").notNull(),
  /** Local dates (YYYY-MM-DD) when the desk does not work. */
  holidays: text("holidays").array().notNull(),
  updatedAt: timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
});

export type SlaPolicyRow = typeof slaPolicies.$inferSelect;
export type BusinessCalendarRow = typeof businessCalendars.$inferSelect;
