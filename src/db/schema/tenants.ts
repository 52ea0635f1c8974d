import { pgTable, text, timestamp } from "drizzle-orm/pg-core";

export const tenantStatuses = ["active", "disabled"] as const;
export type TenantStatus = (typeof tenantStatuses)[number];

export const tenants = pgTable("tenants", {
  id: text("id").primaryKey(),
  slug: text("slug").notNull().unique(),
  name: text("name").notNull(),
  status: text("status", { enum: tenantStatuses }).notNull().default("active"),
  createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
});

export type TenantRow = typeof tenants.$inferSelect;
