import { and, eq } from "drizzle-orm";
import type { Database } from "../../db/client.js";
import { type ApprovalDecision, approvalDecisionLog, approvals } from "../../db/schema/index.js";
import { eventTypes } from "../../events/catalog.js";
import { recordEvent } from "../../events/writer.js";
import { newId } from "../../ids.js";
import { requireActiveUsers } from "../../users/service.js";
import { approvalAuthority } from "../delegations/authority.js";
import { approvalAmounts } from "./amounts.js";
import { customerOfEntity } from "./entityCustomer.js";
import { type ApprovalDetail, approvalEventPayload, approvalParts } from "./service.js";
import { type ApprovalStatus, approvalStatus } from "./status.js";

export type DecisionInput = {
  /** The user who acts. */
  approverId: string;
  comment?: string | null | undefined;
  /** The approver whose decision this is, when the acting user decides as their delegatee. */
  onBehalfOf?: string | null | undefined;
};

export type DecisionResult =
  | { ok: true; detail: ApprovalDetail }
  | { ok: false; reason: "not_found" }
  | { ok: false; reason: "closed"; status: ApprovalStatus }
  | { ok: false; reason: "not_an_approver"; field: "approverId" | "onBehalfOf"; userId: string }
  | { ok: false; reason: "already_decided"; field: "approverId" | "onBehalfOf"; userId: string }
  | { ok: false; reason: "no_authority"; message: string };

/** The outcome once `decisions` are in: rejected by any required approver, approved by all of them. */
function outcomeOf(
  approvers: ReadonlyArray<{ userId: string; required: boolean }>,
  decisions: ReadonlyArray<{ approverId: string; decision: ApprovalDecision }>,
): "requested" | "approved" | "rejected" {
  const decisionOf = new Map(decisions.map((d) => [d.approverId, d.decision]));
  const required = approvers.filter((a) => a.required);
  if (required.some((a) => decisionOf.get(a.userId) === "rejected")) return "rejected";
  if (required.every((a) => decisionOf.get(a.userId) === "approved")) return "approved";
  return "requested";
}

/**
 * Records one approver's decision, in person or by a delegatee (onBehalfOf names the approver;
 * then an active delegation covering approvals and the approval's amounts is required). The
 * approval row is locked first, so concurrent decisions are applied one after the other, each
 * seeing the ones before. The decision joins the append-only audit trail; when it settles the
 * approval, omni.approval.approved or .rejected is written in the same transaction.
 */
export async function decideApproval(
  db: Database,
  tenantId: string,
  approvalId: string,
  decision: ApprovalDecision,
  input: DecisionInput,
  now: Date,
): Promise<DecisionResult> {
  return db.transaction(async (tx): Promise<DecisionResult> => {
    const [approval] = await tx
      .select()
      .from(approvals)
      .where(and(eq(approvals.tenantId, tenantId), eq(approvals.id, approvalId)))
      .for("update");
    if (!approval) return { ok: false, reason: "not_found" };
    const status = approvalStatus(approval, now);
    if (status !== "requested") return { ok: false, reason: "closed", status };

    const onBehalf = input.onBehalfOf && input.onBehalfOf !== input.approverId ? input.onBehalfOf : null;
    const slotField = onBehalf ? "onBehalfOf" : "approverId";
    const slotUser = onBehalf ?? input.approverId;
    await requireActiveUsers(tx, tenantId, [{ field: "approverId", userId: input.approverId }]);
    const { approvers, decisions } = await approvalParts(tx, [approvalId]);
    if (!approvers.some((a) => a.userId === slotUser)) {
      return { ok: false, reason: "not_an_approver", field: slotField, userId: slotUser };
    }
    if (decisions.some((d) => d.approverId === slotUser)) {
      return { ok: false, reason: "already_decided", field: slotField, userId: slotUser };
    }
    let delegationId: string | null = null;
    if (onBehalf) {
      const authority = await approvalAuthority(
        tx,
        tenantId,
        { delegatorId: onBehalf, delegateeId: input.approverId },
        approvalAmounts(approval.approvalData),
        now,
      );
      if (!authority.ok) return { ok: false, reason: "no_authority", message: authority.message };
      delegationId = authority.delegation.id;
    }

    const [logged] = await tx
      .insert(approvalDecisionLog)
      .values({
        id: newId("approvalDecision"),
        tenantId,
        approvalId,
        approverId: slotUser,
        decidedBy: input.approverId,
        delegationId,
        decision,
        comment: input.comment ?? null,
        decidedAt: now,
      })
      .returning();
    if (!logged) throw new Error("decideApproval: no decision row returned");
    const allDecisions = [...decisions, logged];
    const outcome = outcomeOf(approvers, allDecisions);
    const [updated] = await tx
      .update(approvals)
      .set({ status: outcome, updatedAt: now, ...(outcome === "requested" ? {} : { decidedAt: now }) })
      .where(eq(approvals.id, approvalId))
      .returning();
    if (!updated) throw new Error(`locked approval ${approvalId} vanished`);
    if (outcome !== "requested") {
      await recordEvent(tx, {
        tenantId,
        type: outcome === "approved" ? eventTypes.approvalApproved : eventTypes.approvalRejected,
        subject: { type: "approval", id: approvalId },
        actor: { type: "user", id: input.approverId },
        customerId: await customerOfEntity(tx, tenantId, { type: updated.entityType, id: updated.entityId }),
        occurredAt: now,
        payload: {
          ...approvalEventPayload(updated),
          decidedBy: input.approverId,
          onBehalfOf: onBehalf,
          delegationId,
        },
      });
    }
    return { ok: true, detail: { approval: updated, approvers, decisions: allDecisions } };
  });
}
