import { type SQL, sql } from "drizzle-orm";
import { delegations } from "../../db/schema/index.js";

export const delegationStatuses = ["scheduled", "active", "expired", "revoked"] as const;
export type DelegationStatus = (typeof delegationStatuses)[number];

type Window = { validFrom: Date; validTo: Date; revokedAt: Date | null };

/**
 * A delegation's status at `now`: revoked once revoked, else from its window. Nothing stores it,
 * so no job has to run for it to be true. statusSql is the same rule for queries; keep them alike.
 */
export function delegationStatus(d: Window, now: Date): DelegationStatus {
  if (d.revokedAt !== null) return "revoked";
  if (now < d.validFrom) return "scheduled";
  if (now >= d.validTo) return "expired";
  return "active";
}

/** delegationStatus as a condition, for filtering lists in the database. */
export function delegationStatusIs(status: DelegationStatus, now: Date): SQL {
  const at = sql`${now.toISOString()}::timestamptz`;
  switch (status) {
    case "revoked":
      return sql`${delegations.revokedAt} IS NOT NULL`;
    case "scheduled":
      return sql`${delegations.revokedAt} IS NULL AND ${at} < ${delegations.validFrom}`;
    case "expired":
      return sql`${delegations.revokedAt} IS NULL AND ${at} >= ${delegations.validTo}`;
    case "active":
      return sql`${delegations.revokedAt} IS NULL AND ${at} >= ${delegations.validFrom} AND ${at} < ${delegations.validTo}`;
  }
}
