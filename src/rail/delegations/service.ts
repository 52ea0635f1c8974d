import { and, arrayContains, count, desc, eq } from "drizzle-orm";
import type { Database, Tx } from "../../db/client.js";
import { type DelegationRow, type DelegationScope, delegations, type Money } from "../../db/schema/index.js";
import { errors } from "../../errors.js";
import { eventTypes } from "../../events/catalog.js";
import { recordEvent } from "../../events/writer.js";
import { type PageRequest, pageWindow } from "../../http/pagination.js";
import { newId } from "../../ids.js";
import { requireActiveUsers } from "../../users/service.js";
import { type DelegationStatus, delegationStatus, delegationStatusIs } from "./status.js";

type Reader = Database | Tx;

export type NewDelegation = {
  delegatorId: string;
  delegateeId: string;
  scope: DelegationScope[];
  maxApprovalAmount?: Money | null | undefined;
  validFrom: Date;
  validTo: Date;
  reason?: string | null | undefined;
};

export type DelegationFilter = {
  delegatorId?: string | undefined;
  delegateeId?: string | undefined;
  status?: DelegationStatus | undefined;
  scope?: DelegationScope | undefined;
};

export type Revocation = { revokedBy: string; reason?: string | null | undefined };

/** What the webhook and the timeline say about a delegation: no reason text, which is free prose. */
function eventPayload(d: DelegationRow, now: Date) {
  return {
    delegationId: d.id,
    delegatorId: d.delegatorId,
    delegateeId: d.delegateeId,
    scope: d.scope,
    maxApprovalAmount: d.maxApprovalAmount,
    validFrom: d.validFrom.toISOString(),
    validTo: d.validTo.toISOString(),
    status: delegationStatus(d, now),
  };
}

/**
 * Grants a delegation: delegator and delegatee are two different active users of the tenant and
 * the window is not empty. Written with its omni.delegation.granted event.
 */
export async function grantDelegation(db: Database, tenantId: string, input: NewDelegation, now: Date) {
  if (input.delegatorId === input.delegateeId) {
    throw errors.validation({ delegateeId: "must differ from delegatorId" });
  }
  if (input.validFrom >= input.validTo) throw errors.validation({ validTo: "must be after validFrom" });
  return db.transaction(async (tx) => {
    await requireActiveUsers(tx, tenantId, [
      { field: "delegatorId", userId: input.delegatorId },
      { field: "delegateeId", userId: input.delegateeId },
    ]);
    const [row] = await tx
      .insert(delegations)
      .values({
        id: newId("delegation"),
        tenantId,
        delegatorId: input.delegatorId,
        delegateeId: input.delegateeId,
        scope: [...new Set(input.scope)],
        maxApprovalAmount: input.maxApprovalAmount ?? null,
        validFrom: input.validFrom,
        validTo: input.validTo,
        reason: input.reason ?? null,
        createdAt: now,
      })
      .returning();
    if (!row) throw new Error("grantDelegation: no row returned");
    await recordEvent(tx, {
      tenantId,
      type: eventTypes.delegationGranted,
      subject: { type: "delegation", id: row.id },
      actor: { type: "user", id: row.delegatorId },
      occurredAt: now,
      payload: eventPayload(row, now),
    });
    return row;
  });
}

export async function findDelegation(db: Reader, tenantId: string, id: string) {
  const [row] = await db
    .select()
    .from(delegations)
    .where(and(eq(delegations.tenantId, tenantId), eq(delegations.id, id)));
  return row;
}

/** Newest first; the status filter is evaluated at `now`, like the status each row shows. */
export async function listDelegations(
  db: Reader,
  tenantId: string,
  filter: DelegationFilter,
  page: PageRequest,
  now: Date,
) {
  const where = and(
    eq(delegations.tenantId, tenantId),
    filter.delegatorId ? eq(delegations.delegatorId, filter.delegatorId) : undefined,
    filter.delegateeId ? eq(delegations.delegateeId, filter.delegateeId) : undefined,
    filter.scope ? arrayContains(delegations.scope, [filter.scope]) : undefined,
    filter.status ? delegationStatusIs(filter.status, now) : undefined,
  );
  const { limit, offset } = pageWindow(page);
  const [items, totals] = await Promise.all([
    db
      .select()
      .from(delegations)
      .where(where)
      .orderBy(desc(delegations.createdAt), desc(delegations.id))
      .limit(limit)
      .offset(offset),
    db.select({ n: count() }).from(delegations).where(where),
  ]);
  return { items, total: totals[0]?.n ?? 0 };
}

export type RevokeResult =
  | { ok: true; delegation: DelegationRow }
  | { ok: false; reason: "not_found" }
  | { ok: false; reason: "not_revocable"; status: DelegationStatus };

/**
 * Revokes a scheduled or active delegation, with its omni.delegation.revoked event. One already
 * revoked or expired cannot be revoked (again). The row lock orders it against a concurrent
 * decision made with the delegation.
 */
export async function revokeDelegation(
  db: Database,
  tenantId: string,
  id: string,
  revocation: Revocation,
  now: Date,
): Promise<RevokeResult> {
  return db.transaction(async (tx) => {
    const [current] = await tx
      .select()
      .from(delegations)
      .where(and(eq(delegations.tenantId, tenantId), eq(delegations.id, id)))
      .for("update");
    if (!current) return { ok: false, reason: "not_found" };
    const status = delegationStatus(current, now);
    if (status === "revoked" || status === "expired") return { ok: false, reason: "not_revocable", status };
    await requireActiveUsers(tx, tenantId, [{ field: "revokedBy", userId: revocation.revokedBy }]);
    const [row] = await tx
      .update(delegations)
      .set({ revokedAt: now, revokedBy: revocation.revokedBy, revokeReason: revocation.reason ?? null })
      .where(eq(delegations.id, id))
      .returning();
    if (!row) throw new Error(`locked delegation ${id} vanished`);
    await recordEvent(tx, {
      tenantId,
      type: eventTypes.delegationRevoked,
      subject: { type: "delegation", id },
      actor: { type: "user", id: revocation.revokedBy },
      occurredAt: now,
      payload: { ...eventPayload(row, now), revokedBy: revocation.revokedBy },
    });
    return { ok: true, delegation: row };
  });
}
