import { and, eq, inArray } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import type { Tx } from "../../db/client.js";
import { approvalApprovers, approvals, events, users } from "../../db/schema/index.js";
import { eventTypes } from "../../events/catalog.js";
import type { Triggering } from "./triggerKinds.js";

const requester = alias(users, "requester");

/**
 * The `approval.requested` triggers a batch's approval events fire: one per approver the request
 * named (fixed when it was requested), each a user of the tenant. The data says what is to be
 * decided, who asked (their name, else their id) and until when.
 */
export async function approvalTriggerings(tx: Tx, ids: readonly string[]): Promise<Triggering[]> {
  const rows = await tx
    .select({
      id: events.id,
      tenantId: events.tenantId,
      approverId: approvalApprovers.userId,
      approvalType: approvals.approvalType,
      requestedBy: approvals.requestedBy,
      requesterName: requester.name,
      expiresAt: approvals.expiresAt,
    })
    .from(events)
    .innerJoin(approvals, and(eq(approvals.id, events.subjectId), eq(approvals.tenantId, events.tenantId)))
    .innerJoin(approvalApprovers, eq(approvalApprovers.approvalId, approvals.id))
    .leftJoin(
      requester,
      and(eq(requester.tenantId, approvals.tenantId), eq(requester.id, approvals.requestedBy)),
    )
    .where(
      and(
        inArray(events.id, [...ids]),
        eq(events.subjectType, "approval"),
        eq(events.type, eventTypes.approvalRequested),
      ),
    );
  return rows.map((row) => ({
    eventId: row.id,
    tenantId: row.tenantId,
    kind: "approval.requested",
    recipient: { type: "user", id: row.approverId },
    data: {
      approvalType: row.approvalType,
      requesterName: row.requesterName ?? row.requestedBy,
      ...(row.expiresAt ? { expiresAt: row.expiresAt.toISOString() } : {}),
    },
  }));
}
