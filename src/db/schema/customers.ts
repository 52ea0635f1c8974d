import { sql } from "drizzle-orm";
import { boolean, index, pgTable, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";
import { tenants } from "./tenants.js";

const tz = { withTimezone: true, mode: "date" } as const;

/**
 * One person of one tenant, whatever channel they come from. Tickets, sessions, journeys and
 * SCT07's unified profile all point here. Which customer a contact is, is decided over
 * customer_identities (src/customers/matching.ts), never over these columns: `email`, `phone`
 * and `identifier` (the CIF) are the profile's primary addresses, each one also an identity the
 * customer holds.
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
    /** The channel the customer wants notifications on (SCT07 `notification_channel`: PUSH, EMAIL, SMS...). */
    notificationChannel: text("notification_channel"),
    /** Notification channels the customer opted out of. */
    optOuts: text("opt_outs").array().notNull().default(sql`'{}'::text[]`),
    /** Set when an agent merged this customer into another: reads of this id answer with that one. */
    mergedInto: text("merged_into"),
    mergedAt: timestamp("merged_at", tz),
    createdAt: timestamp("created_at", tz).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", tz).notNull().defaultNow(),
  },
  (t) => [index("customers_tenant_created_idx").on(t.tenantId, t.createdAt)],
);

export type CustomerRow = typeof customers.$inferSelect;

export const identityKinds = ["cif", "email", "phone", "whatsapp", "telegram", "device"] as const;
export type IdentityKind = (typeof identityKinds)[number];

/**
 * An address that points at one customer: an E.164 phone number, a lower-cased e-mail, a WhatsApp
 * id, a Telegram chat id, a device id, or the bank's own identifier (CIF). The unique key
 * (tenant, kind, value) is what makes an address belong to one customer at a time, and what two
 * concurrent first contacts of one person meet on. No tenant foreign key: ticket creation inserts
 * here on its hot path (as events and tickets, see 0002).
 */
export const customerIdentities = pgTable(
  "customer_identities",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id, { onDelete: "cascade" }),
    kind: text("kind").$type<IdentityKind>().notNull(),
    /** Normalised: E.164 for phones and WhatsApp ids, lower case for e-mail, trimmed otherwise. */
    value: text("value").notNull(),
    verified: boolean("verified").notNull().default(false),
    /** How it was verified (otp, bank_kyc, login, ...), as the caller says. */
    verifiedVia: text("verified_via"),
    verifiedAt: timestamp("verified_at", tz),
    createdAt: timestamp("created_at", tz).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("customer_identities_key_uq").on(t.tenantId, t.kind, t.value),
    // A customer is at most one bank customer: two CIFs never share a customer.
    uniqueIndex("customer_identities_one_cif_uq").on(t.customerId).where(sql`${t.kind} = 'cif'`),
    index("customer_identities_customer_idx").on(t.customerId),
  ],
);

export type CustomerIdentityRow = typeof customerIdentities.$inferSelect;

export const duplicateStatuses = ["open", "merged", "dismissed"] as const;
export type DuplicateStatus = (typeof duplicateStatuses)[number];

/**
 * A possible duplicate: a contact gave `customer_id` an address (kind, value) that already belongs
 * to `other_customer_id`. Nothing merges them silently; an agent merges (or not).
 */
export const customerDuplicates = pgTable(
  "customer_duplicates",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id, { onDelete: "cascade" }),
    otherCustomerId: text("other_customer_id")
      .notNull()
      .references(() => customers.id, { onDelete: "cascade" }),
    kind: text("kind").$type<IdentityKind>().notNull(),
    value: text("value").notNull(),
    status: text("status").$type<DuplicateStatus>().notNull().default("open"),
    createdAt: timestamp("created_at", tz).notNull().defaultNow(),
    resolvedAt: timestamp("resolved_at", tz),
  },
  (t) => [
    uniqueIndex("customer_duplicates_uq").on(t.tenantId, t.customerId, t.otherCustomerId, t.kind, t.value),
    index("customer_duplicates_other_idx").on(t.otherCustomerId),
  ],
);

export type CustomerDuplicateRow = typeof customerDuplicates.$inferSelect;
