import { index, jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";
import { tenants } from "./tenants.js";

export const delegationScopes = ["approvals", "journeys", "journey_assign", "all"] as const;
export type DelegationScope = (typeof delegationScopes)[number];

export type Money = { amount: number; currency: string };

/**
 * A delegation of authority from one user to another for a time window. Its status (scheduled,
 * active, expired, revoked) is not stored: it follows from the window and revoked_at at the time
 * of each read, so it is never stale waiting for a job.
 */
export const delegations = pgTable(
  "delegations",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    delegatorId: text("delegator_id").notNull(),
    delegateeId: text("delegatee_id").notNull(),
    scope: text("scope").array().$type<DelegationScope[]>().notNull(),
    maxApprovalAmount: jsonb("max_approval_amount").$type<Money>(),
    validFrom: timestamp("valid_from", { withTimezone: true, mode: "date" }).notNull(),
    validTo: timestamp("valid_to", { withTimezone: true, mode: "date" }).notNull(),
    reason: text("reason"),
    revokedAt: timestamp("revoked_at", { withTimezone: true, mode: "date" }),
    revokedBy: text("revoked_by"),
    revokeReason: text("revoke_reason"),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (t) => [
    // A decision on behalf of someone looks up (delegator, delegatee); lists filter by either.
    index("delegations_delegator_idx").on(t.tenantId, t.delegatorId, t.delegateeId),
    index("delegations_delegatee_idx").on(t.tenantId, t.delegateeId),
    index("delegations_tenant_created_idx").on(t.tenantId, t.createdAt),
  ],
);

export type DelegationRow = typeof delegations.$inferSelect;
