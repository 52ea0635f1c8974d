import { sql } from "drizzle-orm";
import { index, pgTable, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";
import { tenants } from "./tenants.js";

/**
 * One person of one tenant, whatever channel they come from. Tickets, conversations and SCT07's
 * unified profile all point here. Matching order on intake: identifier (CIF), then e-mail, then phone.
 */
export const customers = pgTable(
  "customers",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    email: text("email"),
    phone: text("phone"),
    identifier: text("identifier"),
    branchCode: text("branch_code"),
    department: text("department"),
    preferredLanguage: text("preferred_language"),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("customers_identifier_uq")
      .on(t.tenantId, t.identifier)
      .where(sql`${t.identifier} IS NOT NULL`),
    index("customers_email_idx").on(t.tenantId, sql`lower(${t.email})`).where(sql`${t.email} IS NOT NULL`),
    index("customers_phone_idx").on(t.tenantId, t.phone).where(sql`${t.phone} IS NOT NULL`),
    // The matching rules never keep two customers without a CIF under one e-mail or one phone
    // number; these make two concurrent first contacts agree on one customer instead of two.
    uniqueIndex("customers_anonymous_email_uq")
      .on(t.tenantId, sql`lower(${t.email})`)
      .where(sql`${t.identifier} IS NULL AND ${t.email} IS NOT NULL`),
    uniqueIndex("customers_anonymous_phone_uq")
      .on(t.tenantId, t.phone)
      .where(sql`${t.identifier} IS NULL AND ${t.phone} IS NOT NULL`),
  ],
);

export type CustomerRow = typeof customers.$inferSelect;
