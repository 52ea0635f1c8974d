import { index, integer, jsonb, pgTable, primaryKey, text, timestamp, unique } from "drizzle-orm/pg-core";
import type { TemplateStatus, TemplateVariable, TemplateVariant } from "../../templates/vocabulary.js";
import { tenants } from "./tenants.js";

const at = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

/**
 * Message templates by code (TICKET_CREATED, ...). A row without a tenant is a default, loaded from
 * the files in templates/ at start; a tenant's own row for a code shadows the default, so loading
 * new defaults never touches what a tenant's admins wrote. What a template says lives in its
 * versions: an update adds one, and the previous ones stay readable.
 */
export const messageTemplates = pgTable(
  "message_templates",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").references(() => tenants.id, { onDelete: "cascade" }),
    code: text("code").notNull(),
    status: text("status").$type<TemplateStatus>().notNull().default("active"),
    currentVersion: integer("current_version").notNull().default(1),
    /** For a default: the hash of the files its current version was loaded from. */
    sourceHash: text("source_hash"),
    createdAt: at("created_at").notNull().defaultNow(),
    updatedAt: at("updated_at").notNull().defaultNow(),
  },
  (t) => [
    // One row per (tenant, code), and one default per code: NULL tenants are not distinct here.
    unique("message_templates_tenant_code_key").on(t.tenantId, t.code).nullsNotDistinct(),
    index("message_templates_code_idx").on(t.code),
  ],
);

/** One version of a template: written once, never changed, so a notification can name it. */
export const messageTemplateVersions = pgTable(
  "message_template_versions",
  {
    templateId: text("template_id")
      .notNull()
      .references(() => messageTemplates.id, { onDelete: "cascade" }),
    version: integer("version").notNull(),
    description: text("description").notNull().default(""),
    variables: jsonb("variables").$type<TemplateVariable[]>().notNull(),
    variants: jsonb("variants").$type<TemplateVariant[]>().notNull(),
    /** The API key that wrote it, or `templates/` for a default loaded from the files. */
    createdBy: text("created_by").notNull(),
    createdAt: at("created_at").notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.templateId, t.version] })],
);

export type MessageTemplateRow = typeof messageTemplates.$inferSelect;
export type MessageTemplateVersionRow = typeof messageTemplateVersions.$inferSelect;
