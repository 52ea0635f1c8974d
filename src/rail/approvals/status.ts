import { type SQL, sql } from "drizzle-orm";
import { approvals } from "../../db/schema/index.js";

export const approvalStatuses = ["requested", "approved", "rejected", "expired"] as const;
export type ApprovalStatus = (typeof approvalStatuses)[number];

type Stored = { status: "requested" | "approved" | "rejected"; expiresAt: Date | null };

/**
 * An approval's status at `now`: a decided outcome stays; an undecided one whose expiresAt has
 * passed is expired, whether or not anything has noticed yet. approvalStatusIs is the same rule
 * for queries; keep them alike.
 */
export function approvalStatus(a: Stored, now: Date): ApprovalStatus {
  if (a.status !== "requested") return a.status;
  return a.expiresAt !== null && a.expiresAt <= now ? "expired" : "requested";
}

export function approvalStatusIs(status: ApprovalStatus, now: Date): SQL {
  const at = sql`${now.toISOString()}::timestamptz`;
  switch (status) {
    case "approved":
    case "rejected":
      return sql`${approvals.status} = ${status}`;
    case "expired":
      return sql`${approvals.status} = 'requested' AND ${approvals.expiresAt} <= ${at}`;
    case "requested":
      return sql`${approvals.status} = 'requested' AND (${approvals.expiresAt} IS NULL OR ${approvals.expiresAt} > ${at})`;
  }
}
