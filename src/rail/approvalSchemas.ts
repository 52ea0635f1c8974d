import { z } from "@hono/zod-openapi";
import { type ApprovalDecisionRow, approvalDecisions } from "../db/schema/index.js";
import { paginationQuery, paginationSchema } from "../http/pagination.js";
import { type ApprovalDetail, approvalEntityTypes } from "./approvals/service.js";
import { approvalStatus, approvalStatuses } from "./approvals/status.js";
import { isoDateTime, optionalText, userRef } from "./railParts.js";

const entityType = z
  .enum(approvalEntityTypes, { error: `must be one of ${approvalEntityTypes.join(", ")}` })
  .openapi({ example: "journey" });

const label = (max: number, example: string) =>
  z
    .string({ error: "is required" })
    .trim()
    .min(1, "is required")
    .max(max, `must be at most ${max} characters`)
    .openapi({ example });

const approverInput = z.object(
  {
    userId: userRef("usr_credit_001"),
    role: label(100, "primary"),
    required: z.boolean({ error: "must be true or false" }).openapi({ example: true }),
  },
  { error: "must be an object" },
);

export const createApprovalBody = z
  .object(
    {
      entityType,
      entityId: label(100, "jrn_abc123"),
      approvalType: label(100, "credit_committee"),
      requestedBy: userRef("usr_rm_001"),
      approvers: z
        .array(approverInput, { error: "must be a list" })
        .min(1, "must not be empty")
        .max(50, "must have at most 50 approvers")
        .openapi({
          example: [
            { userId: "usr_credit_001", role: "primary", required: true },
            { userId: "usr_credit_002", role: "secondary", required: false },
          ],
        }),
      approvalData: z
        .record(z.string(), z.unknown(), { error: "must be an object" })
        .optional()
        .openapi({
          description:
            "Free data for the approvers. Each top-level `{ amount, currency }` value is an amount a delegatee's maxApprovalAmount must cover.",
          example: {
            facilityAmount: { amount: 2000000, currency: "SAR" },
            creditScore: 720,
            recommendation: "approve",
          },
        }),
      expiresAt: isoDateTime("2024-01-18T17:00:00Z").nullable().optional().openapi({
        description: "Undecided when this passes: expired. Absent: never expires",
      }),
    },
    { error: "must be an object" },
  )
  .openapi("CreateApproval");

export const decisionBody = z
  .object(
    {
      approverId: userRef("usr_credit_001").openapi({ description: "The user who decides" }),
      comment: optionalText(2000, "Within risk appetite").nullable().optional(),
      onBehalfOf: userRef("usr_credit_001").nullable().optional().openapi({
        description:
          "An approver for whom approverId decides as delegatee: needs an active delegation from onBehalfOf to approverId whose scope covers approvals (or all) and whose maxApprovalAmount (same currency) covers every amount of approvalData",
      }),
    },
    { error: "must be an object" },
  )
  .openapi("ApprovalDecisionRequest");

export const listApprovalsQuery = z
  .object({
    status: z
      .enum(approvalStatuses, { error: `must be one of ${approvalStatuses.join(", ")}` })
      .optional()
      .openapi({ description: "As of now (expired: undecided past expiresAt)" }),
    approverId: z.string().max(100).optional().openapi({ example: "usr_credit_001" }),
    requesterId: z.string().max(100).optional().openapi({ example: "usr_rm_001" }),
    entityType: entityType.optional(),
  })
  .extend(paginationQuery({ perPage: 20, maxPerPage: 100 }).shape);

const decisionSchema = z
  .object({
    id: z.string(),
    approverId: z.string().openapi({ description: "The approver whose decision this is" }),
    decidedBy: z.string().openapi({ description: "The user who acted: the approver, or their delegatee" }),
    onBehalfOf: z.string().nullable().openapi({ description: "The approver, when a delegatee decided" }),
    delegationId: z.string().nullable(),
    decision: z.enum(approvalDecisions),
    comment: z.string().nullable(),
    decidedAt: z.string(),
  })
  .openapi("ApprovalDecision");

const approverSchema = z
  .object({
    userId: z.string(),
    role: z.string(),
    required: z.boolean(),
    decision: z.enum(approvalDecisions).nullable(),
    decidedAt: z.string().nullable(),
  })
  .openapi("Approver");

export const approvalSchema = z
  .object({
    id: z.string().openapi({ example: "apr_01890a5d-ac96-774b-bcce-b302099a8057" }),
    status: z.enum(approvalStatuses).openapi({ description: "As of the response" }),
    entityType: z.string(),
    entityId: z.string(),
    approvalType: z.string(),
    requestedBy: z.string(),
    approvers: z.array(approverSchema),
    approvalData: z.record(z.string(), z.unknown()),
    expiresAt: z.string().nullable(),
    decidedAt: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    decisions: z.array(decisionSchema).openapi({ description: "The audit trail, oldest first" }),
  })
  .openapi("Approval");

export const approvalEnvelope = z.object({ data: approvalSchema });
export const approvalList = z.object({ data: z.array(approvalSchema), pagination: paginationSchema });

function decisionView(d: ApprovalDecisionRow): z.infer<typeof decisionSchema> {
  return {
    id: d.id,
    approverId: d.approverId,
    decidedBy: d.decidedBy,
    onBehalfOf: d.decidedBy === d.approverId ? null : d.approverId,
    delegationId: d.delegationId,
    decision: d.decision,
    comment: d.comment,
    decidedAt: d.decidedAt.toISOString(),
  };
}

export function approvalView(detail: ApprovalDetail, now: Date): z.infer<typeof approvalSchema> {
  const { approval: a } = detail;
  const byApprover = new Map(detail.decisions.map((d) => [d.approverId, d]));
  return {
    id: a.id,
    status: approvalStatus(a, now),
    entityType: a.entityType,
    entityId: a.entityId,
    approvalType: a.approvalType,
    requestedBy: a.requestedBy,
    approvers: detail.approvers.map((p) => ({
      userId: p.userId,
      role: p.role,
      required: p.required,
      decision: byApprover.get(p.userId)?.decision ?? null,
      decidedAt: byApprover.get(p.userId)?.decidedAt.toISOString() ?? null,
    })),
    approvalData: a.approvalData,
    expiresAt: a.expiresAt?.toISOString() ?? null,
    decidedAt: a.decidedAt?.toISOString() ?? null,
    createdAt: a.createdAt.toISOString(),
    updatedAt: a.updatedAt.toISOString(),
    decisions: detail.decisions.map(decisionView),
  };
}
