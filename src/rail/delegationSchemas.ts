import { z } from "@hono/zod-openapi";
import { type DelegationRow, delegationScopes } from "../db/schema/index.js";
import { paginationQuery, paginationSchema } from "../http/pagination.js";
import { delegationStatus, delegationStatuses } from "./delegations/status.js";
import { isoDateTime, money, optionalText, userRef } from "./railParts.js";

const scopeValue = z
  .enum(delegationScopes, { error: `must be one of ${delegationScopes.join(", ")}` })
  .openapi({ example: "approvals" });

export const createDelegationBody = z
  .object(
    {
      delegatorId: userRef("usr_manager_001"),
      delegateeId: userRef("usr_deputy_002"),
      scope: z
        .array(scopeValue, { error: "must be a list" })
        .min(1, "must not be empty")
        .max(delegationScopes.length * 2, "has too many entries")
        .openapi({ example: ["approvals", "journey_assign"] }),
      maxApprovalAmount: money.nullable().optional().openapi({
        description: "The largest amount (in this currency) the delegatee may approve; absent: no limit",
      }),
      validFrom: isoDateTime("2024-01-15T00:00:00Z"),
      validTo: isoDateTime("2024-01-22T23:59:59Z"),
      reason: optionalText(1000, "Annual leave coverage").nullable().optional(),
    },
    { error: "must be an object" },
  )
  .openapi("CreateDelegation");

export const revokeDelegationBody = z
  .object(
    {
      revokedBy: userRef("usr_manager_001"),
      reason: optionalText(1000, "Returned from leave early").nullable().optional(),
    },
    { error: "must be an object" },
  )
  .openapi("RevokeDelegation");

export const listDelegationsQuery = z
  .object({
    delegatorId: z.string().max(100).optional().openapi({ example: "usr_manager_001" }),
    delegateeId: z.string().max(100).optional().openapi({ example: "usr_deputy_002" }),
    status: z
      .enum(delegationStatuses, { error: `must be one of ${delegationStatuses.join(", ")}` })
      .optional()
      .openapi({
        description: "As of now: scheduled (before validFrom), active, expired (after validTo), revoked",
      }),
    scope: scopeValue.optional().openapi({ description: "Delegations whose scope lists this value" }),
  })
  .extend(paginationQuery({ perPage: 20, maxPerPage: 100 }).shape);

export const delegationSchema = z
  .object({
    id: z.string().openapi({ example: "del_01890a5d-ac96-774b-bcce-b302099a8057" }),
    status: z.enum(delegationStatuses).openapi({ description: "As of the response" }),
    delegatorId: z.string(),
    delegateeId: z.string(),
    scope: z.array(z.enum(delegationScopes)),
    maxApprovalAmount: money.nullable(),
    validFrom: z.string(),
    validTo: z.string(),
    reason: z.string().nullable(),
    createdAt: z.string(),
    revokedAt: z.string().nullable(),
    revokedBy: z.string().nullable(),
    revokeReason: z.string().nullable(),
  })
  .openapi("Delegation");

export const delegationEnvelope = z.object({ data: delegationSchema });
export const delegationList = z.object({ data: z.array(delegationSchema), pagination: paginationSchema });

export function delegationView(d: DelegationRow, now: Date): z.infer<typeof delegationSchema> {
  return {
    id: d.id,
    status: delegationStatus(d, now),
    delegatorId: d.delegatorId,
    delegateeId: d.delegateeId,
    scope: d.scope,
    maxApprovalAmount: d.maxApprovalAmount,
    validFrom: d.validFrom.toISOString(),
    validTo: d.validTo.toISOString(),
    reason: d.reason,
    createdAt: d.createdAt.toISOString(),
    revokedAt: d.revokedAt?.toISOString() ?? null,
    revokedBy: d.revokedBy,
    revokeReason: d.revokeReason,
  };
}
