import { and, asc, count, desc, eq, exists, inArray, type SQL, sql } from "drizzle-orm";
import type { Database, Tx } from "../../db/client.js";
import {
  type ApprovalApproverRow,
  type ApprovalDecisionRow,
  type ApprovalRow,
  approvalApprovers,
  approvalDecisionLog,
  approvals,
} from "../../db/schema/index.js";
import { errors } from "../../errors.js";
import { eventTypes } from "../../events/catalog.js";
import { recordEvent } from "../../events/writer.js";
import { type PageRequest, pageWindow } from "../../http/pagination.js";
import { newId } from "../../ids.js";
import { requireActiveUsers } from "../../users/service.js";
import { customerOfEntity } from "./entityCustomer.js";
import { type ApprovalStatus, approvalStatusIs } from "./status.js";

type Reader = Database | Tx;

export const approvalEntityTypes = ["journey", "contract", "payment", "customer"] as const;
export type ApprovalEntityType = (typeof approvalEntityTypes)[number];

export type NewApproval = {
  entityType: ApprovalEntityType;
  entityId: string;
  approvalType: string;
  requestedBy: string;
  approvers: ReadonlyArray<{ userId: string; role: string; required: boolean }>;
  approvalData?: Record<string, unknown> | undefined;
  expiresAt?: Date | null | undefined;
};

export type ApprovalFilter = {
  status?: ApprovalStatus | undefined;
  approverId?: string | undefined;
  requesterId?: string | undefined;
  entityType?: ApprovalEntityType | undefined;
};

/** An approval with who may decide it and every decision so far. */
export type ApprovalDetail = {
  approval: ApprovalRow;
  approvers: ApprovalApproverRow[];
  decisions: ApprovalDecisionRow[];
};

/** The webhook's and timeline's view of an approval: ids and type, not the approval data itself. */
export function approvalEventPayload(a: ApprovalRow) {
  return {
    approvalId: a.id,
    entityType: a.entityType,
    entityId: a.entityId,
    approvalType: a.approvalType,
    requestedBy: a.requestedBy,
  };
}

/**
 * Raises an approval request: approvers are distinct active users, at least one of them required,
 * and the requester is an active user too. Written with its omni.approval.requested event.
 */
