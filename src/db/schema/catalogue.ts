import { pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";
import type { ServiceType } from "../../tickets/vocabulary.js";
import { tenants } from "./tenants.js";

/** What a tenant's desk offers per service type: its name, the support group and the default team. */
export const services = pgTable(
  "services",
  {
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    serviceType: text("service_type").$type<ServiceType>().notNull(),
    name: text("name").notNull(),
    supportGroup: text("support_group").notNull(),
    defaultTeam: text("default_team").notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.serviceType] })],
);

export const branches = pgTable(
  "branches",
  {
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    code: text("code").notNull(),
    name: text("name").notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.code] })],
);

export type ServiceRow = typeof services.$inferSelect;
export type BranchRow = typeof branches.$inferSelect;
