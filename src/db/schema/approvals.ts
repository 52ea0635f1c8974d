import { sql } from "drizzle-orm";
import {
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";
import { tenants } from "./tenants.js";

export const storedApprovalStatuses = ["requested", "approved", "rejected"] as const;
export type StoredApprovalStatus = (typeof storedApprovalStatuses)[number];
export const approvalDecisions = ["approved", "rejected"] as const;
export type ApprovalDecision = (typeof approvalDecisions)[number];

/**
 * A multi-party approval request. `status` holds the decided outcome (approved, rejected) or
 * requested; expired is read from expires_at at read time, so it is true without a job.
 */
export const approvals = pgTable(
  "approvals",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    entityType: text("entity_type").notNull(),
    entityId: text("entity_id").notNull(),
    approvalType: text("approval_type").notNull(),
    requestedBy: text("requested_by").notNull(),
    approvalData: jsonb("approval_data").$type<Record<string, unknown>>().notNull(),
    status: text("status", { enum: storedApprovalStatuses }).notNull().default("requested"),
    expiresAt: timestamp("expires_at", { withTimezone: true, mode: "date" }),
    decidedAt: timestamp("decided_at", { withTimezone: true, mode: "date" }),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (t) => [
    // The journeys gate and an entity's timeline: the approvals of one entity.
    index("approvals_entity_idx").on(t.tenantId, t.entityType, t.entityId),
    index("approvals_requester_idx").on(t.tenantId, t.requestedBy),
    index("approvals_tenant_created_idx").on(t.tenantId, t.createdAt),
  ],
);

/** Who must or may decide an approval; fixed when it is requested. */
export const approvalApprovers = pgTable(
  "approval_approvers",
  {
    approvalId: text("approval_id")
      .notNull()
      .references(() => approvals.id, { onDelete: "cascade" }),
    tenantId: text("tenant_id").notNull(),
    userId: text("user_id").notNull(),
    role: text("role").notNull(),
    required: boolean("required").notNull(),
    // The order the request listed them in, which reads show back.
    position: integer("position").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.approvalId, t.userId] }),
    index("approval_approvers_user_idx").on(t.tenantId, t.userId),
  ],
);

/**
 * The audit trail: one row per decision, never changed or removed (a trigger refuses UPDATE and
 * DELETE). `approverId` is the approver whose slot the decision fills; `decidedBy` the user who
 * acted, a delegatee when they differ (then `delegationId` names the authority used).
 */
export const approvalDecisionLog = pgTable(
  "approval_decisions",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    approvalId: text("approval_id")
      .notNull()
      .references(() => approvals.id),
    approverId: text("approver_id").notNull(),
    decidedBy: text("decided_by").notNull(),
    delegationId: text("delegation_id"),
    decision: text("decision", { enum: approvalDecisions }).notNull(),
    comment: text("comment"),
    decidedAt: timestamp("decided_at", { withTimezone: true, mode: "date" }).notNull().default(sql`now()`),
  },
  // One decision per approver: a second is refused even if the row lock were bypassed.
  (t) => [uniqueIndex("approval_decisions_once_idx").on(t.approvalId, t.approverId)],
);

export type ApprovalRow = typeof approvals.$inferSelect;
export type ApprovalApproverRow = typeof approvalApprovers.$inferSelect;
export type ApprovalDecisionRow = typeof approvalDecisionLog.$inferSelect;