export async function requestApproval(
  db: Database,
  tenantId: string,
  input: NewApproval,
  now: Date,
): Promise<ApprovalDetail> {
  const ids = input.approvers.map((a) => a.userId);
  const fields: Record<string, string> = {};
  ids.forEach((id, i) => {
    if (ids.indexOf(id) < i) fields[`approvers.${i}.userId`] = "appears twice";
  });
  if (!input.approvers.some((a) => a.required)) fields.approvers = "must name at least one required approver";
  if (Object.keys(fields).length > 0) throw errors.validation(fields);

  return db.transaction(async (tx) => {
    await requireActiveUsers(tx, tenantId, [
      { field: "requestedBy", userId: input.requestedBy },
      ...input.approvers.map((a, i) => ({ field: `approvers.${i}.userId`, userId: a.userId })),
    ]);
    const [approval] = await tx
      .insert(approvals)
      .values({
        id: newId("approval"),
        tenantId,
        entityType: input.entityType,
        entityId: input.entityId,
        approvalType: input.approvalType,
        requestedBy: input.requestedBy,
        approvalData: input.approvalData ?? {},
        expiresAt: input.expiresAt ?? null,
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    if (!approval) throw new Error("requestApproval: no row returned");
    const approvers = await tx
      .insert(approvalApprovers)
      .values(input.approvers.map((a, position) => ({ approvalId: approval.id, tenantId, ...a, position })))
      .returning();
    await recordEvent(tx, {
      tenantId,
      type: eventTypes.approvalRequested,
      subject: { type: "approval", id: approval.id },
      actor: { type: "user", id: input.requestedBy },
      customerId: await customerOfEntity(tx, tenantId, { type: approval.entityType, id: approval.entityId }),
      occurredAt: now,
      payload: { ...approvalEventPayload(approval), approverIds: ids },
    });
    return { approval, approvers: approvers.sort((a, b) => a.position - b.position), decisions: [] };
  });
}

/** The approvers and decisions of the given approvals, in request and decision order. */
export async function approvalParts(db: Reader, approvalIds: readonly string[]) {
  if (approvalIds.length === 0) return { approvers: [], decisions: [] };
  const ids = [...approvalIds];
  const [approvers, decisions] = await Promise.all([
    db
      .select()
      .from(approvalApprovers)
      .where(inArray(approvalApprovers.approvalId, ids))
      .orderBy(asc(approvalApprovers.position)),
    db
      .select()
      .from(approvalDecisionLog)
      .where(inArray(approvalDecisionLog.approvalId, ids))
      .orderBy(asc(approvalDecisionLog.decidedAt), asc(approvalDecisionLog.id)),
  ]);
  return { approvers, decisions };
}

export async function findApproval(
  db: Reader,
  tenantId: string,
  id: string,
): Promise<ApprovalDetail | undefined> {
  const [approval] = await db
    .select()
    .from(approvals)
    .where(and(eq(approvals.tenantId, tenantId), eq(approvals.id, id)));
  if (!approval) return undefined;
  return { approval, ...(await approvalParts(db, [id])) };
}

/** Newest first; the status filter is evaluated at `now`, like the status each row shows. */
export async function listApprovals(
  db: Reader,
  tenantId: string,
  filter: ApprovalFilter,
  page: PageRequest,
  now: Date,
): Promise<{ items: ApprovalDetail[]; total: number }> {
  const where = and(
    eq(approvals.tenantId, tenantId),
    filter.status ? approvalStatusIs(filter.status, now) : undefined,
    filter.requesterId ? eq(approvals.requestedBy, filter.requesterId) : undefined,
    filter.entityType ? eq(approvals.entityType, filter.entityType) : undefined,
    filter.approverId
      ? exists(
          db
            .select({ one: sql`1` })
            .from(approvalApprovers)
            .where(
              and(
                eq(approvalApprovers.approvalId, approvals.id),
                eq(approvalApprovers.tenantId, tenantId),
                eq(approvalApprovers.userId, filter.approverId),
              ),
            ),
        )
      : undefined,
  );
  const { limit, offset } = pageWindow(page);
  const [rows, totals] = await Promise.all([
    db
      .select()
      .from(approvals)
      .where(where)
      .orderBy(desc(approvals.createdAt), desc(approvals.id))
      .limit(limit)
      .offset(offset),
    db.select({ n: count() }).from(approvals).where(where),
  ]);
  const parts = await approvalParts(
    db,
    rows.map((r) => r.id),
  );
  const items = rows.map((approval) => ({
    approval,
    approvers: parts.approvers.filter((a) => a.approvalId === approval.id),
    decisions: parts.decisions.filter((d) => d.approvalId === approval.id),
  }));
  return { items, total: totals[0]?.n ?? 0 };
}

/** An approval row that passes a journey's approval step. Approved is final, so no clock is needed. */
function approvedForJourney(tenantId: SQL, journeyId: SQL): SQL {
  return sql`${approvals.tenantId} = ${tenantId}::text AND ${approvals.entityType} = 'journey'
    AND ${approvals.entityId} = ${journeyId}::text AND ${approvals.status} = 'approved'`;
}

/**
 * Whether the journey has an approved approval, as a boolean SQL expression over the journey's
 * tenant and id: the gate of a journey's approval step, read inside the advancing statement.
 */
export function approvedApprovalSql(tenantId: SQL, journeyId: SQL): SQL {
  return sql`EXISTS (SELECT 1 FROM ${approvals} WHERE ${approvedForJourney(tenantId, journeyId)})`;
}

/** The same gate asked on its own. */
export async function hasApprovedApproval(db: Reader, tenantId: string, journeyId: string): Promise<boolean> {
  const [row] = await db
    .select({ id: approvals.id })
    .from(approvals)
    .where(approvedForJourney(sql`${tenantId}`, sql`${journeyId}`))
    .limit(1);
  return row !== undefined;
}
