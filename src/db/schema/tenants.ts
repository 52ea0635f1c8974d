import { sql } from "drizzle-orm";
import { pgTable, text, timestamp } from "drizzle-orm/pg-core";

export const tenantStatuses = ["active", "disabled"] as const;
export type TenantStatus = (typeof tenantStatuses)[number];

/**
 * SCT07's configuration levels: basic (a few channels, no cross-channel continuity), standard (the
 * core channels with continuity), advanced (every channel). See src/sct07/levels.ts.
 */
export const tenantLevels = ["basic", "standard", "advanced"] as const;
export type TenantLevel = (typeof tenantLevels)[number];

export const tenants = pgTable("tenants", {
  id: text("id").primaryKey(),
  slug: text("slug").notNull().unique(),
  name: text("name").notNull(),
  status: text("status", { enum: tenantStatuses }).notNull().default("active"),
  level: text("level", { enum: tenantLevels }).notNull().default("advanced"),
  /** ISO 3166 region that phone numbers written without a country code belong to (e.g. ID). */
  defaultRegion: text("default_region"),
  /** Sites (origins) whose pages may open this tenant's web chat, besides WEBCHAT_ALLOWED_ORIGINS. */
  webchatOrigins: text("webchat_origins").array().notNull().default(sql`'{}'::text[]`),
  createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
});

export type TenantRow = typeof tenants.$inferSelect;
