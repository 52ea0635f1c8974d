import { and, arrayOverlaps, asc, eq, gt, isNull, lte } from "drizzle-orm";
import type { Tx } from "../../db/client.js";
import { type DelegationRow, delegations, type Money } from "../../db/schema/index.js";

export type ApprovalAuthority = { ok: true; delegation: DelegationRow } | { ok: false; message: string };

/** The limit covers every amount: same currency and not more. No limit covers any amount. */
function covers(limit: Money | null, amounts: readonly Money[]): boolean {
  if (limit === null) return true;
  return amounts.every((a) => a.currency === limit.currency && a.amount <= limit.amount);
}

const describe = (m: Money) => `${m.amount} ${m.currency}`;

/**
 * Whether `delegateeId` may decide approvals for `delegatorId` at `now` over `amounts`: a delegation
 * between them, active at `now`, whose scope covers approvals (or all) and whose
 * maxApprovalAmount covers each amount. The row is share-locked, so a revocation committing
 * meanwhile waits for this decision (or this decision sees it revoked).
 */
export async function approvalAuthority(
  tx: Tx,
  tenantId: string,
  parties: { delegatorId: string; delegateeId: string },
  amounts: readonly Money[],
  now: Date,
): Promise<ApprovalAuthority> {
  const candidates = await tx
    .select()
    .from(delegations)
    .where(
      and(
        eq(delegations.tenantId, tenantId),
        eq(delegations.delegatorId, parties.delegatorId),
        eq(delegations.delegateeId, parties.delegateeId),
        isNull(delegations.revokedAt),
        lte(delegations.validFrom, now),
        gt(delegations.validTo, now),
        arrayOverlaps(delegations.scope, ["approvals", "all"]),
      ),
    )
    .orderBy(asc(delegations.createdAt))
    .for("share");
  const from = `${parties.delegatorId} to ${parties.delegateeId}`;
  if (candidates.length === 0) {
    return { ok: false, message: `no active delegation from ${from} covers approvals` };
  }
  const covering = candidates.find((d) => covers(d.maxApprovalAmount, amounts));
  if (covering) return { ok: true, delegation: covering };
  const limits = candidates.map((d) => (d.maxApprovalAmount ? describe(d.maxApprovalAmount) : "none"));
  return {
    ok: false,
    message: `the delegation from ${from} (limit ${limits.join(", ")}) does not cover ${amounts.map(describe).join(", ")}`,
  };
}
