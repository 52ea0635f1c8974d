import { sql } from "drizzle-orm";
import { foreignKey, index, integer, jsonb, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";
import type {
  AssigneeType,
  CompletionOutcome,
  JourneyPriority,
  JourneyStatus,
  StepOutcome,
} from "../../rail/journeys/vocabulary.js";
import type { TemplateCategory, TemplateStatus, TemplateStep } from "../../rail/templates/vocabulary.js";
import { tenants } from "./tenants.js";

const tz = { withTimezone: true, mode: "date" } as const;

/**
 * A journey template of a tenant. Its id is the tenant's choice (`tmpl_onboarding_sme`, as bank
 * apps name templates) or generated (`jtp_...`), so the key is (tenant, id). What the template says
 * lives in its versions; editing an active template adds a version, and journeys keep theirs.
 */
export const journeyTemplates = pgTable(
  "journey_templates",
  {
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    id: text("id").notNull(),
    status: text("status").$type<TemplateStatus>().notNull().default("draft"),
    currentVersion: integer("current_version").notNull().default(1),
    createdAt: timestamp("created_at", tz).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", tz).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.id] })],
);

/** One version of a template's definition. Written once, never changed once a journey uses it. */
export const journeyTemplateVersions = pgTable(
  "journey_template_versions",
  {
    tenantId: text("tenant_id").notNull(),
    templateId: text("template_id").notNull(),
    version: integer("version").notNull(),
    name: text("name").notNull(),
    description: text("description"),
    category: text("category").$type<TemplateCategory>().notNull(),
    steps: jsonb("steps").$type<TemplateStep[]>().notNull(),
    estimatedDurationDays: integer("estimated_duration_days"),
    slaHours: integer("sla_hours"),
    createdAt: timestamp("created_at", tz).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.templateId, t.version] }),
    foreignKey({
      name: "journey_template_versions_template_fk",
      columns: [t.tenantId, t.templateId],
      foreignColumns: [journeyTemplates.tenantId, journeyTemplates.id],
    }).onDelete("cascade"),
  ],
);

/**
 * A customer's journey through one template version. Deadlines are stored here, so the overdue
 * check reads PostgreSQL and never depends on Redis still holding its delayed job.
 */
export const journeys = pgTable(
  "journeys",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    templateId: text("template_id").notNull(),
    templateVersion: integer("template_version").notNull(),
    customerId: text("customer_id").notNull(),
    channel: text("channel"),
    context: jsonb("context").$type<Record<string, unknown>>().notNull().default({}),
    status: text("status").$type<JourneyStatus>().notNull().default("created"),
    currentStepIndex: integer("current_step_index").notNull().default(0),
    completedSteps: integer("completed_steps").notNull().default(0),
    assigneeId: text("assignee_id"),
    assigneeType: text("assignee_type").$type<AssigneeType>(),
    assignmentReason: text("assignment_reason"),
    priority: text("priority").$type<JourneyPriority>().notNull().default("normal"),
    dueAt: timestamp("due_at", tz),
    /** When the current step times out (its timeoutHours after it became current); null = never. */
    stepDueAt: timestamp("step_due_at", tz),
    stepOverdueAt: timestamp("step_overdue_at", tz),
    /** createdAt + the template's slaHours; null = no SLA. */
    slaDueAt: timestamp("sla_due_at", tz),
    slaBreachedAt: timestamp("sla_breached_at", tz),
    completionNotes: text("completion_notes"),
    completedBy: text("completed_by"),
    outcome: text("outcome").$type<CompletionOutcome>(),
    cancellationReason: text("cancellation_reason"),
    cancelledBy: text("cancelled_by"),
    createdAt: timestamp("created_at", tz).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", tz).notNull().defaultNow(),
  },
  (t) => [
    foreignKey({
      name: "journeys_template_version_fk",
      columns: [t.tenantId, t.templateId, t.templateVersion],
      foreignColumns: [
        journeyTemplateVersions.tenantId,
        journeyTemplateVersions.templateId,
        journeyTemplateVersions.version,
      ],
    }),
    index("journeys_tenant_created_idx").on(t.tenantId, t.createdAt),
    index("journeys_customer_idx").on(t.tenantId, t.customerId),
    // The deadline sweeper's work list: only open journeys with a deadline not yet marked.
    index("journeys_step_due_idx")
      .on(t.stepDueAt)
      .where(sql`${t.stepOverdueAt} IS NULL AND ${t.status} IN ('created', 'in_progress', 'assigned')`),
    index("journeys_sla_due_idx")
      .on(t.slaDueAt)
      .where(sql`${t.slaBreachedAt} IS NULL AND ${t.status} IN ('created', 'in_progress', 'assigned')`),
  ],
);

/** Every advance of a journey, failed attempts included: its step history. Append-only. */
export const journeyStepHistory = pgTable(
  "journey_step_history",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    journeyId: text("journey_id")
      .notNull()
      .references(() => journeys.id, { onDelete: "cascade" }),
    stepId: text("step_id").notNull(),
    stepIndex: integer("step_index").notNull(),
    outcome: text("outcome").$type<StepOutcome>().notNull(),
    stepData: jsonb("step_data").$type<Record<string, unknown>>().notNull().default({}),
    advancedBy: text("advanced_by").notNull(),
    advancedAt: timestamp("advanced_at", tz).notNull().defaultNow(),
  },
  (t) => [index("journey_step_history_journey_idx").on(t.journeyId, t.advancedAt)],
);

export type JourneyTemplateRow = typeof journeyTemplates.$inferSelect;
export type JourneyTemplateVersionRow = typeof journeyTemplateVersions.$inferSelect;
export type JourneyRow = typeof journeys.$inferSelect;
export type JourneyStepRow = typeof journeyStepHistory.$inferSelect;
